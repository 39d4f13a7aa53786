package dev.mlapi.registry;

import dev.mlapi.core.drift.InputCounts;
import dev.mlapi.registry.storage.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How a tabular model version's inputs were distributed in training, per feature, over a fixed,
 * small set of buckets; stored in its manifest ({@code parameters.drift_baseline}) by the train
 * function, and what served inputs are counted against to measure drift.
 *
 * <p>A numeric feature has up to {@value #NUMERIC_BUCKETS} buckets cut at its training deciles
 * (repeated cut points merged): bucket {@code i} holds values {@code v} with
 * {@code edges[i-1] < v <= edges[i]}, the last one everything above the last edge; then one
 * bucket for blanks. A categorical feature has a bucket per each of its {@value #TOP_CATEGORIES}
 * most frequent training categories, one for every other category and one for blanks. So a
 * feature has at most {@value #MAX_BUCKETS} buckets, and the model at most
 * {@value #MAX_FEATURES} features (the first ones in input order), whatever the table's size.
 *
 * <p>Each feature reads one cell of the rows the graph takes ({@link Input}, {@code slot}), so
 * predict counts a request's rows with the buckets here and nothing else. {@code id} is a hash of
 * the buckets: served counts are kept per id, so counts of a deleted and re-created version of the
 * same number never mix with the new one's.
 *
 * @param rows the training rows counted
 */
public record DriftBaseline(String id, long rows, List<Feature> features) {

    /** The manifest parameter that holds it. */
    public static final String PARAMETER = "drift_baseline";
    public static final int NUMERIC_BUCKETS = 10;
    public static final int TOP_CATEGORIES = 20;
    public static final int MAX_BUCKETS = InputCounts.MAX_BUCKETS;
    public static final int MAX_FEATURES = InputCounts.MAX_FEATURES;
    /** The proportion an empty bucket counts as in {@link #psi}: 0.0001 (0.01%), so the log stays finite. */
    public static final double EPSILON = 1e-4;

    public DriftBaseline {
        features = List.copyOf(features);
    }

    /** What kind of values a feature holds. */
    public enum Kind {
        NUMERIC, CATEGORICAL;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Which of the graph's inputs a feature's cell is in: its numbers (the features of a plain table) or its text. */
    public enum Input {
        NUMERIC, TEXT;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One feature's buckets and how many training rows fell in each.
     *
     * @param slot       the cell's position in a row of {@code input}
     * @param edges      numeric: the upper bounds of every bucket but the last two; else empty
     * @param categories categorical: the categories with a bucket of their own; else empty
     * @param counts     training rows per bucket: see {@link DriftBaseline}
     */
    public record Feature(String name, Kind kind, Input input, int slot, List<Double> edges, List<String> categories,
            List<Long> counts) {

        public Feature {
            edges = List.copyOf(edges);
            categories = List.copyOf(categories);
            counts = List.copyOf(counts);
            int buckets = kind == Kind.NUMERIC ? edges.size() + 2 : categories.size() + 2;
            if (counts.size() != buckets) {
                throw new IllegalArgumentException(name + ": " + counts.size() + " counts for " + buckets + " buckets");
            }
        }

        /** How many buckets: numeric, one more than the edges plus blanks; categorical, the categories plus other and blanks. */
        public int buckets() {
            return kind == Kind.NUMERIC ? edges.size() + 2 : categories.size() + 2;
        }

        /** The bucket of blanks (the last one). */
        public int missingBucket() {
            return buckets() - 1;
        }

        /** The bucket of a number; NaN is a blank. */
        public int bucketOf(double value) {
            return numericBucket(edgeArray(), value);
        }

        /** The edges as an array, for {@link DriftBaseline#numericBucket} (callers that count many rows keep it). */
        public double[] edgeArray() {
            return edges.stream().mapToDouble(Double::doubleValue).toArray();
        }

        /** The bucket of a category ({@code ""} is a blank), as predict's text input holds it. */
        public int bucketOf(String category) {
            if (category == null || category.isEmpty()) {
                return missingBucket();
            }
            int at = categories.indexOf(category);
            return at >= 0 ? at : categories.size();
        }

        /** How the API names a bucket: {@code <= 1.5}, {@code (1.5, 4.35]}, {@code > 6.1}, a category, {@code (other)}, {@code (missing)}. */
        public String label(int bucket) {
            if (bucket == missingBucket()) {
                return "(missing)";
            }
            if (kind == Kind.CATEGORICAL) {
                return bucket < categories.size() ? categories.get(bucket) : "(other)";
            }
            if (edges.isEmpty()) {
                return "(any)";
            }
            if (bucket == 0) {
                return "<= " + number(edges.get(0));
            }
            if (bucket == edges.size()) {
                return "> " + number(edges.get(edges.size() - 1));
            }
            return "(" + number(edges.get(bucket - 1)) + ", " + number(edges.get(bucket)) + "]";
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("kind", kind.value());
            m.put("input", input.value());
            m.put("slot", slot);
            if (kind == Kind.NUMERIC) {
                m.put("edges", edges);
            } else {
                m.put("categories", categories);
            }
            m.put("counts", counts);
            return m;
        }
    }

    /**
     * The bucket of {@code value} among a numeric feature's {@code edges}: the first edge at or above
     * it ({@code edges.length} above them all), {@code edges.length + 1} for NaN (a blank).
     */
    public static int numericBucket(double[] edges, double value) {
        if (Double.isNaN(value)) {
            return edges.length + 1;
        }
        int low = 0;
        int high = edges.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (edges[mid] < value) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    private static String number(double value) {
        return RawCells.canonical(value);
    }

    /** A baseline of {@code features} (at most {@value #MAX_FEATURES}), its id the hash of their buckets. */
    public static DriftBaseline of(long rows, List<Feature> features) {
        if (features.size() > MAX_FEATURES) {
            throw new IllegalArgumentException(features.size() + " features; a baseline keeps at most " + MAX_FEATURES);
        }
        StringBuilder layout = new StringBuilder();
        for (Feature f : features) {
            layout.append(f.name()).append('\u0000').append(f.kind()).append(f.input()).append(f.slot())
                    .append(f.edges()).append(f.categories()).append('\u0001');
        }
        byte[] hash = Sha256.newDigest().digest(layout.toString().getBytes(StandardCharsets.UTF_8));
        return new DriftBaseline(HexFormat.of().formatHex(hash, 0, 6), rows, features);
    }

    /** The baseline in {@code manifest}, or empty for a version stored without one (uploaded, or trained before baselines). */
    public static Optional<DriftBaseline> of(Manifest manifest) {
        return fromParameter(manifest.parameters().get(PARAMETER));
    }

    /** The manifest parameter's value (JSON-shaped maps and lists). */
    public Map<String, Object> toParameter() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("rows", rows);
        m.put("buckets", "numeric: training deciles, then blanks; categorical: the " + TOP_CATEGORIES
                + " most frequent categories, other, blanks");
        m.put("features", features.stream().map(Feature::toMap).toList());
        return m;
    }

    /** Reads {@link #toParameter}'s form back; empty when {@code value} is absent or not a baseline. */
    static Optional<DriftBaseline> fromParameter(Object value) {
        if (!(value instanceof Map<?, ?> map) || !(map.get("id") instanceof String id)
                || !(map.get("features") instanceof List<?> list)) {
            return Optional.empty();
        }
        try {
            List<Feature> features = new ArrayList<>();
            for (Object item : list) {
                Map<?, ?> f = (Map<?, ?>) item;
                Kind kind = Kind.valueOf(((String) f.get("kind")).toUpperCase(Locale.ROOT));
                features.add(new Feature((String) f.get("name"), kind,
                        Input.valueOf(((String) f.get("input")).toUpperCase(Locale.ROOT)),
                        ((Number) f.get("slot")).intValue(),
                        kind == Kind.NUMERIC ? numbers(f.get("edges")).stream().map(Number::doubleValue).toList() : List.of(),
                        kind == Kind.CATEGORICAL ? ((List<?>) f.get("categories")).stream().map(String::valueOf).toList()
                                : List.of(),
                        numbers(f.get("counts")).stream().map(Number::longValue).toList()));
            }
            return Optional.of(new DriftBaseline(id, ((Number) map.get("rows")).longValue(), features));
        } catch (RuntimeException malformed) {
            return Optional.empty();
        }
    }

    private static List<Number> numbers(Object value) {
        return ((List<?>) value).stream().map(Number.class::cast).toList();
    }

    /**
     * The population stability index of {@code actual} counts against {@code expected} counts over
     * the same buckets: {@code Σ (a − e) · ln(a / e)} over the buckets' proportions, a proportion of
     * zero taken as {@link #EPSILON}. 0 for identical distributions; by the usual reading below 0.1
     * is stable, 0.1–0.25 a moderate shift, above 0.25 a large one. NaN when either side is empty.
     */
    public static double psi(long[] expected, long[] actual) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException(expected.length + " expected buckets, " + actual.length + " actual");
        }
        long e = Arrays.stream(expected).sum();
        long a = Arrays.stream(actual).sum();
        if (e == 0 || a == 0) {
            return Double.NaN;
        }
        double psi = 0;
        for (int i = 0; i < expected.length; i++) {
            double pe = proportion(expected[i], e);
            double pa = proportion(actual[i], a);
            psi += (pa - pe) * Math.log(pa / pe);
        }
        return psi;
    }

    /** {@code count / total}, {@link #EPSILON} for an empty bucket (as {@link #psi} counts it). */
    public static double proportion(long count, long total) {
        return count == 0 ? EPSILON : (double) count / total;
    }
}
