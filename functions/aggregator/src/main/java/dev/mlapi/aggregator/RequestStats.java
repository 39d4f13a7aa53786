package dev.mlapi.aggregator;

/** Per-day counters of the request log (port; {@link DynamoDbRequestStats} is the adapter). */
public interface RequestStats {

    /** Adds {@code totals} to its day's counters, atomically. */
    void add(DayTotals totals);

    /** The day's counters so far; zeros for a day without any. */
    DayTotals read(String day);
}
