package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.InvalidInput;

/**
 * When an alias's canary that held its guardrail becomes the stable version: once it has served
 * {@code requests} requests and {@code minutes} minutes have passed since it began.
 */
public record PromoteAfter(int requests, int minutes) {

    public static final int MAX_REQUESTS = 10_000_000;
    /** The per-minute rollups that count a canary's requests are kept 48 hours. */
    public static final int MAX_MINUTES = 48 * 60;

    /** Each value out of range is a 400 naming its field ({@code promote_after.minutes}). */
    public PromoteAfter {
        if (requests < 1 || requests > MAX_REQUESTS) {
            throw InvalidInput.field("promote_after.requests", "must be an integer from 1 to " + MAX_REQUESTS
                    + ", got " + requests);
        }
        if (minutes < 0 || minutes > MAX_MINUTES) {
            throw InvalidInput.field("promote_after.minutes", "must be an integer from 0 to " + MAX_MINUTES
                    + " (48 hours), got " + minutes);
        }
    }
}
