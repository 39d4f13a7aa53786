package dev.mlapi.registry.storage;

import static dev.mlapi.registry.storage.S3Failures.call;

import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * The raw S3 access of the model registry, the image library and training: one bucket's objects,
 * every SDK failure translated by {@link S3Failures}. A missing object is an empty answer (or
 * {@code false}), never an exception; keys are the callers', each of which keeps to its prefix.
 */
public final class S3Bucket {

    private static final Logger LOG = LoggerFactory.getLogger(S3Bucket.class);

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String name;

    public S3Bucket(S3Client s3, S3Presigner presigner, String name) {
        this.s3 = s3;
        this.presigner = presigner;
        this.name = name;
    }

    /** The bucket's name (for log lines). */
    public String name() {
        return name;
    }

    /** The object's bytes; empty if it does not exist. */
    public Optional<byte[]> read(String key) {
        try {
            return Optional.of(call("reading " + key, () -> s3.getObjectAsBytes(r -> r.bucket(name).key(key)))
                    .asByteArray());
        } catch (NotFound e) {
            return Optional.empty();
        }
    }

    /** The first {@code bytes} bytes of the object (fewer if it is shorter: a ranged GET); empty if it does not exist. */
    public Optional<byte[]> readStart(String key, int bytes) {
        try {
            return Optional.of(call("reading " + key, () -> s3.getObjectAsBytes(r -> r.bucket(name).key(key)
                    .range("bytes=0-" + (bytes - 1)))).asByteArray());
        } catch (NotFound e) {
            return Optional.empty();
        }
    }

    /** The object's bytes, streamed (the caller closes the stream); empty if it does not exist. */
    public Optional<ResponseInputStream<GetObjectResponse>> open(String key) {
        try {
            return Optional.of(call("reading " + key, () -> s3.getObject(r -> r.bucket(name).key(key))));
        } catch (NotFound e) {
            return Optional.empty();
        }
    }

    /** A HEAD of the object: no read. */
    public boolean exists(String key) {
        return size(key).isPresent();
    }

    /** The object's size as S3 reports it (a HEAD); empty if it does not exist. */
    public Optional<Long> size(String key) {
        try {
            return Optional.of(call("reading " + key, () -> s3.headObject(r -> r.bucket(name).key(key)))
                    .contentLength());
        } catch (NotFound e) {
            return Optional.empty();
        }
    }

    public void put(String key, byte[] data, String contentType) {
        call("writing " + key, () -> s3.putObject(r -> r.bucket(name).key(key).contentType(contentType),
                RequestBody.fromBytes(data)));
    }

    /** Stores {@code data} with its sha256 (hex), which S3 checks: a body damaged on the way is refused. */
    public void putChecked(String key, byte[] data, String sha256Hex) {
        call("storing " + key, () -> s3.putObject(r -> r.bucket(name).key(key).checksumSHA256(base64(sha256Hex)),
                RequestBody.fromBytes(data)));
    }

