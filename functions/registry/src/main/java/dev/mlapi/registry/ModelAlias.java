package dev.mlapi.registry;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A named pointer to a version ({@code production}, {@code staging}); {@code previousVersion} is
 * where it pointed before the last move, if anywhere. With a {@code canary}, that version serves
 * {@code weight} percent of the alias's requests and {@code version} (the stable one) the rest; a
 * {@code shadow} version scores a copy of each request after the answer; a {@code guardrail} rolls
 * a failing canary back, {@code promoteAfter} promotes one that held. {@code change} numbers the
 * alias's changes (1 for its first): a conditional change names the one it read.
 */
public record ModelAlias(String model, String alias, int version, OptionalInt previousVersion, Instant updatedAt,
        String updatedBy, Optional<Canary> canary, Optional<Shadow> shadow, Optional<AliasGuardrail> guardrail,
        Optional<PromoteAfter> promoteAfter, int change) {

    /** An alias without a canary: every request goes to {@code version}. */
    public ModelAlias(String model, String alias, int version, OptionalInt previousVersion, Instant updatedAt,
            String updatedBy) {
        this(model, alias, version, previousVersion, updatedAt, updatedBy, Optional.empty());
    }

    /** An alias with at most a canary. */
    public ModelAlias(String model, String alias, int version, OptionalInt previousVersion, Instant updatedAt,
            String updatedBy, Optional<Canary> canary) {
        this(model, alias, version, previousVersion, updatedAt, updatedBy, canary, Optional.empty(), Optional.empty(),
                Optional.empty(), 0);
    }

    /**
     * A canary version of an alias.
     *
     * @param weight the percentage of requests it serves, 1 to {@value #MAX_WEIGHT}
     * @param since  when it began serving at this weight (its figures count from the minute it falls in)
     */
    public record Canary(int version, int weight, Instant since) {

        public static final int MIN_WEIGHT = 1;
        public static final int MAX_WEIGHT = 50;
    }

    /** A shadow version of an alias, scoring a copy of each request since {@code since}. */
    public record Shadow(int version, Instant since) {
    }
}
