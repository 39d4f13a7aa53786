package dev.mlapi.report;

import dev.mlapi.core.Wiring;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.rollup.Dimension;
import dev.mlapi.core.rollup.ReadBudget;
import dev.mlapi.core.rollup.ReadBudgetExceeded;
import dev.mlapi.core.rollup.RequestRollups;
import dev.mlapi.core.rollup.Rollup;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.report.ReportQuery.Sort;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Report and stats from the hourly rollups only: the cost depends on the time range and the
 * number of groups, never on how many requests were logged. Ranges are widened to whole hours and
 * cut to what exists (never past the current hour, never older than the retention); each request is
 * bounded by {@link ReportLimits}.
 */
final class ReportService implements Primer {

    private final RequestRollups rollups;
    private final Clock clock;
    private final Duration retention;
    private final ReportLimits limits;

    ReportService(RequestRollups rollups, Clock clock, Duration retention, ReportLimits limits) {
        this.rollups = rollups;
        this.clock = clock;
        this.retention = retention;
        this.limits = limits;
    }

    static ReportService create(Wiring wiring) {
        return new ReportService(wiring.requestRollups(), wiring.clock(), wiring.config().requestLogRetention(),
                ReportLimits.DEFAULT);
    }

    /** The last hour's stats, computed and thrown away: the rollup queries and merging, read only. */
    @Override
    public void prime() {
        Json.write(stats(range(Optional.of(clock.instant().minus(Duration.ofHours(1))), Optional.empty(),
                Optional.empty()), Optional.empty()));
    }

