package dev.mlapi.imagestore;

import java.time.Instant;

/**
 * A tag: its stable id (links point at it, so a rename keeps every image's tag), name, the
 * normalised name it is found by, and its image count (everyone's).
 */
public record Tag(String id, String name, String key, long imageCount, Instant createdAt, String createdBy) {
}
