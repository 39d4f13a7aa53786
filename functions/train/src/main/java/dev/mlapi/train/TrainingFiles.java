package dev.mlapi.train;

import dev.mlapi.registry.PendingUpload;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.storage.PresignedUploads;
import dev.mlapi.registry.storage.PresignedUploads.DeclaredObject;
import dev.mlapi.registry.storage.PresignedUploads.Readback;
import dev.mlapi.registry.storage.PresignedUploads.SignedPut;
import dev.mlapi.registry.storage.S3Bucket;
import dev.mlapi.training.DatasetLimits;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Training's objects in the registry bucket, all under {@link #PREFIX} (the only prefix the
 * functions' grants on it allow): a job's CSV ({@code training/jobs/{id}/data.csv}) and uploaded
 * datasets ({@code training/datasets/{id}/data.csv}). Keys are built here from generated ids only.
 * A dataset is read streaming ({@link #open}) or by its first bytes ({@link #readStart}), never
 * whole, by the API or the worker. S3 is reached through the shared {@link S3Bucket} (failures
 * translated once, by {@code S3Failures}) and uploads through {@link PresignedUploads}.
 */
final class TrainingFiles {

    static final String PREFIX = "training/";

    private final S3Bucket bucket;
    private final PresignedUploads uploads;
    private final DatasetLimits limits;

    TrainingFiles(S3Client s3, S3Presigner presigner, String bucket) {
        this(s3, presigner, bucket, DatasetLimits.DEFAULTS);
    }

    /** With the rows and columns a dataset read from these files may have. */
    TrainingFiles(S3Client s3, S3Presigner presigner, String bucket, DatasetLimits limits) {
        this.bucket = new S3Bucket(s3, presigner, bucket);
        this.uploads = new PresignedUploads(this.bucket);
        this.limits = limits;
    }

    static TrainingFiles create(RegistrySettings settings) {
        return new TrainingFiles(S3Clients.s3(settings), S3Clients.presigner(settings), settings.bucket());
    }

    /** The rows and columns a training table read from these files may have ({@code TRAINING_MAX_ROWS}, …). */
    DatasetLimits limits() {
        return limits;
    }

    static String jobCsvKey(String jobId) {
        return PREFIX + "jobs/" + TrainIds.require(jobId) + "/data.csv";
    }

    static String datasetKey(String datasetId) {
        return PREFIX + "datasets/" + TrainIds.require(datasetId) + "/data.csv";
    }

    void put(String key, byte[] data) {
        bucket.put(key, data, "text/csv");
    }

    /** The object's bytes, streamed from S3 (the caller closes it); empty if it does not exist. */
    Optional<InputStream> open(String key) {
        return bucket.open(key).map(in -> in);
    }

    /** The first {@code bytes} bytes of the object (fewer if it is shorter: a ranged GET); empty if it does not exist. */
    Optional<byte[]> readStart(String key, int bytes) {
        return bucket.readStart(key, bytes);
    }

    /** The object's bytes; empty if it does not exist. */
    Optional<byte[]> read(String key) {
        return bucket.read(key);
    }

    void delete(String key) {
        bucket.delete(key);
    }

    /** A presigned PUT of exactly the dataset's declared bytes (see {@link PresignedUploads}). */
    PendingUpload.UploadUrl presignUpload(TrainingDataset dataset, Duration validFor) {
        SignedPut put = uploads.presign(declared(dataset), validFor);
        return new PendingUpload.UploadUrl("data.csv", "PUT", put.url(), put.headers());
    }

    /** The dataset's upload read back (streamed, not kept) and checked against its declared size and sha256. */
    Readback readBack(TrainingDataset dataset) {
        return uploads.readBack(declared(dataset), false);
    }

    private static DeclaredObject declared(TrainingDataset dataset) {
        return new DeclaredObject(dataset.objectKey(), dataset.size(), dataset.sha256());
    }

    /** A presigned GET of {@code key}, valid for {@code validFor}. */
    URI presignDownload(String key, Duration validFor) {
        return bucket.presignGet(key, validFor, g -> {
        }).url();
    }
}