    /**
     * The effective range: whole hours, {@code to} at most the end of the current hour, {@code from}
     * never older than the retention. Without {@code from} the range is as long as it may be (the
     * retention, or the longest an hourly series may span); a longer explicit range is a 400.
     */
    Range range(Optional<Instant> from, Optional<Instant> to, Optional<String> interval) {
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw InvalidInput.field("from", "must be before to");
        }
        Instant now = clock.instant();
        Instant latest = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        Instant end = to.map(ReportService::ceilHour).filter(t -> t.isBefore(latest)).orElse(latest);
        Instant oldest = now.minus(retention).minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.HOURS);
        boolean hourly = interval.filter("hour"::equals).isPresent();
        Duration longest = hourly ? Duration.ofHours(limits.maxHourPoints()) : Duration.ofDays(limits.maxDays());
        Instant start = from.map(f -> f.truncatedTo(ChronoUnit.HOURS)).orElse(end.minus(longest));
        start = start.isBefore(oldest) ? oldest : start.isAfter(end) ? end : start;
        if (Duration.between(start, end).compareTo(longest) > 0) {
            throw InvalidInput.field("from", hourly
                    ? "the range from %s to %s has %d hours; an hourly series has at most %d points: use interval=day or a shorter range"
                            .formatted(start, end, Duration.between(start, end).toHours(), limits.maxHourPoints())
                    : "the range from %s to %s has %d days; a request reads at most %d days: ask for a shorter range"
                            .formatted(start, end, Duration.between(start, end).toDays(), limits.maxDays()));
        }
        return new Range(start, end);
    }

    record Range(Instant from, Instant to) {
    }

    List<Map<String, Object>> report(Dimension groupBy, Range range, Sort sort, int limit) {
        ReadBudget budget = budget();
        Map<String, Rollup> groups = new TreeMap<>();
        read(groupBy, range, budget).values().forEach(hour -> hour.forEach((group, rollup) -> {
            // Rollups written before refused URLs were kept out of image_url groups may still hold some.
            if (groupBy != Dimension.IMAGE_URL || Dimension.isImageUrl(group)) {
                groups.computeIfAbsent(group, g -> empty()).merge(rollup);
            }
        }));
        Comparator<Map.Entry<String, Rollup>> order = switch (sort.key()) {
            case COUNT -> Comparator.comparingLong(e -> count(groupBy, e.getValue()));
            case AVG -> Comparator.comparingDouble(e -> e.getValue().meanProcessingTime());
            case MAX -> Comparator.comparingDouble(e -> e.getValue().processingTimes().max());
            case MIN -> Comparator.comparingDouble(e -> e.getValue().processingTimes().min());
            case P50 -> Comparator.comparingDouble(e -> e.getValue().processingTimes().quantile(0.5));
            case P95 -> Comparator.comparingDouble(e -> e.getValue().processingTimes().quantile(0.95));
            case KEY -> Map.Entry.comparingByKey();
        };
        if (sort.descending()) {
            order = order.reversed();
        }
        // Ties in the chosen order are broken by the group's name, so pages are stable.
        order = order.thenComparing(Map.Entry.comparingByKey());
        List<String> columns = columns(groupBy);
        List<Map<String, Object>> rows = new ArrayList<>();
        groups.entrySet().stream().sorted(order).limit(limit).forEach(entry -> {
            Rollup r = entry.getValue();
            List<Object> values = List.of(entry.getKey(), count(groupBy, r), r.meanProcessingTime(),
                    r.processingTimes().max(), r.processingTimes().min(), r.processingTimes().quantile(0.5),
                    r.processingTimes().quantile(0.95), r.clientErrors() + r.serverErrors());
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                row.put(columns.get(i), values.get(i));
            }
            rows.add(row);
        });
        return rows;
    }

    /** Column names of a report row, in order: the seed's, then the percentiles and the failures. */
    static List<String> columns(Dimension groupBy) {
        return List.of(groupBy.apiName(), groupBy == Dimension.IMAGE_URL ? "classification_count" : "request_count",
                "processing_time_avg", "processing_time_max", "processing_time_min", "processing_time_p50",
                "processing_time_p95", "error_count");
    }

    /**
     * A row's count: per image URL the classifications (requests that did not fail; the failures
     * are its {@code error_count}), otherwise every request.
     */
    private static long count(Dimension groupBy, Rollup rollup) {
        return groupBy == Dimension.IMAGE_URL ? rollup.requests() - rollup.clientErrors() - rollup.serverErrors()
                : rollup.requests();
    }

    Map<String, Object> stats(Range range, Optional<String> interval) {
        Rollup total = empty();
        Map<Instant, Rollup> buckets = new TreeMap<>();
        ReadBudget budget = budget();
        read(Dimension.ALL, range, budget).forEach((hour, groups) -> groups.values().forEach(r -> {
            total.merge(r);
            interval.ifPresent(i -> buckets.computeIfAbsent(bucketOf(hour, i), b -> empty()).merge(r));
        }));
        Map<String, Rollup> routes = new TreeMap<>();
        read(Dimension.ROUTE, range, budget).values().forEach(hour -> hour.forEach((route, r) ->
                routes.computeIfAbsent(route, k -> empty()).merge(r)));
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("from", range.from());
        stats.put("to", range.to());
        stats.putAll(Figures.of(total));
        Map<String, Object> byRoute = new LinkedHashMap<>();
        routes.forEach((route, r) -> byRoute.put(route, Figures.of(r)));
        stats.put("by_route", byRoute);
        interval.ifPresent(i -> {
            stats.put("interval", i);
            List<Map<String, Object>> series = new ArrayList<>();
            buckets.forEach((start, r) -> {
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("start", start);
                point.putAll(Figures.of(r));
                series.add(point);
            });
            stats.put("series", series);
        });
        return stats;
    }

    private ReadBudget budget() {
        return ReadBudget.of(limits.maxItems(), clock.instant().plus(limits.timeBudget()), clock);
    }

    /** The rollups of {@code dimension} in {@code range}; a spent budget is a 400 (too many) or a 503 (too slow). */
    private Map<Instant, Map<String, Rollup>> read(Dimension dimension, Range range, ReadBudget budget) {
        try {
            return rollups.read(dimension, range.from(), range.to(), budget);
        } catch (ReadBudgetExceeded e) {
            if (e.reason() == ReadBudgetExceeded.Reason.ITEMS) {
                throw InvalidInput.field("from", "the range from %s to %s holds more than %d rollups by %s; a request reads at most that many: ask for a shorter range"
                        .formatted(range.from(), range.to(), e.maxItems(), dimension.apiName()));
            }
            throw new ServiceUnavailable("the figures from %s to %s took more than %d s to read; ask for a shorter range"
                    .formatted(range.from(), range.to(), limits.timeBudget().toSeconds()));
        }
    }

    private static Instant bucketOf(Instant hour, String interval) {
        return interval.equals("day") ? hour.truncatedTo(ChronoUnit.DAYS) : hour;
    }

    private static Instant ceilHour(Instant instant) {
        Instant floor = instant.truncatedTo(ChronoUnit.HOURS);
        return floor.equals(instant) ? floor : floor.plus(Duration.ofHours(1));
    }

    private static Rollup empty() {
        return Rollup.of(0, 0, 0, 0, 0, 0, 0, 0);
    }
}
