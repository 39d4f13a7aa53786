package dev.mlapi.core.rollup;

import dev.mlapi.core.requestlog.RequestLogEntry;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Port to the rollups of the request log, per {@link Tier} (minute, hour, day), {@link Dimension}
 * and group. Every entry is counted in every tier that is still kept for its time.
 */
public interface RequestRollups {

    /**
     * Adds the entry to its hour's rollups, exactly once: applying the same entry again (a
     * replayed stream batch) changes nothing. Returns false when it had been applied before.
     */
    default boolean apply(RequestLogEntry entry) {
        return applyAll(List.of(entry)) == 1;
    }

    /**
     * Adds each entry to its hour's rollups exactly once, merged into as few writes as the store
     * allows; entries applied before (a replayed or overlapping stream batch) change nothing.
     * Returns how many entries were new.
     *
     * @throws RollupsIncomplete when a write fails: it says how many leading entries are applied
     */
    int applyAll(List<RequestLogEntry> entries);

    /**
     * Sends {@code entry}'s {@link #apply} as it would be sent, but so that it cannot take effect:
     * for priming. Nothing changes; by default nothing is sent either.
     */
    default void rehearse(RequestLogEntry entry) {
    }

    /**
     * Deletes the entry from the request log and subtracts it from its rollups, in one
     * transaction: the rollups never count an entry the log no longer has. Returns false when the
     * entry was already gone (nothing is subtracted twice).
     */
    boolean remove(RequestLogEntry entry);

    /**
     * The hourly rollups of {@code dimension} for the hours that start in {@code [from, to)}, keyed
     * by the hour's start, then by group.
     */
    default Map<Instant, Map<String, Rollup>> read(Dimension dimension, Instant from, Instant to) {
        return read(Tier.HOUR, dimension, from, to, ReadBudget.unlimited());
    }

    /**
     * The rollups of {@code tier} and {@code dimension} for the buckets that start in
     * {@code [from, to)}, keyed by the bucket's start, then by group; within {@code budget}: checked
     * before every request to the store and charged with every item read.
     *
     * @throws ReadBudgetExceeded when the budget runs out; nothing partial is returned
     */
    Map<Instant, Map<String, Rollup>> read(Tier tier, Dimension dimension, Instant from, Instant to, ReadBudget budget);
}
