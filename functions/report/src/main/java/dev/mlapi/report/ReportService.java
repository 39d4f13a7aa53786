package dev.mlapi.report;

import dev.mlapi.core.Wiring;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.rollup.Dimension;
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
 * number of groups, never on how many requests were logged. Ranges are widened to whole hours.
 */
final class ReportService implements Primer {

    private final RequestRollups rollups;
    private final Clock clock;
    private final Duration retention;

    ReportService(RequestRollups rollups, Clock clock, Duration retention) {
        this.rollups = rollups;
        this.clock = clock;
        this.retention = retention;
    }

    static ReportService create(Wiring wiring) {
        return new ReportService(wiring.requestRollups(), wiring.clock(), wiring.config().requestLogRetention());
    }

    /** The last hour's stats, computed and thrown away: the rollup queries and merging, read only. */
    @Override
    public void prime() {
        Json.write(stats(range(Optional.of(clock.instant().minus(Duration.ofHours(1))), Optional.empty()),
                Optional.empty()));
    }

    /** The effective range: whole hours, defaulting to the whole retention, never older than it. */
    Range range(Optional<Instant> from, Optional<Instant> to) {
        Instant end = to.map(ReportService::ceilHour)
                .orElseGet(() -> clock.instant().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1)));
        Instant oldest = clock.instant().minus(retention).minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.HOURS);
        Instant start = from.map(f -> f.truncatedTo(ChronoUnit.HOURS)).orElse(oldest);
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw InvalidInput.field("from", "must be before to");
        }
        return new Range(start.isBefore(oldest) ? oldest : start, end);
    }

    record Range(Instant from, Instant to) {
    }

    List<Map<String, Object>> report(Dimension groupBy, Range range, Sort sort, int limit) {
        Map<String, Rollup> groups = new TreeMap<>();
        rollups.read(groupBy, range.from(), range.to()).values().forEach(hour -> hour.forEach((group, rollup) ->
                groups.computeIfAbsent(group, g -> empty()).merge(rollup)));
        Comparator<Map.Entry<String, Rollup>> order = switch (sort.key()) {
            case COUNT -> Comparator.comparingLong(e -> e.getValue().requests());
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
            List<Object> values = List.of(entry.getKey(), r.requests(), r.meanProcessingTime(),
                    r.processingTimes().max(), r.processingTimes().min(), r.processingTimes().quantile(0.5),
                    r.processingTimes().quantile(0.95));
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                row.put(columns.get(i), values.get(i));
            }
            rows.add(row);
        });
        return rows;
    }

    /** Column names of a report row, in order: the seed's, then the percentiles. */
    static List<String> columns(Dimension groupBy) {
        return List.of(groupBy.apiName(), groupBy == Dimension.IMAGE_URL ? "classification_count" : "request_count",
                "processing_time_avg", "processing_time_max", "processing_time_min", "processing_time_p50",
                "processing_time_p95");
    }

    Map<String, Object> stats(Range range, Optional<String> interval) {
        Rollup total = empty();
        Map<Instant, Rollup> buckets = new TreeMap<>();
        rollups.read(Dimension.ALL, range.from(), range.to()).forEach((hour, groups) -> groups.values().forEach(r -> {
            total.merge(r);
            interval.ifPresent(i -> buckets.computeIfAbsent(bucketOf(hour, i), b -> empty()).merge(r));
        }));
        Map<String, Rollup> routes = new TreeMap<>();
        rollups.read(Dimension.ROUTE, range.from(), range.to()).values().forEach(hour -> hour.forEach((route, r) ->
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
