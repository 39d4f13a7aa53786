package dev.mlapi.imagestore;

import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.storage.PresignedUploads;
import dev.mlapi.registry.storage.PresignedUploads.DeclaredObject;
import dev.mlapi.registry.storage.PresignedUploads.Readback;
import dev.mlapi.registry.storage.PresignedUploads.SignedPut;
import dev.mlapi.registry.storage.S3Bucket;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The image library's objects in the registry's bucket (the registry keeps to {@code models/}, and
 * the functions' grants to their prefix): {@code images/<id>} for an image that has (or is about
 * to get) a record, and {@code images/pending/<upload id>} for a presigned upload not yet
 * committed, which the bucket's lifecycle rule expires. Keys are built only from server-made ids,
 * so none can leave the prefix. S3 is reached through the shared {@link S3Bucket} (failures
 * translated once, by {@code S3Failures}) and uploads through {@link PresignedUploads}.
 */
public final class ImageObjects {

    public static final String PREFIX = "images/";
    /** Presigned uploads land here until their commit; a lifecycle rule expires what is left. */
    public static final String PENDING_PREFIX = PREFIX + "pending/";
    /** How long a download link works. */
    public static final Duration URL_LIFETIME = Duration.ofMinutes(15);

    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final S3Bucket bucket;
    private final PresignedUploads uploads;

    public ImageObjects(S3Client s3, S3Presigner presigner, String bucket) {
        this.bucket = new S3Bucket(s3, presigner, bucket);
        this.uploads = new PresignedUploads(this.bucket);
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
        bucket.put(key(id), bytes, contentType);
    }

    /** The stored bytes of image {@code id}; 404 when the object is gone. */
    public byte[] read(String id) {
        return bucket.read(key(id)).orElseThrow(() -> new NotFound("the stored bytes of image " + id + " are missing"));
    }

    /** Deletes the object; a failure is logged, not thrown: the record is gone, an unlisted object harms no one. */
    void deleteQuietly(String id) {
        deleteKeyQuietly(key(id));
    }

    /** A presigned PUT of exactly the declared bytes to {@code images/pending/<upload id>} (see {@link PresignedUploads}). */
    SignedPut presignUpload(PendingImage pending, Duration validFor) {
        return uploads.presign(declared(pending), validFor);
    }

    /** The reserved upload read back and checked against its declared size and sha256, its bytes kept to decode. */
    Readback readBack(PendingImage pending) {
        return uploads.readBack(declared(pending), true);
    }

    private static DeclaredObject declared(PendingImage pending) {
        return new DeclaredObject(pendingKey(pending.uploadId()), pending.size(), pending.sha256());
    }

    /** Copies a verified upload to the image's key (inside S3), served as its sniffed type. */
    void copyPendingToImage(String uploadId, String imageId, String contentType) {
        bucket.copy(pendingKey(uploadId), key(imageId), contentType);
    }

    void deletePendingQuietly(String uploadId) {
        deleteKeyQuietly(pendingKey(uploadId));
    }

    /** Every object under {@code images/}, a page of 1000 keys at a time. */
    Stream<S3Object> listAll() {
        return bucket.stream(PREFIX);
    }

    void deleteKeyQuietly(String key) {
        if (!key.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not an image library key: " + key);
        }
        bucket.deleteQuietly(key);
    }

    /** A presigned GET of the image, served with its sniffed type and its file name (so a download saves under it). */
    URI downloadUrl(StoredImage image) {
        return bucket.presignGet(image.objectKey(), URL_LIFETIME, g -> g.responseContentType(image.contentType())
                .responseContentDisposition(ContentDisposition.inline(image.filename()))).url();
    }
}
