package dev.mlapi.core.requestlog;

/** Where a history listing stopped: the key of the last entry it returned. */
public record HistoryPosition(String day, String createdAt, String requestId) {
}
