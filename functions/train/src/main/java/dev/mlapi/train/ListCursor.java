package dev.mlapi.train;

import dev.mlapi.core.page.SignedCursor;
import java.util.List;
import java.util.Optional;

/**
 * The job and dataset listings' cursors: the last item's position and the listing (and caller) it
 * belongs to, as a {@link SignedCursor}. An altered cursor, or one of another listing or caller, is a 400.
 */
final class ListCursor {

    private final SignedCursor cursors;

    private ListCursor(SignedCursor cursors) {
        this.cursors = cursors;
    }

    static ListCursor withSecret(String secret) {
        return new ListCursor(SignedCursor.withSecret(secret, "mlapi training cursor v1", "listing"));
    }

    String encode(TrainingTable.Position position, String listing) {
        return cursors.encode(List.of(position.createdAt(), position.id()), listing);
    }

    Optional<TrainingTable.Position> decode(Optional<String> cursor, String listing) {
        return cursor.map(c -> {
            List<String> parts = cursors.decode(c, listing, 2);
            return new TrainingTable.Position(parts.get(0), parts.get(1));
        });
    }
}
