package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.InvalidInput;

/**
 * When an alias's canary has failed and goes back to the stable version: over the last
 * {@code windowMinutes} minutes (never before the canary began), once the canary served at least
 * {@code minRequests}, its error rate exceeds the stable version's by more than
 * {@code maxErrorRateIncrease} (a fraction: 0.05 is five points), or its 95th-percentile
 * processing time exceeds {@code maxP95Ratio} times the stable version's.
 */
public record AliasGuardrail(double maxErrorRateIncrease, double maxP95Ratio, int minRequests, int windowMinutes) {

    public static final int MAX_WINDOW_MINUTES = 60;
    public static final int MAX_MIN_REQUESTS = 100_000;
    public static final double MAX_P95_RATIO = 1000;

    /** Each value out of range is a 400 naming its field ({@code guardrail.window_minutes}). */
    public AliasGuardrail {
        if (!(maxErrorRateIncrease > 0 && maxErrorRateIncrease <= 1)) {
            throw InvalidInput.field("guardrail.max_error_rate_increase",
                    "must be a fraction above 0 and at most 1 (0.05 allows five points more errors than stable), got "
                            + maxErrorRateIncrease);
        }
        if (!(maxP95Ratio > 0 && maxP95Ratio <= MAX_P95_RATIO)) {
            throw InvalidInput.field("guardrail.max_p95_ratio", "must be above 0 and at most " + (int) MAX_P95_RATIO
                    + " (2 allows a p95 twice the stable version's), got " + maxP95Ratio);
        }
        if (minRequests < 1 || minRequests > MAX_MIN_REQUESTS) {
            throw InvalidInput.field("guardrail.min_requests", "must be an integer from 1 to " + MAX_MIN_REQUESTS
                    + ", got " + minRequests);
        }
        if (windowMinutes < 1 || windowMinutes > MAX_WINDOW_MINUTES) {
            throw InvalidInput.field("guardrail.window_minutes", "must be an integer from 1 to " + MAX_WINDOW_MINUTES
                    + ", got " + windowMinutes);
        }
    }
}
