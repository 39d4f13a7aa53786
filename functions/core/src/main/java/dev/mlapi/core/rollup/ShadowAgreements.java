package dev.mlapi.core.rollup;

import java.time.Instant;

/**
 * Port to the per-minute counts of a shadow version's agreement with the stable answer, per alias
 * ({@code iris@production}) and shadow version: how many requests the shadow scored, and how many
 * of its answers agreed.
 */
public interface ShadowAgreements {

    /** Counts one request the shadow scored at {@code at}, and whether it agreed. */
    void record(String alias, int shadowVersion, Instant at, boolean agreed);

    /** The counts of the minutes from the one {@code from} falls in up to {@code to}. */
    Agreement read(String alias, int shadowVersion, Instant from, Instant to);

    /** Requests scored and answers that agreed. */
    record Agreement(long requests, long agreed) {

        /** {@code agreed / requests}, 0 without requests. */
        public double rate() {
            return requests == 0 ? 0 : (double) agreed / requests;
        }
    }
}
