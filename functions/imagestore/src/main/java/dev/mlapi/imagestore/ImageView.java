package dev.mlapi.imagestore;

import java.util.List;
import java.util.Optional;

/**
 * An image as the API shows it (snake_case): its record, its tags by name and a presigned download
 * {@code url} valid until {@code url_expires_at}.
 */
public record ImageView(String id, String filename, String contentType, long bytes, int width, int height,
        String sha256, List<String> tags, Optional<String> description, List<SuggestedTag> suggestedTags,
        String owner, String createdAt, String url, String urlExpiresAt) {
}
