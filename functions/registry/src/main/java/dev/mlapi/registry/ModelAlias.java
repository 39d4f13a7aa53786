package dev.mlapi.registry;

import java.time.Instant;
import java.util.OptionalInt;

/**
 * A named pointer to a version ({@code production}, {@code staging}); {@code previousVersion} is
 * where it pointed before the last move, if anywhere.
 */
public record ModelAlias(String model, String alias, int version, OptionalInt previousVersion, Instant updatedAt,
        String updatedBy) {
}
