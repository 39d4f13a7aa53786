package dev.mlapi.training;

import dev.mlapi.registry.DriftBaseline;
import dev.mlapi.registry.DriftBaseline.Feature;
import dev.mlapi.registry.DriftBaseline.Input;
import dev.mlapi.registry.DriftBaseline.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Collections;

/**
 * The {@link DriftBaseline} of a training table: each used column's distribution over the rows the
 * model was fitted on (numeric: cut at its deciles; categorical: its most frequent categories),
 * read from the raw cells, so blanks count as blanks and not as the values imputed for them. Date
 * columns are not profiled. One column at a time: memory is one column of doubles, not the table.
 */
public final class FeatureProfiles {

    private FeatureProfiles() {
    }

    /** The baseline of {@code data}'s rows (its first {@value DriftBaseline#MAX_FEATURES} profiled columns). */
    public static DriftBaseline of(TabularDataset data) {
        List<Feature> features = new ArrayList<>();
        TableSchema schema = data.schema();
        if (schema.plain()) {
            for (int f = 0; f < data.featureNames().size() && features.size() < DriftBaseline.MAX_FEATURES; f++) {
                double[] values = new double[data.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = data.rows()[i][f];
                }
                features.add(numeric(data.featureNames().get(f), f, values));
            }
            return DriftBaseline.of(data.size(), features);
        }
        int numericSlot = 0;
        int textSlot = 0;
        for (TableSchema.Column column : schema.used()) {
            if (features.size() >= DriftBaseline.MAX_FEATURES) {
                break;
            }
            switch (column.type()) {
                case NUMERIC -> features.add(numeric(column.name(), numericSlot++, numbers(data, column.index())));
                case DATE -> numericSlot += TableSchema.DATE_PARTS.size();
                case BOOLEAN, CATEGORICAL -> features.add(categorical(column.name(), textSlot++,
                        categories(data, column.index())));
                default -> { }
            }
        }
        return DriftBaseline.of(data.size(), features);
    }

    /** A numeric column's raw cells as numbers, NaN for a blank. */
    private static double[] numbers(TabularDataset data, int index) {
        double[] values = new double[data.size()];
        for (int i = 0; i < values.length; i++) {
            List<String> cells = data.rawRow(i);
            if (cells instanceof TableSchema.NumericRow row && row.isNumber(index)) {
                values[i] = row.values[index];
            } else {
                String cell = cells.get(index);
                values[i] = TableSchema.isBlank(cell) ? Double.NaN : Double.parseDouble(cell.trim());
            }
        }
        return values;
    }

    /** A text column's raw cells as predict's text input holds them: canonical, {@code ""} for a blank. */
    private static String[] categories(TabularDataset data, int index) {
        String[] values = new String[data.size()];
        for (int i = 0; i < values.length; i++) {
            String cell = data.rawRow(i).get(index);
            values[i] = TableSchema.isBlank(cell) ? "" : TableSchema.canonical(cell.trim());
        }
        return values;
    }

    /**
     * Buckets cut at the deciles (nearest rank) of the non-blank values, repeated cuts merged: a
     * column of few distinct values gets a bucket per value.
     */
    static Feature numeric(String name, int slot, double[] values) {
        double[] present = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        List<Double> edges = new ArrayList<>();
        for (int k = 1; k < DriftBaseline.NUMERIC_BUCKETS && present.length > 0; k++) {
            int rank = (int) Math.ceil((double) k * present.length / DriftBaseline.NUMERIC_BUCKETS);
            double edge = present[Math.max(0, rank - 1)];
            if (edges.isEmpty() || edges.get(edges.size() - 1) < edge) {
                edges.add(edge);
            }
        }
        Feature empty = new Feature(name, Kind.NUMERIC, Input.NUMERIC, slot, edges, List.of(),
                Collections.nCopies(edges.size() + 2, 0L));
        long[] counts = new long[empty.buckets()];
        double[] cuts = empty.edgeArray();
        for (double v : values) {
            counts[DriftBaseline.numericBucket(cuts, v)]++;
        }
        return new Feature(name, Kind.NUMERIC, Input.NUMERIC, slot, edges, List.of(),
                Arrays.stream(counts).boxed().toList());
    }

    /** A bucket for each of the most frequent categories (ties by name), then other and blanks. */
    static Feature categorical(String name, int slot, String[] values) {
        Map<String, Long> frequencies = new HashMap<>();
        for (String v : values) {
            if (!v.isEmpty()) {
                frequencies.merge(v, 1L, Long::sum);
            }
        }
        List<String> top = frequencies.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(DriftBaseline.TOP_CATEGORIES).map(Map.Entry::getKey).toList();
        Feature empty = new Feature(name, Kind.CATEGORICAL, Input.TEXT, slot, List.of(), top,
                Collections.nCopies(top.size() + 2, 0L));
        long[] counts = new long[empty.buckets()];
        for (String v : values) {
            counts[empty.bucketOf(v)]++;
        }
        return new Feature(name, Kind.CATEGORICAL, Input.TEXT, slot, List.of(), top,
                Arrays.stream(counts).boxed().toList());
    }
}
