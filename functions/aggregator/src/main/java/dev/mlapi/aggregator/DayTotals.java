package dev.mlapi.aggregator;

/**
 * What a run of request-log entries of one day adds to that day's counters.
 *
 * @param processingSeconds the sum of the entries' processing times
 */
public record DayTotals(String day, long requests, long clientErrors, long serverErrors, double processingSeconds) {

    static DayTotals empty(String day) {
        return new DayTotals(day, 0, 0, 0, 0);
    }

    DayTotals plus(int status, double seconds) {
        return new DayTotals(day, requests + 1, clientErrors + (status / 100 == 4 ? 1 : 0),
                serverErrors + (status / 100 == 5 ? 1 : 0), processingSeconds + seconds);
    }
}
