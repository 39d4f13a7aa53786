package dev.mlapi.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.aws.DynamoDbDriftCounts;
import dev.mlapi.core.drift.DriftCounts;
import dev.mlapi.core.drift.InputCounts;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.rollup.Tier;
import dev.mlapi.registry.DriftBaseline;
import dev.mlapi.registry.DriftBaseline.Feature;
import dev.mlapi.registry.Manifest;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.Arrays;

/**
 * {@code GET /models/{name}/versions/{version}/drift}: how far the inputs a version served in a
 * window have moved from its training distribution, per feature: the population stability index
 * ({@link DriftBaseline#psi}) of the served bucket counts (added up per hour by the aggregator)
 * against the training counts in the version's manifest, and the buckets that moved most.
 *
 * <p>The counts are kept per hour, so {@code from} and {@code to} must be on an hour (a 400 names
 * the two nearest); {@code to} defaults to the end of the current hour and is never later,
 * {@code from} to 24 hours before {@code to}; a window is at most {@value #MAX_DAYS} days and no
 * older than the hourly tier keeps (90 days). A version without a baseline is a 404.
 */
final class DriftView {

    static final int MAX_DAYS = 31;
    static final Duration DEFAULT_WINDOW = Duration.ofHours(24);
    /** The buckets {@code largest_shifts} lists per feature. */
    static final int SHIFTS = 3;

    private final BiFunction<String, Integer, Manifest> versions;
    private final Supplier<DriftCounts> counts;
    private final Clock clock;
    private final Duration retention;

    /**
     * @param versions the manifest of {@code name}, {@code version} (a 404 when there is none)
     * @param counts   the served counts' store, built on first use
     */
    DriftView(BiFunction<String, Integer, Manifest> versions, Supplier<DriftCounts> counts, Clock clock,
            Duration retention) {
        this.versions = versions;
        this.counts = counts;
        this.clock = clock;
        this.retention = retention;
    }

    /** The served counts in the rollups table, as the aggregator writes them. */
    static DriftCounts countsOf(Wiring wiring) {
        return new DynamoDbDriftCounts(wiring.dynamoDb(),
                wiring.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS),
                wiring.config().requestLogRetention(), wiring.clock());
    }

    /** The answer: see the class comment. */
    record Drift(String model, int version, Instant from, Instant to, long servedCount, List<FeatureDrift> features) {
    }

    /**
     * One feature's drift: {@code psi} is null when nothing was served in the window.
     *
     * @param largestShifts the buckets whose share moved most, largest first (proportions of the rows)
     */
    record FeatureDrift(String name, String kind, @JsonInclude(JsonInclude.Include.ALWAYS) Double psi,
            List<Shift> largestShifts) {
    }

    /** A bucket's share of the training rows ({@code expected}) and of the served rows ({@code actual}). */
    record Shift(String bucket, double expected, double actual) {
    }

    /** The window asked for, checked: see the class comment. */
    record Window(Instant from, Instant to) {
    }

    Window window(Optional<String> from, Optional<String> to) {
        Instant now = clock.instant();
        Instant latest = Tier.HOUR.ceil(now);
        Optional<Instant> start = from.map(value -> onHour("from", instant("from", value)));
        Optional<Instant> end = to.map(value -> onHour("to", instant("to", value)));
        if (start.isPresent() && end.isPresent() && !start.get().isBefore(end.get())) {
            throw InvalidInput.field("from", "must be before to");
        }
        Instant stop = end.filter(t -> t.isBefore(latest)).orElse(latest);
        Instant begin = start.orElse(stop.minus(DEFAULT_WINDOW));
        Instant oldest = Tier.HOUR.oldestKept(now, retention);
        if (begin.isBefore(oldest)) {
            throw InvalidInput.field(start.isPresent() ? "from" : "to", "served inputs are counted per hour for "
                    + Tier.HOUR.kept(retention).toDays() + " days: the window must start at " + oldest + " or later");
        }
        if (!begin.isBefore(stop)) {
            throw InvalidInput.field("from", "must be before " + stop + " (the end of the current hour)");
        }
        if (Duration.between(begin, stop).compareTo(Duration.ofDays(MAX_DAYS)) > 0) {
            throw InvalidInput.field("from", "the window from %s to %s has %d hours; a drift window has at most %d days"
                    .formatted(begin, stop, Duration.between(begin, stop).toHours(), MAX_DAYS));
        }
        return new Window(begin, stop);
    }

    private static Instant instant(String field, String value) {
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeException e) {
            throw InvalidInput.field(field, "must be an ISO-8601 date-time on an hour, such as 2026-12-01T10:00:00Z, or a date");
        }
    }

    private static Instant onHour(String field, Instant instant) {
        if (!Tier.HOUR.isBoundary(instant)) {
            throw InvalidInput.field(field, "%s %s is not on an hour (served inputs are counted per hour); use %s or %s"
                    .formatted(field, instant, Tier.HOUR.floor(instant), Tier.HOUR.ceil(instant)));
        }
        return instant;
    }

    /** The drift of {@code name}:{@code version} over {@code window}. */
    Drift drift(String name, int version, Window window) {
        Manifest manifest = versions.apply(name, version);
        DriftBaseline baseline = DriftBaseline.of(manifest).orElseThrow(() -> new NotFound(("model '%s' version %d"
                + " has no drift baseline: only versions trained by POST /train since baselines were stored have one")
                .formatted(name, version)));
        InputCounts served = counts.get().read(manifest.ref(), baseline.id(), window.from(), window.to());
        return of(manifest, baseline, served, window);
    }

    /** The answer for the served counts {@code served} of {@code manifest}'s {@code baseline}. */
    static Drift of(Manifest manifest, DriftBaseline baseline, InputCounts served, Window window) {
        List<FeatureDrift> features = new ArrayList<>();
        for (int f = 0; f < baseline.features().size(); f++) {
            Feature feature = baseline.features().get(f);
            long[] expected = feature.counts().stream().mapToLong(Long::longValue).toArray();
            long[] actual = served.dense(f, feature.buckets());
            features.add(feature(feature, expected, actual));
        }
        features.sort(Comparator.comparing((FeatureDrift d) -> d.psi() == null ? Double.NEGATIVE_INFINITY : d.psi())
                .reversed().thenComparing(FeatureDrift::name));
        return new Drift(manifest.name(), manifest.version(), window.from(), window.to(), served.rows(), features);
    }

    static FeatureDrift feature(Feature feature, long[] expected, long[] actual) {
        long e = Arrays.stream(expected).sum();
        long a = Arrays.stream(actual).sum();
        if (a == 0 || e == 0) {
            return new FeatureDrift(feature.name(), feature.kind().value(), null, List.of());
        }
        List<Shift> shifts = new ArrayList<>();
        for (int b = 0; b < expected.length; b++) {
            if (expected[b] * a != actual[b] * e) {
                shifts.add(new Shift(feature.label(b), (double) expected[b] / e, (double) actual[b] / a));
            }
        }
        shifts.sort(Comparator.comparingDouble((Shift s) -> Math.abs(s.actual() - s.expected())).reversed());
        return new FeatureDrift(feature.name(), feature.kind().value(), DriftBaseline.psi(expected, actual),
                List.copyOf(shifts.subList(0, Math.min(SHIFTS, shifts.size()))));
    }
}