    /**
     * Creates {@code key} unless it exists (If-None-Match: *); false if it existed. The SDK retries
     * a PUT whose response was lost, and the retry then meets its own first attempt: so on 412 the
     * write counts as ours if the stored bytes are exactly what we sent (callers write unique
     * documents this way: a random token, a timestamp).
     */
    public boolean putIfAbsent(String key, byte[] data, String contentType) {
        try {
            s3.putObject(r -> r.bucket(name).key(key).contentType(contentType).ifNoneMatch("*"),
                    RequestBody.fromBytes(data));
            return true;
        } catch (AwsServiceException e) {
            // 412: the key exists. 409: a concurrent conditional write to it is in flight; either way it is taken.
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return read(key).map(stored -> Arrays.equals(stored, data)).orElse(false);
            }
            throw S3Failures.translate(e, "writing " + key);
        } catch (SdkException e) {
            throw S3Failures.translate(e, "writing " + key);
        }
    }

    /** Copies {@code from} to {@code to} inside S3, served as {@code contentType}. */
    public void copy(String from, String to, String contentType) {
        call("copying " + from, () -> s3.copyObject(r -> r.sourceBucket(name).sourceKey(from)
                .destinationBucket(name).destinationKey(to)
                .contentType(contentType).metadataDirective(MetadataDirective.REPLACE)));
    }

    public void delete(String key) {
        call("deleting " + key, () -> s3.deleteObject(r -> r.bucket(name).key(key)));
    }

    /** Deletes the object; a failure is logged, not thrown (for objects nothing refers to any more). */
    public void deleteQuietly(String key) {
        try {
            delete(key);
        } catch (RuntimeException e) {
            LOG.error("could not delete s3://{}/{}; it is no longer referenced", name, key, e);
        }
    }

    /** Deletes every object under {@code prefix}, a thousand a request. */
    public void deleteAll(String prefix) {
        List<ObjectIdentifier> batch = new ArrayList<>();
        for (S3Object object : list(prefix)) {
            batch.add(ObjectIdentifier.builder().key(object.key()).build());
            if (batch.size() == 1000) {
                deleteBatch(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            deleteBatch(batch);
        }
    }

    private void deleteBatch(List<ObjectIdentifier> batch) {
        var response = call("deleting files", () -> s3.deleteObjects(r -> r.bucket(name)
                .delete(d -> d.objects(batch).quiet(true))));
        if (response.hasErrors() && !response.errors().isEmpty()) {
            throw new ServiceUnavailable("could not delete " + response.errors().size() + " files, e.g. "
                    + response.errors().get(0).key() + ": " + response.errors().get(0).message());
        }
    }

    /** Every object under {@code prefix}, in key order. */
    public List<S3Object> list(String prefix) {
        List<S3Object> objects = new ArrayList<>();
        call("listing " + prefix, () -> {
            s3.listObjectsV2Paginator(r -> r.bucket(name).prefix(prefix)).contents().forEach(objects::add);
            return null;
        });
        return objects;
    }

    /** Every object under {@code prefix}, read a page of 1000 keys at a time as the stream is consumed. */
    public Stream<S3Object> stream(String prefix) {
        return call("listing " + prefix, () -> s3.listObjectsV2Paginator(r -> r.bucket(name).prefix(prefix))
                .contents().stream());
    }

    /** One page of the "folders" ({@code delimiter}-separated common prefixes) and keys under {@code prefix}. */
    public ListObjectsV2Response listPage(String prefix, String delimiter, int maxKeys, String startAfter) {
        return call("listing " + prefix, () -> s3.listObjectsV2(ListObjectsV2Request.builder()
                .bucket(name).prefix(prefix).delimiter(delimiter).maxKeys(maxKeys).startAfter(startAfter).build()));
    }

    /** Every page of the "folders" and keys under {@code prefix}, in order. */
    public void forEachPage(String prefix, String delimiter, Consumer<ListObjectsV2Response> page) {
        call("listing " + prefix, () -> {
            s3.listObjectsV2Paginator(r -> r.bucket(name).prefix(prefix).delimiter(delimiter)).forEach(page);
            return null;
        });
    }

    /** A presigned GET of {@code key}, with the response options (type, disposition) {@code options} sets. */
    public PresignedGet presignGet(String key, Duration validFor, Consumer<GetObjectRequest.Builder> options) {
        var presigned = call("presigning a download", () -> presigner.presignGetObject(r -> r.signatureDuration(validFor)
                .getObjectRequest(g -> options.accept(g.bucket(name).key(key)))));
        return new PresignedGet(uri(presigned.url()), presigned.expiration());
    }

    /** A download link and when it stops working. */
    public record PresignedGet(URI url, Instant expiresAt) {
    }

    /**
     * A presigned PUT of exactly {@code size} bytes whose sha256 is {@code sha256Hex}: both are
     * signed, so S3 refuses any other body. Only {@link PresignedUploads} hands these out.
     */
    PresignedPutObjectRequest presignPut(String key, long size, String sha256Hex, Duration validFor) {
        return call("presigning an upload", () -> presigner.presignPutObject(r -> r.signatureDuration(validFor)
                .putObjectRequest(p -> p.bucket(name).key(key).contentLength(size).checksumSHA256(base64(sha256Hex)))));
    }

    static URI uri(URL url) {
        try {
            return url.toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("the SDK presigned an invalid URL", e);
        }
    }

    private static String base64(String sha256Hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex));
    }
}
