package dev.mlapi.report;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.rollup.Dimension;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Parsing and validation of the report function's query parameters: a bad value is a 400 naming it. */
final class ReportQuery {

    /** What {@code sort} may name; a leading {@code -} sorts descending. */
    enum SortKey { COUNT, AVG, MAX, MIN, P50, P95, P99, KEY }

    record Sort(SortKey key, boolean descending) {
    }

    private ReportQuery() {
    }

    static Optional<Instant> instant(ApiRequest request, String field) {
        return request.query(field).map(value -> {
            try {
                if (value.length() == 10) {
                    return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
                }
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeException e) {
                throw InvalidInput.field(field, "must be an ISO-8601 date-time such as 2026-12-01T10:00:00Z or a date");
            }
        });
    }

    static Dimension groupBy(ApiRequest request) {
        String value = request.query("group_by").orElse("image_url");
        return Arrays.stream(Dimension.values()).filter(d -> d != Dimension.ALL && d.apiName().equals(value))
                .findFirst().orElseThrow(() -> InvalidInput.field("group_by",
                        "must be one of image_url, model, model_version, route, user, status"));
    }

    /** {@code model} of {@code /stats}: a model name, whose versions' figures are answered side by side. */
    static Optional<String> model(ApiRequest request) {
        Optional<String> model = request.query("model");
        if (model.isPresent() && (!MODEL_NAME.matcher(model.get()).matches() || model.get().contains(".."))) {
            throw InvalidInput.field("model", "must be a model name ([a-z0-9][a-z0-9._-]{0,63}), without a version or alias");
        }
        return model;
    }

    private static final Pattern MODEL_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    static Sort sort(ApiRequest request) {
        String value = request.query("sort").orElse("-count");
        boolean descending = value.startsWith("-");
        String name = descending ? value.substring(1) : value;
        try {
            return new Sort(SortKey.valueOf(name.toUpperCase(Locale.ROOT)), descending);
        } catch (IllegalArgumentException e) {
            throw InvalidInput.field("sort", "must be one of count, avg, max, min, p50, p95, p99, key (prefix - for descending)");
        }
    }

    static Optional<String> interval(ApiRequest request) {
        Optional<String> interval = request.query("interval");
        if (interval.isPresent() && !List.of("minute", "hour", "day").contains(interval.get())) {
            throw InvalidInput.field("interval", "must be minute, hour or day");
        }
        return interval;
    }
}
