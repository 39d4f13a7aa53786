package dev.mlapi.imagestore;

import dev.mlapi.core.aws.SdkErrors;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The image library's objects in the registry's bucket (the registry keeps to {@code models/}, and
 * the functions' grants to their prefix): {@code images/<id>} for an image that has (or is about
 * to get) a record, and {@code images/pending/<upload id>} for a presigned upload not yet
 * committed, which the bucket's lifecycle rule expires. Keys are built only from server-made ids,
 * so none can leave the prefix.
 */
public final class ImageObjects {

    public static final String PREFIX = "images/";
    /** Presigned uploads land here until their commit; a lifecycle rule expires what is left. */
    public static final String PENDING_PREFIX = PREFIX + "pending/";
    /** How long a download link works. */
    public static final Duration URL_LIFETIME = Duration.ofMinutes(15);

    private static final Logger LOG = LoggerFactory.getLogger(ImageObjects.class);
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;

    public ImageObjects(S3Client s3, S3Presigner presigner, String bucket) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
    }

    public static ImageObjects create(RegistrySettings settings) {
        return new ImageObjects(S3Clients.s3(settings), S3Clients.presigner(settings), settings.bucket());
    }

    static String key(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not an image id: " + id);
        }
        return PREFIX + id;
    }

    static String pendingKey(String uploadId) {
        return PENDING_PREFIX + key(uploadId).substring(PREFIX.length());
    }

    /** The image id of a key {@code images/<id>}, if it is one. */
    static Optional<String> imageId(String key) {
        String rest = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : "";
        return ID.matcher(rest).matches() ? Optional.of(rest) : Optional.empty();
    }

    /** The upload id of a key {@code images/pending/<id>}, if it is one. */
    static Optional<String> uploadId(String key) {
        String rest = key.startsWith(PENDING_PREFIX) ? key.substring(PENDING_PREFIX.length()) : "";
        return ID.matcher(rest).matches() ? Optional.of(rest) : Optional.empty();
    }

    void put(String id, byte[] bytes, String contentType) {
        s3.putObject(r -> r.bucket(bucket).key(key(id)).contentType(contentType), RequestBody.fromBytes(bytes));
    }

    /** The stored bytes of image {@code id}; 404 when the object is gone. */
    public byte[] read(String id) {
        try {
            return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key(id))).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new NotFound("the stored bytes of image " + id + " are missing");
        }
    }

    /** Deletes the object; a failure is logged, not thrown: the record is gone, an unlisted object harms no one. */
    void deleteQuietly(String id) {
        deleteKeyQuietly(key(id));
    }

    /**
     * A presigned PUT of exactly the declared bytes to {@code images/pending/<upload id>}: the
     * signed {@code x-amz-checksum-sha256} (and length) make S3 refuse any other body. The
     * headers to send are those signed, less {@code host} and {@code content-length}, which every
     * HTTP client sets itself.
     */
    PresignedPut presignUpload(String uploadId, long size, String sha256Hex, Duration validFor) {
        var presigned = call(() -> presigner.presignPutObject(r -> r.signatureDuration(validFor)
                .putObjectRequest(p -> p.bucket(bucket).key(pendingKey(uploadId)).contentLength(size)
                        .checksumSHA256(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex))))));
        Map<String, String> headers = new TreeMap<>();
        presigned.signedHeaders().forEach((header, values) -> {
            if (!header.equalsIgnoreCase("host") && !header.equalsIgnoreCase("content-length")) {
                headers.put(header, String.join(",", values));
            }
        });
        return new PresignedPut(URI.create(presigned.url().toString()), headers);
    }

    /** Where and how to PUT an upload. */
    record PresignedPut(URI url, Map<String, String> headers) {
    }

    /** The size S3 reports for a pending upload; empty when nothing was uploaded. */
    Optional<Long> pendingSize(String uploadId) {
        try {
            return Optional.of(call(() -> s3.headObject(r -> r.bucket(bucket).key(pendingKey(uploadId)))).contentLength());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The bytes of a pending upload read back in full, at most {@code max} of them (a longer
     * object is reported by its length, not read), with their real size and sha256.
     */
    Readback readPending(String uploadId, long max) {
        try (ResponseInputStream<GetObjectResponse> in = call(() -> s3.getObject(r -> r.bucket(bucket)
                .key(pendingKey(uploadId))))) {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            ByteArrayOutputStream data = new ByteArrayOutputStream((int) Math.min(max, 1 << 20));
            byte[] buffer = new byte[64 * 1024];
            long size = 0;
            for (int read; (read = in.read(buffer)) > 0; ) {
                size += read;
                if (size > max) {
                    in.abort();
                    Long length = in.response().contentLength();
                    return new Readback(Optional.empty(), length == null ? size : Math.max(size, length), "");
                }
                sha256.update(buffer, 0, read);
                data.write(buffer, 0, read);
            }
            return new Readback(Optional.of(data.toByteArray()), size, HexFormat.of().formatHex(sha256.digest()));
        } catch (NoSuchKeyException e) {
            throw new NotFound("upload " + uploadId + " was removed while it was read");
        } catch (IOException e) {
            throw new UncheckedIOException("reading upload " + uploadId, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** What was read back: the bytes (empty when longer than allowed), the size and the hex sha256 of the bytes. */
    record Readback(Optional<byte[]> data, long size, String sha256) {
    }

    /** Copies a verified upload to the image's key (inside S3), served as its sniffed type. */
    void copyPendingToImage(String uploadId, String imageId, String contentType) {
        call(() -> s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(pendingKey(uploadId))
                .destinationBucket(bucket).destinationKey(key(imageId))
                .contentType(contentType).metadataDirective(MetadataDirective.REPLACE)));
    }

    void deletePendingQuietly(String uploadId) {
        deleteKeyQuietly(pendingKey(uploadId));
    }

    /** Every object under {@code images/}, a page of 1000 keys at a time. */
    Stream<S3Object> listAll() {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(PREFIX)).contents().stream();
    }

    void deleteKeyQuietly(String key) {
        if (!key.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not an image library key: " + key);
        }
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(key));
        } catch (S3Exception | software.amazon.awssdk.core.exception.SdkClientException e) {
            LOG.error("could not delete object {}; it is no longer referenced", key, e);
        }
    }

    private static <T> T call(Supplier<T> operation) {
        try {
            return operation.get();
        } catch (NoSuchKeyException e) {
            throw e;
        } catch (SdkException e) {
            if (e instanceof S3Exception s3e && s3e.statusCode() == 404) {
                throw e;
            }
            throw SdkErrors.translate(e);
        }
    }

    /** A presigned GET of the image, served with its sniffed type and its file name (so a download saves under it). */
    URI downloadUrl(StoredImage image) {
        return URI.create(presigner.presignGetObject(r -> r.signatureDuration(URL_LIFETIME)
                .getObjectRequest(g -> g.bucket(bucket).key(image.objectKey())
                        .responseContentType(image.contentType())
                        .responseContentDisposition(ContentDisposition.inline(image.filename())))).url().toString());
    }
}
