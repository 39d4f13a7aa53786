package dev.mlapi.predict;

import dev.mlapi.core.drift.InputCounts;
import dev.mlapi.registry.DriftBaseline;
import dev.mlapi.registry.DriftBaseline.Feature;
import dev.mlapi.registry.Manifest;
import java.util.Optional;

/**
 * Counts a request's rows into the buckets of its model version's drift baseline, from the rows
 * the graph takes (so what is counted is what was scored): the counts go into the request's log
 * entry, and the aggregator adds them up per version and hour. Made once per loaded model; a
 * version without a baseline (uploaded, or trained before baselines) counts nothing.
 */
final class InputBuckets {

    private final DriftBaseline baseline;

    private InputBuckets(DriftBaseline baseline) {
        this.baseline = baseline;
    }

    static Optional<InputBuckets> of(Manifest manifest) {
        return DriftBaseline.of(manifest).filter(b -> !b.features().isEmpty()).map(InputBuckets::new);
    }

    /** The rows' counts, as the request log holds them; empty when the rows do not have the baseline's cells. */
    Optional<String> count(TabularModel.Rows rows) {
        long[][] counts = new long[baseline.features().size()][];
        for (int f = 0; f < counts.length; f++) {
            Feature feature = baseline.features().get(f);
            long[] buckets = new long[feature.buckets()];
            counts[f] = buckets;
            if (feature.input() == DriftBaseline.Input.NUMERIC) {
                int width = rows.width();
                if (feature.slot() >= width || (rows.doubles() == null && rows.floats() == null)) {
                    return Optional.empty();
                }
                for (int i = 0; i < rows.count(); i++) {
                    int at = i * width + feature.slot();
                    buckets[feature.bucketOf(rows.doubles() != null ? rows.doubles()[at] : rows.floats()[at])]++;
                }
            } else {
                int width = rows.textWidth();
                if (feature.slot() >= width || rows.text() == null) {
                    return Optional.empty();
                }
                for (int i = 0; i < rows.count(); i++) {
                    buckets[feature.bucketOf(rows.text()[i * width + feature.slot()])]++;
                }
            }
        }
        return Optional.of(InputCounts.of(baseline.id(), counts).encode());
    }
}
