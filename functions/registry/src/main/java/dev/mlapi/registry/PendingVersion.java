package dev.mlapi.registry;

import java.time.Instant;
import java.util.List;

/** A reserved version whose files are being uploaded; not resolvable until committed. */
public record PendingVersion(String name, int version, List<Manifest.FileEntry> files, String createdBy,
        Instant createdAt, Instant expiresAt) {
    public PendingVersion {
        files = List.copyOf(files);
    }
}
