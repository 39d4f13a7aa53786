package dev.mlapi.registry;

import java.util.Optional;

/**
 * What {@code PUT /models/{name}/aliases/{alias}} asks for: the stable version, and optionally a
 * canary version with the percentage of requests it serves.
 */
public record AliasTarget(int version, Optional<CanaryTarget> canary) {

    public static AliasTarget of(int version) {
        return new AliasTarget(version, Optional.empty());
    }

    /** A canary version and its weight (percent of requests, 1 to 50). */
    public record CanaryTarget(int version, int weight) {
    }
}
