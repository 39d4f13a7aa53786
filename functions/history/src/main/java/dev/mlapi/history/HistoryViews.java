package dev.mlapi.history;

import dev.mlapi.core.requestlog.RequestLogEntry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Response bodies of the history function. */
final class HistoryViews {

    private HistoryViews() {
    }

    /** One logged request as history shows it (never its source address). */
    record EntryView(String requestId, Instant createdAt, String route, Optional<String> user, int statusCode,
            double processingTime, long inputSize, Optional<String> imageUrl, Optional<Integer> imageWidth,
            Optional<Integer> imageHeight, Optional<String> model, Optional<String> modelRole,
            Optional<String> result, Optional<String> errorMessage) {

        static EntryView of(RequestLogEntry e) {
            return new EntryView(e.requestId(), e.createdAt(), e.route(), e.user(), e.statusCode(),
                    e.processingTime(), e.inputSize(), e.imageUrl(), e.imageWidth(), e.imageHeight(), e.model(),
                    e.modelRole(), e.result(), e.errorMessage());
        }
    }

    record HistoryPage(List<EntryView> items, Optional<String> nextCursor) {
    }
}
