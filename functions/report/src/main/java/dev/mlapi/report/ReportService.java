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
import dev.mlapi.core.rollup.Tier;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.report.ReportQuery.Sort;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Report and stats from the rollups only: the cost depends on the time range and the number of
 * groups, never on how many requests were logged. A window is answered exactly: its ends must fall
 * on minutes, and it is read as pieces of the coarsest {@link Tier} that fits (days in the middle,
 * hours, then minutes at the ragged ends: see {@link #plan}), so any window reads a bounded number
 * of items. It is cut to what exists (never past the current minute, never older than the
 * retention); each request is bounded by {@link ReportLimits}.
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
        Json.write(stats(range(Optional.of(Tier.MINUTE.floor(clock.instant()).minus(Duration.ofHours(1))), Optional.empty(),
                Optional.empty()), Optional.empty()));
    }

    /**
     * The effective window, answered exactly. Its ends must be whole minutes (else a 400 naming the
     * two nearest); {@code to} is at most the end of the current minute, {@code from} never older than
     * the retention. Without {@code from} the window is as long as it may be (the retention, or the
     * longest an hourly or per-minute series may span), starting on a day (an hour for an hourly
     * series, a minute for a per-minute one); a longer
     * explicit window is a 400. A window the kept tiers cannot answer exactly is a 400 too (see
     * {@link #plan}).
     */
    Range range(Optional<Instant> from, Optional<Instant> to, Optional<String> interval) {
        from.ifPresent(f -> onMinute("from", f));
        to.ifPresent(t -> onMinute("to", t));
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw InvalidInput.field("from", "must be before to");
        }
        Instant now = clock.instant();
        Instant latest = Tier.MINUTE.floor(now).plus(Tier.MINUTE.length());
        Instant end = to.filter(t -> t.isBefore(latest)).orElse(latest);
        Instant oldest = Tier.DAY.oldestKept(now, retention);
        Tier coarsest = coarsest(interval);
        Duration longest = switch (coarsest) {
            case MINUTE -> Duration.ofMinutes(limits.maxMinutePoints());
            case HOUR -> Duration.ofHours(limits.maxHourPoints());
            case DAY -> Duration.ofDays(limits.maxDays());
        };
        Instant start = from.orElse(coarsest.ceil(end.minus(longest)));
        start = start.isBefore(oldest) ? oldest : start.isAfter(end) ? end : start;
        if (Duration.between(start, end).compareTo(longest) > 0) {
            throw InvalidInput.field("from", switch (coarsest) {
                case MINUTE -> "the range from %s to %s has %d minutes; a per-minute series has at most %d points: use interval=hour or a shorter range"
                        .formatted(start, end, Duration.between(start, end).toMinutes(), limits.maxMinutePoints());
                case HOUR -> "the range from %s to %s has %d hours; an hourly series has at most %d points: use interval=day or a shorter range"
                        .formatted(start, end, Duration.between(start, end).toHours(), limits.maxHourPoints());
                case DAY -> "the range from %s to %s has %d days; a request reads at most %d days: ask for a shorter range"
                        .formatted(start, end, Duration.between(start, end).toDays(), limits.maxDays());
            });
        }
        Range range = new Range(start, end, now);
        plan(range, coarsest);
        return range;
    }

    /** The coarsest tier a request reads: its series' bucket (a per-minute series reads minutes only), else days. */
    private static Tier coarsest(Optional<String> interval) {
        return interval.map(ReportService::tierOf).orElse(Tier.DAY);
    }

    private static Tier tierOf(String interval) {
        return switch (interval) {
            case "minute" -> Tier.MINUTE;
            case "hour" -> Tier.HOUR;
            default -> Tier.DAY;
        };
    }

    private static void onMinute(String field, Instant instant) {
        if (!Tier.MINUTE.isBoundary(instant)) {
            throw InvalidInput.field(field, "%s %s is not on a minute; use %s or %s".formatted(field, instant,
                    Tier.MINUTE.floor(instant), Tier.MINUTE.ceil(instant)));
        }
    }

    /**
     * A window and the instant it was fixed at: every later check of what the tiers keep uses that
     * instant, so a request read across a day's (or an hour's) boundary is judged as it was accepted.
     */
    record Range(Instant from, Instant to, Instant now) {
    }

    /** A part of a window read from one tier. */
    record Piece(Tier tier, Instant from, Instant to) {
    }

    /**
     * How a window is read: the coarsest tier (at most {@code coarsest}) over the whole buckets it
     * holds, the next finer tier for the ragged ends on either side, and so on down to minutes: at
     * most 2 × 23 hours and 2 × 59 minutes besides the days, so the items read stay bounded for any
     * window. A piece of a tier no longer kept for its time (minutes older than 48 hours, hours
     * older than 90 days) is a 400 naming the nearest boundaries that can be answered exactly; the
     * answer is never silently widened.
     */
    List<Piece> plan(Range range, Tier coarsest) {
        Instant now = range.now();
        List<Piece> pieces = new ArrayList<>();
        split(range.from(), range.to(), coarsest, pieces);
        for (Piece piece : pieces) {
            if (piece.from().isBefore(piece.tier().oldestKept(now, retention))) {
                boolean start = piece.from().equals(range.from());
                Instant end = start ? range.from() : range.to();
                Tier kept = coarserKept(piece.tier(), end, now);
                throw InvalidInput.field(start ? "from" : "to", ("%s %s is not on %s, and %s figures are kept for %d %s"
                        + " only: use %s or %s").formatted(start ? "from" : "to", end, piece.tier() == Tier.MINUTE ? "an hour" : "a day",
                        piece.tier().apiName(), piece.tier() == Tier.MINUTE ? 48 : 90,
                        piece.tier() == Tier.MINUTE ? "hours" : "days", kept.floor(end), kept.ceil(end)));
            }
        }
        return pieces;
    }

    private Tier coarserKept(Tier tier, Instant at, Instant now) {
        for (Tier coarser : Tier.values()) {
            if (coarser.ordinal() > tier.ordinal() && !coarser.floor(at).isBefore(coarser.oldestKept(now, retention))) {
                return coarser;
            }
        }
        return Tier.DAY;
    }

    private static void split(Instant from, Instant to, Tier tier, List<Piece> pieces) {
        if (!from.isBefore(to)) {
            return;
        }
        if (tier == Tier.MINUTE) {
            pieces.add(new Piece(tier, from, to));
            return;
        }
        Tier finer = Tier.values()[tier.ordinal() - 1];
        Instant first = tier.ceil(from);
        Instant last = tier.floor(to);
        if (!first.isBefore(last)) {
            split(from, to, finer, pieces);
            return;
        }
        split(from, first, finer, pieces);
        pieces.add(new Piece(tier, first, last));
        split(last, to, finer, pieces);
    }

    List<Map<String, Object>> report(Dimension groupBy, Range range, Sort sort, int limit) {
        ReadBudget budget = budget();
        Map<String, Rollup> groups = new TreeMap<>();
        read(groupBy, range, Tier.DAY, budget).values().forEach(bucket -> bucket.forEach((group, rollup) -> {
            // Rollups written before refused URLs were kept out of image_url groups may still hold some.
            if (groupBy != Dimension.IMAGE_URL || Dimension.isImageUrl(group)) {
                groups.computeIfAbsent(group, g -> empty()).merge(rollup);
            }
        }));
        Comparator<Map.Entry<String, Rollup>> order = switch (sort.key()) {
            case COUNT -> Comparator.comparingLong(e -> count(groupBy, e.getValue()));
            case AVG -> Comparator.comparingDouble(e -> e.getValue().meanProcessingTime());
            case MAX -> Comparator.comparingDouble(e -> e.getValue().maxProcessingTime());
            case MIN -> Comparator.comparingDouble(e -> e.getValue().minProcessingTime());
            case P50 -> Comparator.comparingDouble(e -> e.getValue().processingTimes().quantile(0.5));
            case P95 -> Comparator.comparingDouble(e -> e.getValue().processingTimes().quantile(0.95));
            case P99 -> Comparator.comparingDouble(e -> e.getValue().processingTimes().quantile(0.99));
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
                    r.maxProcessingTime(), r.minProcessingTime(), r.processingTimes().quantile(0.5),
                    r.processingTimes().quantile(0.95), r.clientErrors() + r.serverErrors(),
                    r.processingTimes().quantile(0.99));
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                row.put(columns.get(i), values.get(i));
            }
            rows.add(row);
        });
        return rows;
    }

    /**
     * Column names of a report row, in order: the seed's, then the percentiles and the failures, then
     * p99 (added last, so the earlier CSV columns keep their places).
     */
    static List<String> columns(Dimension groupBy) {
        return List.of(groupBy.apiName(), groupBy == Dimension.IMAGE_URL ? "classification_count" : "request_count",
                "processing_time_avg", "processing_time_max", "processing_time_min", "processing_time_p50",
                "processing_time_p95", "error_count", "processing_time_p99");
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
        return stats(range, interval, Optional.empty());
    }

    /**
     * {@code /stats}; with {@code model}, also {@code by_version}: the figures of each version of that
     * model that served classify or predict requests in the window, side by side (keyed by version).
     */
    Map<String, Object> stats(Range range, Optional<String> interval, Optional<String> model) {
        Rollup total = empty();
        Map<Instant, Rollup> buckets = new TreeMap<>();
        ReadBudget budget = budget();
        Tier coarsest = coarsest(interval);
        read(Dimension.ALL, range, coarsest, budget).forEach((start, groups) -> groups.values().forEach(r -> {
            total.merge(r);
            interval.ifPresent(i -> buckets.computeIfAbsent(bucketOf(start, i), b -> empty()).merge(r));
        }));
        Map<String, Rollup> routes = new TreeMap<>();
        read(Dimension.ROUTE, range, coarsest, budget).values().forEach(bucket -> bucket.forEach((route, r) ->
                routes.computeIfAbsent(route, k -> empty()).merge(r)));
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("from", range.from());
        stats.put("to", range.to());
        stats.putAll(Figures.of(total));
        Map<String, Object> byRoute = new LinkedHashMap<>();
        routes.forEach((route, r) -> byRoute.put(route, Figures.of(r)));
        stats.put("by_route", byRoute);
        model.ifPresent(name -> {
            Map<Integer, Rollup> versions = new TreeMap<>();
            read(Dimension.MODEL_VERSION, range, coarsest, budget).values().forEach(bucket -> bucket.forEach((group, r) ->
                    versionOf(name, group).ifPresent(v -> versions.computeIfAbsent(v, k -> empty()).merge(r))));
            Map<String, Object> byVersion = new LinkedHashMap<>();
            versions.forEach((version, r) -> byVersion.put(Integer.toString(version), Figures.of(r)));
            stats.put("model", name);
            stats.put("by_version", byVersion);
        });
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

    /** The version of {@code group} ({@code name:version}) when it is a version of model {@code name}. */
    static Optional<Integer> versionOf(String name, String group) {
        if (!group.startsWith(name + ":")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(group.substring(name.length() + 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private ReadBudget budget() {
        return ReadBudget.of(limits.maxItems(), clock.instant().plus(limits.timeBudget()), clock);
    }

    /**
     * The rollups of {@code dimension} in {@code range}, read as {@link #plan} says (tiers up to
     * {@code coarsest}), keyed by bucket start; a spent budget is a 400 (too many) or a 503 (too slow).
     */
    private Map<Instant, Map<String, Rollup>> read(Dimension dimension, Range range, Tier coarsest, ReadBudget budget) {
        try {
            Map<Instant, Map<String, Rollup>> buckets = new TreeMap<>();
            for (Piece piece : plan(range, coarsest)) {
                // Pieces never overlap, so no bucket start is read twice.
                buckets.putAll(rollups.read(piece.tier(), dimension, piece.from(), piece.to(), budget));
            }
            return buckets;
        } catch (ReadBudgetExceeded e) {
            if (e.reason() == ReadBudgetExceeded.Reason.ITEMS) {
                throw InvalidInput.field("from", "the range from %s to %s holds more than %d rollups by %s; a request reads at most that many: ask for a shorter range"
                        .formatted(range.from(), range.to(), e.maxItems(), dimension.apiName()));
            }
            throw new ServiceUnavailable("the figures from %s to %s took more than %d s to read; ask for a shorter range"
                    .formatted(range.from(), range.to(), limits.timeBudget().toSeconds()));
        }
    }

    private static Instant bucketOf(Instant start, String interval) {
        return tierOf(interval).floor(start);
    }

    private static Rollup empty() {
        return Rollup.of(0, 0, 0, 0, 0, 0, 0, 0);
    }
}
