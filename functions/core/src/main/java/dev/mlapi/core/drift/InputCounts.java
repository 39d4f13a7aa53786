package dev.mlapi.core.drift;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many served rows fell in each bucket of each feature of a drift baseline (the baseline's
 * {@code id} names the buckets): what predict logs per request and the aggregator adds up per
 * version and hour. Counts add bucket by bucket, so any window is the sum of its hours.
 *
 * <p>Logged as text: {@code <id>|<feature 0>;<feature 1>;…}, each feature its non-empty buckets
 * {@code <bucket>[:<count>]} (the count left out when it is 1) separated by commas, e.g.
 * {@code 3fa2c1d09b7e|4;0:2,3;7}. With at most 100 features of at most 22 buckets and 10,000
 * rows a request, that is at most 100 × 22 × 9 characters (under 20 KB) however many rows; a
 * one-row request takes 2–3 characters a feature.
 *
 * @param features per feature in baseline order, its bucket counts (only the non-empty ones)
 */
public record InputCounts(String baselineId, List<Map<Integer, Long>> features) {

    /** The most features a drift baseline keeps. */
    public static final int MAX_FEATURES = 100;
    /** The most buckets a feature of a drift baseline has. */
    public static final int MAX_BUCKETS = 22;
    /** The most characters {@link #encode} can write for a baseline within these limits. */
    public static final int MAX_ENCODED_CHARS = 20 + MAX_FEATURES * MAX_BUCKETS * 9;

    public InputCounts {
        if (baselineId.isEmpty() || baselineId.indexOf('|') >= 0) {
            throw new IllegalArgumentException("a baseline id is non-empty, without '|': " + baselineId);
        }
        List<Map<Integer, Long>> copy = new ArrayList<>(features.size());
        features.forEach(f -> copy.add(Collections.unmodifiableMap(new TreeMap<>(f))));
        features = Collections.unmodifiableList(copy);
    }

    /** Whether these counts stay within {@link #MAX_FEATURES} features of {@link #MAX_BUCKETS} buckets. */
    public boolean withinLimits() {
        return features.size() <= MAX_FEATURES && features.stream()
                .allMatch(f -> f.keySet().stream().allMatch(b -> b < MAX_BUCKETS));
    }

    /** Counts from dense arrays: {@code counts[feature][bucket]}. */
    public static InputCounts of(String baselineId, long[][] counts) {
        List<Map<Integer, Long>> features = new ArrayList<>(counts.length);
        for (long[] feature : counts) {
            Map<Integer, Long> buckets = new TreeMap<>();
            for (int b = 0; b < feature.length; b++) {
                if (feature[b] != 0) {
                    buckets.put(b, feature[b]);
                }
            }
            features.add(buckets);
        }
        return new InputCounts(baselineId, features);
    }

    /** Nothing counted yet for {@code baselineId}'s {@code features} features. */
    public static InputCounts empty(String baselineId, int features) {
        return new InputCounts(baselineId, Collections.nCopies(features, Map.of()));
    }

    public String encode() {
        StringBuilder text = new StringBuilder(baselineId).append('|');
        for (int f = 0; f < features.size(); f++) {
            if (f > 0) {
                text.append(';');
            }
            boolean first = true;
            for (Map.Entry<Integer, Long> bucket : features.get(f).entrySet()) {
                if (!first) {
                    text.append(',');
                }
                first = false;
                text.append(bucket.getKey());
                if (bucket.getValue() != 1) {
                    text.append(':').append(bucket.getValue());
                }
            }
        }
        return text.toString();
    }

    /**
     * Reads {@link #encode}'s text.
     *
     * @throws IllegalArgumentException when it is not such text
     */
    public static InputCounts parse(String text) {
        int bar = text.indexOf('|');
        if (bar <= 0) {
            throw new IllegalArgumentException("input counts start with a baseline id and '|'");
        }
        List<Map<Integer, Long>> features = new ArrayList<>();
        String body = text.substring(bar + 1);
        for (String feature : body.split(";", -1)) {
            Map<Integer, Long> buckets = new TreeMap<>();
            if (!feature.isEmpty()) {
                for (String bucket : feature.split(",")) {
                    int colon = bucket.indexOf(':');
                    int index = Integer.parseInt(colon < 0 ? bucket : bucket.substring(0, colon));
                    long count = colon < 0 ? 1 : Long.parseLong(bucket.substring(colon + 1));
                    if (index < 0 || count < 0) {
                        throw new IllegalArgumentException("a negative bucket or count: " + bucket);
                    }
                    buckets.merge(index, count, Long::sum);
                }
            }
            features.add(buckets);
        }
        return new InputCounts(text.substring(0, bar), features);
    }

    /** These counts and {@code other}'s added bucket by bucket (the longer list of features kept). */
    public InputCounts plus(InputCounts other) {
        List<Map<Integer, Long>> sum = new ArrayList<>();
        for (int f = 0; f < Math.max(features.size(), other.features.size()); f++) {
            Map<Integer, Long> buckets = new TreeMap<>(f < features.size() ? features.get(f) : Map.of());
            if (f < other.features.size()) {
                other.features.get(f).forEach((b, c) -> buckets.merge(b, c, Long::sum));
            }
            sum.add(buckets);
        }
        return new InputCounts(baselineId, sum);
    }

    /** The rows counted: each row is in one bucket of every feature, so the first feature's total. */
    public long rows() {
        return features.isEmpty() ? 0 : features.get(0).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Feature {@code feature}'s counts over {@code buckets} buckets, dense; zeros for a feature not counted. */
    public long[] dense(int feature, int buckets) {
        long[] counts = new long[buckets];
        if (feature < features.size()) {
            features.get(feature).forEach((b, c) -> {
                if (b < buckets) {
                    counts[b] += c;
                }
            });
        }
        return counts;
    }
}
