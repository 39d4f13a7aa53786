package dev.mlapi.history;

import dev.mlapi.core.page.SignedCursor;
import dev.mlapi.core.requestlog.HistoryPosition;
import java.util.List;
import java.util.Optional;

/**
 * History's cursors: the position of the last entry of a page and the query (and caller) it
 * belongs to, as a {@link SignedCursor}. A cursor that was altered, or that belongs to another
 * query or another caller, is refused with a 400.
 */
final class HistoryCursor {

    private final SignedCursor cursors;

    private HistoryCursor(SignedCursor cursors) {
        this.cursors = cursors;
    }

    static HistoryCursor withSecret(String secret) {
        return new HistoryCursor(SignedCursor.withSecret(secret, "mlapi history cursor v1", "query"));
    }

    /** {@code position} of a page of the query described by {@code queryFingerprint}, signed. */
    String encode(HistoryPosition position, String queryFingerprint) {
        return cursors.encode(List.of(position.day(), position.createdAt(), position.requestId()), queryFingerprint);
    }

    /** The position in {@code cursor}, if it was issued by this API for the same query. */
    HistoryPosition decode(String cursor, String queryFingerprint) {
        List<String> parts = cursors.decode(cursor, queryFingerprint, 3);
        return new HistoryPosition(parts.get(0), parts.get(1), parts.get(2));
    }

    Optional<HistoryPosition> decode(Optional<String> cursor, String queryFingerprint) {
        return cursor.map(c -> decode(c, queryFingerprint));
    }
}
