package dev.mlapi.core.requestlog;

/** Port to the request log: every request to every function is recorded here once. */
public interface RequestLog {

    /** Records the entry; recording the same request id twice keeps the first. */
    void record(RequestLogEntry entry);
}
