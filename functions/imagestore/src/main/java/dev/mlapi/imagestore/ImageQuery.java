package dev.mlapi.imagestore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A listing of images, newest first.
 *
 * @param owner    whose images (admins only; a user always lists their own)
 * @param tags     tag names to filter by; none lists every image in scope
 * @param matchAll with several tags: images with all of them ({@code true}) or any ({@code false})
 */
public record ImageQuery(Optional<String> owner, List<String> tags, boolean matchAll, Optional<Instant> from,
        Optional<Instant> to, int limit, Optional<String> cursor) {

    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;

    public ImageQuery {
        tags = List.copyOf(tags);
    }
}
