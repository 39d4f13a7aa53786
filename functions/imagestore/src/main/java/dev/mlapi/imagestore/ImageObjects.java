package dev.mlapi.imagestore;

import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import java.net.URI;
import java.time.Duration;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The image library's objects: {@code images/<id>} in the registry's bucket (the registry keeps to
 * {@code models/}, and the functions' grants to their prefix). Keys are built only from
 * server-made ids, so none can leave the prefix.
 */
public final class ImageObjects {

    public static final String PREFIX = "images/";
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
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(key(id)));
        } catch (S3Exception | software.amazon.awssdk.core.exception.SdkClientException e) {
            LOG.error("could not delete object {} of image {}; it is no longer referenced", key(id), id, e);
        }
    }

    /** A presigned GET of the image, served with its sniffed type. */
    URI downloadUrl(StoredImage image) {
        return URI.create(presigner.presignGetObject(r -> r.signatureDuration(URL_LIFETIME)
                .getObjectRequest(g -> g.bucket(bucket).key(image.objectKey())
                        .responseContentType(image.contentType()))).url().toString());
    }
}
