package dev.mlapi.core.drift;

import dev.mlapi.core.requestlog.RequestLogEntry;
import java.time.Instant;
import java.util.List;

/**
 * Port to the served inputs' bucket counts ({@link InputCounts}) per model version, drift
 * baseline and hour, as the aggregator adds them up from the request log.
 */
public interface DriftCounts {

    /**
     * Adds the input counts of each entry that carries them (a tabular prediction a version served,
     * with a 2xx answer) to its version's hour, exactly once: an entry applied before (a replayed
     * stream batch) changes nothing. Returns how many entries were added.
     *
     * @throws dev.mlapi.core.rollup.RollupsIncomplete when a write fails: it says how many leading
     *                                                  entries are done (added, or with nothing to add)
     */
    int applyAll(List<RequestLogEntry> entries);

    /**
     * The counts of {@code modelVersion} ({@code name:version}) under baseline {@code baselineId},
     * summed over the hours that start in {@code [from, to)}.
     */
    InputCounts read(String modelVersion, String baselineId, Instant from, Instant to);
}
