package dev.mlapi.core.http;

/**
 * Which function answers and whether this is its container's first request. Powertools'
 * own cold-start flag counts on-demand initialisations only, so with SnapStart (every
 * container restored from a snapshot) it would never report one; the first request a
 * pipeline serves is what a dashboard means by a cold start, and a snapshot is taken before any.
 * A {@code rehearsal} is {@link ApiPipeline#prime()}'s synthetic request. {@code id} is Lambda's
 * request id (null without a context), for the request-log write {@code AfterResponse} may postpone.
 */
record Invocation(String function, boolean coldStart, boolean rehearsal, String id) {
}
