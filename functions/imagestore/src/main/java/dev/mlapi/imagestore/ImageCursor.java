package dev.mlapi.imagestore;

import dev.mlapi.core.page.SignedCursor;
import java.util.List;

/**
 * The image and tag listings' cursors: a position in an index and the query it belongs to, as a
 * {@link SignedCursor}. A cursor that was altered or belongs to another query is a 400.
 */
final class ImageCursor {

    private final SignedCursor cursors;

    private ImageCursor(SignedCursor cursors) {
        this.cursors = cursors;
    }

    static ImageCursor withSecret(String secret) {
        return new ImageCursor(SignedCursor.withSecret(secret, "mlapi image cursor v1", "query"));
    }

    String encode(String position, String query) {
        return cursors.encode(List.of(position), query);
    }

    String decode(String cursor, String query) {
        return cursors.decode(cursor, query, 1).get(0);
    }
}
