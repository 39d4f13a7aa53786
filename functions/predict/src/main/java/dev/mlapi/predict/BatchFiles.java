package dev.mlapi.predict;

import static dev.mlapi.registry.storage.S3Failures.call;

import dev.mlapi.core.error.ApiException.NotFound;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Batch scoring's objects in the registry bucket, all under {@code training/} (the prefix the
 * functions' grants allow): the dataset read by byte ranges, each chunk's scored part
 * ({@code training/batch/<job>/part-<k>.csv}) and the assembled CSV ({@code …/result.csv}).
 * Keys are built here from job ids the jobs table gave out. S3 failures are translated by the shared
 * {@code S3Failures}: a missing object is a {@link NotFound}.
 */
final class BatchFiles {

    static final String PREFIX = "training/batch/";
    /** S3's smallest part but the last is 5 MiB; parts are gathered to this size before each upload. */
    static final int UPLOAD_PART_BYTES = 8 * 1024 * 1024;
    /** How much of the dataset's start is read to find its header row. */
    static final int HEADER_BYTES = 64 * 1024;

    private final S3Client s3;
    private final String bucket;

    BatchFiles(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    static String partKey(String jobId, int chunk) {
        return PREFIX + jobId + "/part-" + chunk + ".csv";
    }

    static String resultKey(String jobId) {
        return PREFIX + jobId + "/result.csv";
    }

    /** The first {@link #HEADER_BYTES} bytes (fewer for a smaller object); empty if it does not exist. */
    Optional<byte[]> head(String key) {
        try {
            return Optional.of(call("reading " + key, () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)
                    .range("bytes=0-" + (HEADER_BYTES - 1))).asByteArray()));
        } catch (NotFound e) {
            return Optional.empty();
        }
    }

    /** The whole object, streamed (the caller closes it). */
    InputStream open(String key) {
        return call("reading " + key, () -> s3.getObject(r -> r.bucket(bucket).key(key)));
    }

    /** Bytes {@code [start, end)} of the object. */
    byte[] range(String key, long start, long end) {
        if (end <= start) {
            return new byte[0];
        }
        return call("reading " + key, () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key(key).range("bytes=" + start + "-" + (end - 1))))
                .asByteArray();
    }

    void put(String key, byte[] data) {
        call("writing " + key, () -> s3.putObject(r -> r.bucket(bucket).key(key).contentType("text/csv"), RequestBody.fromBytes(data)));
    }

    /**
     * Writes {@code header} then every part in order into {@code key} as one object, streamed
     * through a multipart upload (parts of {@link #UPLOAD_PART_BYTES}): no part is held whole
     * beyond one upload part. Returns the object's size. A failed assembly aborts its upload.
     */
    long concatenate(byte[] header, List<String> parts, String key) {
        String uploadId = call("assembling " + key, () -> s3.createMultipartUpload(r -> r.bucket(bucket).key(key).contentType("text/csv")))
                .uploadId();
        List<CompletedPart> completed = new ArrayList<>();
        ByteArrayOutputStream pending = new ByteArrayOutputStream(UPLOAD_PART_BYTES + 64 * 1024);
        long size = 0;
        try {
            pending.write(header);
            byte[] buffer = new byte[64 * 1024];
            for (String part : parts) {
                try (InputStream in = open(part)) {
                    for (int read; (read = in.read(buffer)) > 0; ) {
                        pending.write(buffer, 0, read);
                        if (pending.size() >= UPLOAD_PART_BYTES) {
                            size += upload(key, uploadId, completed, pending);
                        }
                    }
                }
            }
            if (pending.size() > 0 || completed.isEmpty()) {
                size += upload(key, uploadId, completed, pending);
            }
            call("assembling " + key, () -> s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(completed))));
            return size;
        } catch (IOException e) {
            abort(key, uploadId);
            throw new UncheckedIOException("assembling " + key, e);
        } catch (RuntimeException e) {
            abort(key, uploadId);
            throw e;
        }
    }

    private long upload(String key, String uploadId, List<CompletedPart> completed, ByteArrayOutputStream pending) {
        int number = completed.size() + 1;
        byte[] bytes = pending.toByteArray();
        pending.reset();
        String etag = call("assembling " + key, () -> s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(number),
                RequestBody.fromBytes(bytes))).eTag();
        completed.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        return bytes.length;
    }

    private void abort(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException ignored) {
            // the bucket's lifecycle rule removes incomplete uploads
        }
    }
}
