package dev.mlapi.core.requestlog;

import java.time.Instant;
import java.util.Optional;

/**
 * Which request-log entries a history page lists, newest first.
 *
 * @param from  the earliest creation time listed (inclusive)
 * @param to    the latest creation time listed (exclusive)
 * @param user  only this user's entries (then read from the {@code by_user} index)
 * @param after continue after this entry (the last of the previous page)
 * @param limit at most this many entries
 */
public record HistoryQuery(Instant from, Instant to, Optional<String> route, Optional<String> user,
        Optional<StatusFilter> status, Optional<String> model, Optional<HistoryPosition> after, int limit) {
}
