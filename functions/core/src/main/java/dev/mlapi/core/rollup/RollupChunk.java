package dev.mlapi.core.rollup;

import dev.mlapi.core.requestlog.RequestLogEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.Collections;

/**
 * Consecutive log entries merged into one write: what they add to each rollup they touch, summed
 * (counts, sums and sketch buckets add up, so one update per rollup carries them all). Writing a
 * chunk takes one marker per entry (for exactly-once) plus one update per rollup: {@link #writes()}.
 *
 * @param entries distinct request ids, in log order
 * @param deltas  per rollup, the sum of what the entries add to it
 */
public record RollupChunk(List<RequestLogEntry> entries, Map<RollupKey, Rollup> deltas) {

    public RollupChunk {
        entries = List.copyOf(entries);
        deltas = Collections.unmodifiableMap(new LinkedHashMap<>(deltas));
    }

    /** The chunk of {@code entries} as one write, however many writes that takes. */
    public static RollupChunk of(List<RequestLogEntry> entries) {
        return of(entries, entry -> RollupKey.of(entry));
    }

    /** The chunk of {@code entries}, each counted in the rollups {@code keys} names for it. */
    public static RollupChunk of(List<RequestLogEntry> entries, Function<RequestLogEntry, List<RollupKey>> keys) {
        Map<RollupKey, Rollup> deltas = new LinkedHashMap<>();
        for (RequestLogEntry entry : entries) {
            for (RollupKey key : keys.apply(entry)) {
                deltas.computeIfAbsent(key, k -> Rollup.of(0, 0, 0, 0, 0, 0, 0, 0)).merge(Rollup.of(entry));
            }
        }
        return new RollupChunk(entries, deltas);
    }

    /**
     * Splits {@code entries}, in order and without reordering, into consecutive chunks of at most
     * {@code maxWrites} writes each (at least one entry each). An entry whose request id is
     * already in the chunk starts the next one: a write never touches one item twice.
     */
    public static List<RollupChunk> plan(List<RequestLogEntry> entries, int maxWrites) {
        return plan(entries, maxWrites, 1, entry -> RollupKey.of(entry));
    }

    /**
     * As {@link #plan(List, int)}, each entry counted in the rollups {@code keys} names for it (at
     * most {@code tiers} per dimension).
     */
    public static List<RollupChunk> plan(List<RequestLogEntry> entries, int maxWrites, int tiers,
            Function<RequestLogEntry, List<RollupKey>> keysOf) {
        int perEntry = tiers * Dimension.values().length + 1;
        if (maxWrites < perEntry) {
            throw new IllegalArgumentException("a chunk needs room for one entry's " + perEntry + " writes");
        }
        List<RollupChunk> chunks = new ArrayList<>();
        List<RequestLogEntry> current = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<RollupKey> keys = new HashSet<>();
        for (RequestLogEntry entry : entries) {
            List<RollupKey> touched = keysOf.apply(entry);
            long added = touched.stream().filter(key -> !keys.contains(key)).count();
            if (!current.isEmpty() && (ids.contains(entry.requestId())
                    || current.size() + 1 + keys.size() + added > maxWrites)) {
                chunks.add(of(current, keysOf));
                current = new ArrayList<>();
                ids.clear();
                keys.clear();
            }
            current.add(entry);
            ids.add(entry.requestId());
            keys.addAll(touched);
        }
        if (!current.isEmpty()) {
            chunks.add(of(current, keysOf));
        }
        return chunks;
    }

    /** How many items writing this chunk touches: a marker per entry and an update per rollup. */
    public int writes() {
        return entries.size() + deltas.size();
    }
}
