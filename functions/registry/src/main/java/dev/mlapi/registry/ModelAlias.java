package dev.mlapi.registry;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A named pointer to a version ({@code production}, {@code staging}); {@code previousVersion} is
 * where it pointed before the last move, if anywhere. With a {@code canary}, that version serves
 * {@code weight} percent of the alias's requests and {@code version} (the stable one) the rest.
 */
public record ModelAlias(String model, String alias, int version, OptionalInt previousVersion, Instant updatedAt,
        String updatedBy, Optional<Canary> canary) {

    /** An alias without a canary: every request goes to {@code version}. */
    public ModelAlias(String model, String alias, int version, OptionalInt previousVersion, Instant updatedAt,
            String updatedBy) {
        this(model, alias, version, previousVersion, updatedAt, updatedBy, Optional.empty());
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
}
