package dev.mlapi.core.runtime;

/**
 * Where a request leaves optional work for after its answer, such as a shadow model's scoring of a
 * copy: {@code ApiRequest::afterAnswer} for a route, {@link #NONE} where nobody waits for an answer.
 */
@FunctionalInterface
public interface AfterAnswer {

    /** Offered work is dropped, and not counted as skipped. */
    AfterAnswer NONE = (work, skipped) -> {
    };

    /**
     * Leaves {@code work} for after a successful answer, off the caller's path; {@code skipped} runs
     * instead when there is no room for it ({@link AfterResponse#MAX_BACKLOG}). Neither runs when
     * the request fails.
     */
    void offer(Runnable work, Runnable skipped);
}
