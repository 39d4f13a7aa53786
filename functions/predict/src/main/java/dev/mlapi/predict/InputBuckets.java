package dev.mlapi.predict;

import dev.mlapi.core.drift.InputCounts;
import dev.mlapi.registry.DriftBaseline;
import dev.mlapi.registry.DriftBaseline.Feature;
import dev.mlapi.registry.Manifest;
import java.util.Optional;
import java.util.Arrays;

/**
 * Counts a request's rows into the buckets of its model version's drift baseline, from the rows
 * the graph takes (so what is counted is what was scored): the counts go into the request's log
 * entry, and the aggregator adds them up per version and hour. Made once per loaded model; a
 * version without a baseline (uploaded, or trained before baselines) counts nothing.
 */
final class InputBuckets {

    private final DriftBaseline baseline;
    /** Each numeric feature's edges as an array (null for a categorical one): no boxing per cell. */
    private final double[][] edges;
    private final int[] numericSlots;
    private final int[] textSlots;

    private InputBuckets(DriftBaseline baseline) {
        this.baseline = baseline;
        this.edges = baseline.features().stream()
                .map(f -> f.kind() == DriftBaseline.Kind.NUMERIC ? f.edgeArray() : null).toArray(double[][]::new);
        this.numericSlots = baseline.features().stream().filter(f -> f.input() == DriftBaseline.Input.NUMERIC)
                .mapToInt(Feature::slot).toArray();
        this.textSlots = baseline.features().stream().filter(f -> f.input() == DriftBaseline.Input.TEXT)
                .mapToInt(Feature::slot).toArray();
    }

    static Optional<InputBuckets> of(Manifest manifest) {
        return DriftBaseline.of(manifest).filter(b -> !b.features().isEmpty()).map(InputBuckets::new);
    }

    /** The rows' counts, as the request log holds them; empty when the rows do not have the baseline's cells. */
    Optional<String> count(TabularModel.Rows rows) {
        int width = rows.width();
        int textWidth = rows.textWidth();
        boolean numbers = rows.doubles() != null || rows.floats() != null;
        if (numericSlots.length > 0 && (!numbers || Arrays.stream(numericSlots).anyMatch(s -> s >= width))
                || textSlots.length > 0 && (rows.text() == null || Arrays.stream(textSlots).anyMatch(s -> s >= textWidth))) {
            return Optional.empty();
        }
        int features = baseline.features().size();
        long[][] counts = new long[features][];
        for (int f = 0; f < features; f++) {
            counts[f] = new long[baseline.features().get(f).buckets()];
        }
        // row by row, each row's cells in order: the buffers are row-major
        for (int i = 0; i < rows.count(); i++) {
            for (int f = 0; f < features; f++) {
                Feature feature = baseline.features().get(f);
                if (edges[f] != null) {
                    int at = i * width + feature.slot();
                    double value = rows.doubles() != null ? rows.doubles()[at] : rows.floats()[at];
                    counts[f][DriftBaseline.numericBucket(edges[f], value)]++;
                } else {
                    counts[f][feature.bucketOf(rows.text()[i * textWidth + feature.slot()])]++;
                }
            }
        }
        return Optional.of(InputCounts.of(baseline.id(), counts).encode());
    }
}
