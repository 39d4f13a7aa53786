package dev.mlapi.core.requestlog;

import java.util.List;
import java.util.Optional;

/** A page of history, newest first, and where the next page starts when there may be one. */
public record HistorySlice(List<RequestLogEntry> items, Optional<HistoryPosition> next) {
    public HistorySlice {
        items = List.copyOf(items);
    }
}
