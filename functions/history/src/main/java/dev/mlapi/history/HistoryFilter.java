package dev.mlapi.history;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.requestlog.StatusFilter;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The query parameters of {@code GET /history}, validated: a bad value is a 400 naming it.
 *
 * @param cursor the {@code next_cursor} of the previous page
 */
record HistoryFilter(Optional<Instant> from, Optional<Instant> to, Optional<String> route, Optional<String> user,
        Optional<StatusFilter> status, Optional<String> model, int limit, Optional<String> cursor) {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;

    static HistoryFilter of(ApiRequest request) {
        HistoryFilter filter = new HistoryFilter(
                request.query("from").map(v -> instant("from", v)),
                request.query("to").map(v -> instant("to", v)),
                request.query("route"),
                request.query("user"),
                request.query("status").map(v -> StatusFilter.parse("status", v)),
                request.query("model"),
                request.queryInt("limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
                request.query("cursor"));
        if (filter.from.isPresent() && filter.to.isPresent() && !filter.from.get().isBefore(filter.to.get())) {
            throw InvalidInput.field("from", "must be before to");
        }
        return filter;
    }

    /** What a cursor is bound to: every filter (not the page size) and the caller. */
    String fingerprint(String caller) {
        return String.join("\u0000", caller, from.map(Instant::toString).orElse(""),
                to.map(Instant::toString).orElse(""), route.orElse(""), user.orElse(""),
                status.map(s -> s.low() + "-" + s.high()).orElse(""), model.orElse(""));
    }

    /**
     * An ISO-8601 instant ({@code 2026-12-01T10:00:00Z}), date-time with offset, or date (its
     * start, UTC); anything else is a 400 naming {@code field}.
     */
    static Instant instant(String field, String value) {
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeException e) {
            throw InvalidInput.field(field, "must be an ISO-8601 date-time such as 2026-12-01T10:00:00Z or a date");
        }
    }
}
