package dev.mlapi.core.requestlog;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Port to reading and deleting the request log: queries by time or by user, never scans, and
 * never anything a recorded {@link HistoryDeletion} covers.
 */
public interface RequestHistory {

    /** One page of entries matching {@code query}, newest first. */
    HistorySlice list(HistoryQuery query);

    /** The entry, unless it does not exist, has expired or was deleted. */
    Optional<RequestLogEntry> find(String requestId);

    /** Records the deletion; from now on no read returns what it covers. */
    void requestDeletion(HistoryDeletion deletion);

    /** Every recorded deletion whose entries may still exist. */
    List<HistoryDeletion> deletions();

    /**
     * Removes the entries {@code deletion} covers for at most about {@code budget}; returns
     * whether everything it covers is gone.
     */
    boolean purge(HistoryDeletion deletion, Duration budget);
}
