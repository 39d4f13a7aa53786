package dev.mlapi.imagestore;

import java.time.Instant;

/** A tag: its stable id (links point at it, so a rename keeps every image's tag), name and image count. */
public record Tag(String id, String name, long imageCount, Instant createdAt, String createdBy) {

    public String key() {
        return TagName.of("name", name).key();
    }
}
