package dev.mlapi.registry.storage;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The one presigned upload protocol of model files, datasets and images. The client declares a
 * file's size and sha256; the feature records the declaration with an expiry (its pending record:
 * a JSON document for a model version, a DynamoDB item for a dataset or an image) and hands out
 * {@link #presign a PUT} that signs both, so S3 refuses any other body. The commit checks the
 * expiry ({@link #isExpired}) and {@link #readBack reads the object back}, streaming it through
 * SHA-256: a differing upload is deleted, so that its URL can upload it again.
 */
public final class PresignedUploads {

    private final S3Bucket bucket;

    public PresignedUploads(S3Bucket bucket) {
        this.bucket = bucket;
    }

    /** An object a client is to upload: its key, exact size and sha256 (lower-case hex). */
    public record DeclaredObject(String key, long size, String sha256) {
    }

    /**
     * Where and how to PUT an upload: the headers to send are those signed, less {@code host} and
     * {@code content-length}, which every HTTP client sets itself.
     */
    public record SignedPut(URI url, Map<String, String> headers) {
        public SignedPut {
            headers = Map.copyOf(headers);
        }
    }

    /** A PUT of exactly the declared bytes, valid for {@code validFor}. */
    public SignedPut presign(DeclaredObject object, Duration validFor) {
        var presigned = bucket.presignPut(object.key(), object.size(), object.sha256(), validFor);
        Map<String, String> headers = new TreeMap<>();
        presigned.signedHeaders().forEach((header, values) -> {
            if (!header.equalsIgnoreCase("host") && !header.equalsIgnoreCase("content-length")) {
                headers.put(header, String.join(",", values));
            }
        });
        return new SignedPut(S3Bucket.uri(presigned.url()), headers);
    }

    /** Whether a reservation that expires at {@code expiresAt} has expired: its URLs no longer work, its commit is refused. */
    public static boolean isExpired(Instant expiresAt, Instant now) {
        return now.isAfter(expiresAt);
    }

    /** What a commit found at the declared key. */
    public sealed interface Readback {
    }

    /** Nothing was uploaded (yet): the reservation stands. */
    public record NotUploaded() implements Readback {
    }

    /** Other bytes than declared: their size, and their sha256 when the size was right. The object was deleted. */
    public record Differs(long size, Optional<String> sha256) implements Readback {
    }

    /** Exactly the declared bytes; {@code data} holds them when the commit asked to keep them. */
    public record Matches(long size, String sha256, Optional<byte[]> data) implements Readback {
    }

    /**
     * Reads the upload of {@code object} back and checks its size (before reading: a longer or
     * shorter object is not read) and sha256. An object that differs is deleted (best effort).
     *
     * @param keepBytes whether to keep the bytes read (a caller that decodes them), else only hashed
     */
    public Readback readBack(DeclaredObject object, boolean keepBytes) {
        Optional<ResponseInputStream<GetObjectResponse>> opened = bucket.open(object.key());
        if (opened.isEmpty()) {
            return new NotUploaded();
        }
        Readback readback;
        try (ResponseInputStream<GetObjectResponse> in = opened.get()) {
            Long length = in.response().contentLength();
            if (length != null && length != object.size()) {
                in.abort();
                readback = new Differs(length, Optional.empty());
            } else {
                Sha256.Digest digest = Sha256.of(in, keepBytes, object.size());
                readback = digest.size() == object.size() && digest.sha256().equals(object.sha256())
                        ? new Matches(digest.size(), digest.sha256(), digest.data())
                        : new Differs(digest.size(), Optional.of(digest.sha256()));
            }
        } catch (IOException e) {
            throw S3Failures.streamFailed("reading " + object.key(), e);
        }
        if (readback instanceof Differs) {
            bucket.deleteQuietly(object.key());
        }
        return readback;
    }
}
