package dev.mlapi.core.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cursor round-trips for its own query only; any alteration, other query, purpose or secret is the same 400. */
class SignedCursorTest {

    private final SignedCursor cursors = SignedCursor.withSecret("s3cret-signing-key", "mlapi test cursor v1", "query");

    @Test
    void decode_returnsThePartsEncodedForTheSameQuery() {
        String cursor = cursors.encode(List.of("2026-12-01", "12:00:00.000Z", "req-1"), "user=alice");

        assertThat(cursors.decode(cursor, "user=alice", 3)).containsExactly("2026-12-01", "12:00:00.000Z", "req-1");
    }

    @Test
    void decode_withOnePart_returnsThePayloadWhole_evenWithSeparatorsInIt() {
        String cursor = cursors.encode(List.of("tag#a\nb"), "q");

        assertThat(cursors.decode(cursor, "q", 1)).containsExactly("tag#a\nb");
    }

    @Test
    void decode_refusesOtherQueries_otherPurposes_otherSecrets_alteredAndMalformedCursors_alike() {
        String cursor = cursors.encode(List.of("a", "b"), "q");
        String alteredPayload = "Yg" + cursor.substring(cursor.indexOf('.'));
        SignedCursor otherPurpose = SignedCursor.withSecret("s3cret-signing-key", "mlapi other cursor v1", "query");
        SignedCursor otherSecret = SignedCursor.withSecret("another-key", "mlapi test cursor v1", "query");

        for (var attempt : List.<Runnable>of(
                () -> cursors.decode(cursor, "q2", 2),
                () -> otherPurpose.decode(cursor, "q", 2),
                () -> otherSecret.decode(cursor, "q", 2),
                () -> cursors.decode(alteredPayload, "q", 2),
                () -> cursors.decode(cursor, "q", 3),
                () -> cursors.decode("%%%.***", "q", 2),
                () -> cursors.decode("no-dot", "q", 2))) {
            assertThatThrownBy(attempt::run).isInstanceOf(InvalidInput.class)
                    .hasMessageContaining("is not a cursor this API returned for this query");
        }
    }
}
