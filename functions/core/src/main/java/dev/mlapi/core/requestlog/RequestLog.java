package dev.mlapi.core.requestlog;

/** Port to the request log: every request to every function is recorded here once. */
public interface RequestLog {

    /** Records the entry; recording the same request id twice keeps the first. */
    void record(RequestLogEntry entry);

    /**
     * Sends {@code entry}'s write the way {@link #record} would, but so that it cannot take effect:
     * priming warms the write path before the first request without logging a request nobody
     * made. Nothing is stored; by default nothing is sent either.
     */
    default void rehearse(RequestLogEntry entry) {
    }
}
