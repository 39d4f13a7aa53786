package dev.mlapi.imagestore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One image of the library as recorded in DynamoDB; its bytes are the object {@link #objectKey()}.
 *
 * @param contentType sniffed from the bytes when uploaded, never the client's claim
 * @param tagIds      the ids of its tags (a rename changes no image)
 * @param version     bumped by every change, so concurrent changes cannot overwrite each other
 */
public record StoredImage(String id, String owner, String filename, String contentType, long bytes, int width,
        int height, String sha256, Optional<String> description, Set<String> tagIds,
        List<SuggestedTag> suggestedTags, Instant createdAt, long version) {

    public StoredImage {
        tagIds = Set.copyOf(tagIds);
        suggestedTags = List.copyOf(suggestedTags);
    }

    public String objectKey() {
        return ImageObjects.key(id);
    }

    /** The position of this image in every newest-first index: creation time, then id. */
    public String createdKey() {
        return CreatedKey.of(createdAt, id);
    }
}
