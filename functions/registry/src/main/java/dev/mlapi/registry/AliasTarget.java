package dev.mlapi.registry;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@code PUT /models/{name}/aliases/{alias}} asks for: the stable version, and optionally a
 * canary version with the percentage of requests it serves, a shadow version that scores a copy
 * of each request, the canary's guardrail and when a canary that held is promoted.
 */
public record AliasTarget(int version, Optional<CanaryTarget> canary, OptionalInt shadow,
        Optional<AliasGuardrail> guardrail, Optional<PromoteAfter> promoteAfter) {

    /** A stable version and optionally a canary, nothing else. */
    public AliasTarget(int version, Optional<CanaryTarget> canary) {
        this(version, canary, OptionalInt.empty(), Optional.empty(), Optional.empty());
    }

    public static AliasTarget of(int version) {
        return new AliasTarget(version, Optional.empty());
    }

    /** A canary version and its weight (percent of requests, 1 to 50). */
    public record CanaryTarget(int version, int weight) {
    }
}
