package dev.mlapi.core.requestlog;

import java.time.Instant;
import java.util.Optional;

/**
 * A request to delete history: every entry created before {@code before} (of {@code user}
 * only, when given). Reads honour it from the moment it is recorded; the entries themselves are
 * removed in the background.
 *
 * @param id          the deletion's id
 * @param requestedBy the username that asked for it
 * @param completed   whether the background removal has finished
 */
public record HistoryDeletion(String id, Instant before, Optional<String> user, Instant requestedAt,
        String requestedBy, boolean completed) {

    /** Whether this deletion covers {@code entry}. */
    public boolean covers(RequestLogEntry entry) {
        return entry.createdAt().isBefore(before)
                && (user.isEmpty() || user.equals(entry.user()));
    }
}
