package dev.mlapi.report;

import java.time.Duration;

/**
 * What one report or stats request may cost: the longest range it reads, the most hourly (and
 * per-minute) points a series may have, the most stored rollups it reads, and how long it may compute before it answers
 * 503 (API Gateway gives up at 30 s, the function's timeout is 29 s: past that nobody waits).
 *
 * @param maxDays       the longest range, in days of rollups
 * @param maxHourPoints the most points of an {@code interval=hour} series (and so its longest range)
 * @param maxMinutePoints the most points of an {@code interval=minute} series (and so its longest range)
 * @param maxItems      the most stored rollups one request reads
 * @param timeBudget    how long one request may read
 */
record ReportLimits(int maxDays, int maxHourPoints, int maxMinutePoints, long maxItems, Duration timeBudget) {

    static final ReportLimits DEFAULT = new ReportLimits(400, 31 * 24, 24 * 60, 100_000, Duration.ofSeconds(25));
}
