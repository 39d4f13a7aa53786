package dev.mlapi.train;

import dev.mlapi.core.aws.SdkErrors;
import dev.mlapi.registry.PendingUpload;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.training.DatasetLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Training's objects in the registry bucket, all under {@link #PREFIX} (the only prefix the
 * functions' grants on it allow): a job's CSV ({@code training/jobs/{id}/data.csv}) and uploaded
 * datasets ({@code training/datasets/{id}/data.csv}). Keys are built here from generated ids only.
 * A dataset is read streaming ({@link #open}) or by its first bytes ({@link #readStart}), never
 * whole, by the API or the worker.
 */
final class TrainingFiles {

    static final String PREFIX = "training/";

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final DatasetLimits limits;

    TrainingFiles(S3Client s3, S3Presigner presigner, String bucket) {
        this(s3, presigner, bucket, DatasetLimits.DEFAULTS);
    }

    /** With the rows and columns a dataset read from these files may have. */
    TrainingFiles(S3Client s3, S3Presigner presigner, String bucket, DatasetLimits limits) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
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
        call(() -> s3.putObject(r -> r.bucket(bucket).key(key).contentType("text/csv"), RequestBody.fromBytes(data)));
    }

    /** The object's bytes, streamed from S3 (the caller closes it); empty if it does not exist. */
    Optional<InputStream> open(String key) {
        try {
            return Optional.of(call(() -> s3.getObject(r -> r.bucket(bucket).key(key))));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    /** The first {@code bytes} bytes of the object (fewer if it is shorter: a ranged GET); empty if it does not exist. */
    Optional<byte[]> readStart(String key, int bytes) {
        try {
            return Optional.of(call(() -> s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)
                    .range("bytes=0-" + (bytes - 1))).asByteArray()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    /** The object's bytes; empty if it does not exist. */
    Optional<byte[]> read(String key) {
        try {
            return Optional.of(call(() -> s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    void delete(String key) {
        call(() -> s3.deleteObject(r -> r.bucket(bucket).key(key)));
    }

    /** A presigned PUT of exactly these bytes: storage refuses a body whose sha256 differs. */
    PendingUpload.UploadUrl presignUpload(String key, String sha256Hex, Duration validFor) {
        var presigned = call(() -> presigner.presignPutObject(r -> r.signatureDuration(validFor)
                .putObjectRequest(p -> p.bucket(bucket).key(key)
                        .checksumSHA256(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex))))));
        Map<String, String> headers = new LinkedHashMap<>();
        presigned.signedHeaders().forEach((header, values) -> {
            if (!header.equalsIgnoreCase("host")) {
                headers.put(header, String.join(",", values));
            }
        });
        try {
            return new PendingUpload.UploadUrl("data.csv", "PUT", presigned.url().toURI(), headers);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("the SDK presigned an invalid URL", e);
        }
    }

    /** A presigned GET of {@code key}, valid for {@code validFor}. */
    java.net.URL presignDownload(String key, Duration validFor) {
        return call(() -> presigner.presignGetObject(r -> r.signatureDuration(validFor)
                .getObjectRequest(g -> g.bucket(bucket).key(key)))).url();
    }

    /** Size and sha256 (hex) of a stored object, streamed; empty if it does not exist. */
    Optional<Digest> digest(String key) {
        try (InputStream in = call(() -> s3.getObject(r -> r.bucket(bucket).key(key)))) {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            long size = 0;
            for (int read; (read = in.read(buffer)) > 0; ) {
                sha256.update(buffer, 0, read);
                size += read;
            }
            return Optional.of(new Digest(size, HexFormat.of().formatHex(sha256.digest())));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + key, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    record Digest(long size, String sha256) {
    }

    private static <T> T call(Supplier<T> operation) {
        try {
            return operation.get();
        } catch (NoSuchKeyException e) {
            throw e;
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }
}
