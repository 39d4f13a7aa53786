package dev.mlapi.models;

import dev.mlapi.core.rollup.Dimension;
import dev.mlapi.core.rollup.ReadBudget;
import dev.mlapi.core.rollup.RequestRollups;
import dev.mlapi.core.rollup.Rollup;
import dev.mlapi.core.rollup.ShadowAgreements;
import dev.mlapi.core.rollup.Tier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What each version of a model served since an instant, from the per-version rollups
 * ({@link Dimension#MODEL_VERSION}): whole hours from the hourly tier, the ragged ends from the
 * minute tier, so a canary's figures cost a bounded read however long it has run. Where the minutes
 * of the start are no longer kept (48 hours), the figures start at the hour the instant falls in;
 * hours older than the hourly tier keeps are left out. The answer says which window it covers.
 */
final class AliasFigures {

    /** At most this many rollup items per request (a canary of 90 days reads about 2,200 hours × versions). */
    private static final int MAX_ITEMS = 20_000;

    private final Supplier<RequestRollups> rollups;
    private final Clock clock;
    private final Duration retention;
    private final Supplier<ShadowAgreements> agreements;

    /** @param rollups the rollups' store, built on first use (only the alias route reads it) */
    AliasFigures(Supplier<RequestRollups> rollups, Clock clock, Duration retention) {
        this(rollups, clock, retention, () -> null);
    }

    /** @param agreements the shadows' agreement counts, built on first use */
    AliasFigures(Supplier<RequestRollups> rollups, Clock clock, Duration retention,
            Supplier<ShadowAgreements> agreements) {
        this.rollups = rollups;
        this.clock = clock;
        this.retention = retention;
        this.agreements = agreements;
    }

    /** How often the shadow agreed with the stable answer since {@code since} (none where agreements are not kept). */
    ShadowAgreements.Agreement agreement(String alias, int shadowVersion, Instant since) {
        ShadowAgreements store = agreements.get();
        if (store == null) {
            return new ShadowAgreements.Agreement(0, 0);
        }
        Instant now = clock.instant();
        return store.read(alias, shadowVersion, since, Tier.MINUTE.floor(now).plus(Tier.MINUTE.length()));
    }

    /** The window read and the rollup of each {@code name:version} group in it. */
    record Window(Instant from, Instant to, Map<String, Rollup> versions) {

        Rollup of(String name, int version) {
            return versions.getOrDefault(name + ":" + version, Rollup.of(0, 0, 0, 0, 0, 0, 0, 0));
        }
    }

    /** Every version's rollup from the minute {@code since} falls in up to the end of the current minute. */
    Window since(Instant since) {
        Instant now = clock.instant();
        Instant to = Tier.MINUTE.floor(now).plus(Tier.MINUTE.length());
        Instant from = Tier.MINUTE.floor(since);
        if (from.isBefore(Tier.MINUTE.oldestKept(now, retention))) {
            from = Tier.HOUR.floor(from);
        }
        Instant oldestHour = Tier.HOUR.oldestKept(now, retention);
        if (from.isBefore(oldestHour)) {
            from = oldestHour;
        }
        if (from.isAfter(to)) {
            from = to;
        }
        Instant firstHour = Tier.HOUR.ceil(from);
        Instant lastHour = Tier.HOUR.floor(to);
        ReadBudget budget = ReadBudget.of(MAX_ITEMS, now.plus(Duration.ofSeconds(10)), clock);
        Map<String, Rollup> versions = new LinkedHashMap<>();
        List<Piece> pieces = firstHour.isBefore(lastHour)
                ? List.of(new Piece(Tier.MINUTE, from, firstHour), new Piece(Tier.HOUR, firstHour, lastHour),
                        new Piece(Tier.MINUTE, lastHour, to))
                : List.of(new Piece(Tier.MINUTE, from, to));
        for (Piece piece : pieces) {
            if (piece.from().isBefore(piece.to())) {
                rollups.get().read(piece.tier(), Dimension.MODEL_VERSION, piece.from(), piece.to(), budget).values()
                        .forEach(groups -> groups.forEach((group, rollup) -> versions
                                .computeIfAbsent(group, g -> Rollup.of(0, 0, 0, 0, 0, 0, 0, 0)).merge(rollup)));
            }
        }
        return new Window(from, to, versions);
    }

    private record Piece(Tier tier, Instant from, Instant to) {
    }

    /** The figures of one version as {@code /stats} names them. */
    static Map<String, Object> figures(Rollup rollup) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("total_requests", rollup.requests());
        figures.put("error_count", rollup.clientErrors() + rollup.serverErrors());
        figures.put("server_error_count", rollup.serverErrors());
        figures.put("error_rate", rollup.errorRate());
        figures.put("mean_processing_time", rollup.meanProcessingTime());
        figures.put("median_processing_time", rollup.processingTimes().quantile(0.5));
        figures.put("percentile_95_processing_time", rollup.processingTimes().quantile(0.95));
        figures.put("percentile_99_processing_time", rollup.processingTimes().quantile(0.99));
        figures.put("min_processing_time", rollup.minProcessingTime());
        figures.put("max_processing_time", rollup.maxProcessingTime());
        return figures;
    }
}
