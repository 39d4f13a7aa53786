package dev.mlapi.core.rollup;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * How finely rollups are kept: per minute for the last 48 hours, per hour for 90 days, per day for
 * the request log's whole retention. The aggregator writes every tier in the same transaction, so
 * the tiers always agree; a reader takes the coarsest that fits its window exactly.
 */
public enum Tier {
    MINUTE(Duration.ofMinutes(1), Duration.ofHours(48)),
    HOUR(Duration.ofHours(1), Duration.ofDays(90)),
    DAY(Duration.ofDays(1), ChronoUnit.FOREVER.getDuration());

    /** How long after its bucket ends an item may still be there: DynamoDB's TTL deletes lazily. */
    public static final Duration EXPIRY_SLACK = Duration.ofHours(1);

    private final Duration length;
    private final Duration kept;

    Tier(Duration length, Duration kept) {
        this.length = length;
        this.kept = kept;
    }

    /** The length of one bucket. */
    public Duration length() {
        return length;
    }

    /** How long this tier is kept, at most {@code retention} (the request log's). */
    public Duration kept(Duration retention) {
        return kept.compareTo(retention) < 0 ? kept : retention;
    }

    /** The start of the bucket {@code instant} falls in. */
    public Instant floor(Instant instant) {
        return switch (this) {
            case MINUTE -> instant.truncatedTo(ChronoUnit.MINUTES);
            case HOUR -> instant.truncatedTo(ChronoUnit.HOURS);
            case DAY -> instant.atOffset(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).toInstant();
        };
    }

    /** The first bucket start at or after {@code instant}. */
    public Instant ceil(Instant instant) {
        Instant floor = floor(instant);
        return floor.equals(instant) ? floor : floor.plus(length);
    }

    public boolean isBoundary(Instant instant) {
        return floor(instant).equals(instant);
    }

    /**
     * The oldest bucket start of this tier a reader may rely on at {@code now}: buckets from there
     * on are kept (written with an expiry {@link #EXPIRY_SLACK} after they are due to go).
     */
    public Instant oldestKept(Instant now, Duration retention) {
        return ceil(now.minus(kept(retention)));
    }

    /** When the item of the bucket starting at {@code start} expires (the table's TTL attribute). */
    public Instant expiry(Instant start, Duration retention) {
        return start.plus(kept(retention)).plus(EXPIRY_SLACK).plus(this == DAY ? Duration.ofDays(1) : Duration.ZERO);
    }

    /** The name used in keys and in the API ({@code minute}, {@code hour}, {@code day}). */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
