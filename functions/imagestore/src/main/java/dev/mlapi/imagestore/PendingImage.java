package dev.mlapi.imagestore;

import dev.mlapi.registry.storage.PresignedUploads;
import java.time.Instant;
import java.util.Set;

/**
 * A presigned image upload waiting for its commit: what the client declared, recorded (in the
 * images table, outside every listing) before the upload URL was handed out. Its id becomes the
 * image's id on commit, so a commit cannot create two images.
 *
 * @param tagIds    the existing tags it will carry, resolved when it was reserved
 * @param expiresAt after this the upload URL no longer works and a commit is refused
 */
public record PendingImage(String uploadId, String owner, String filename, long size, String sha256,
        Set<String> tagIds, Instant createdAt, Instant expiresAt) {

    public PendingImage {
        tagIds = Set.copyOf(tagIds);
    }

    /** As every presigned upload: see {@link PresignedUploads#isExpired}. */
    public boolean isExpired(Instant now) {
        return PresignedUploads.isExpired(expiresAt, now);
    }
}
