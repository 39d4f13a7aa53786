package dev.mlapi.core.rollup;

import java.util.Map;
import java.util.TreeMap;
import java.util.Collections;

/**
 * A mergeable quantile sketch over positive values: counts in logarithmic buckets
 * (DDSketch-style). Bucket {@code i} holds values in {@code (γ^(i-1), γ^i]} with
 * {@code γ = (1 + α) / (1 - α)}; a quantile is answered with its bucket's midpoint
 * {@code 2γ^i / (γ + 1)}, which is within a relative error {@code α = 1%} of every value in the
 * bucket. Two sketches merge by adding counts bucket by bucket, so rollups of any time range or
 * group are sums of stored rollups. Values at or below {@link #MIN_VALUE} share one bucket.
 */
public final class LogSketch {

    /** The relative error of every quantile (and of min and max) this sketch answers. */
    public static final double RELATIVE_ERROR = 0.01;
    /** Values up to this (one microsecond) are counted as zero. */
    public static final double MIN_VALUE = 1e-6;
    /** The bucket of values at or below {@link #MIN_VALUE}. */
    public static final int ZERO_BUCKET = Integer.MIN_VALUE;

    private static final double GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
    private static final double LOG_GAMMA = Math.log(GAMMA);

    private final TreeMap<Integer, Long> counts = new TreeMap<>();
    private long total;

    /** The bucket a value falls in. */
    public static int bucketOf(double value) {
        return value <= MIN_VALUE ? ZERO_BUCKET : (int) Math.ceil(Math.log(value) / LOG_GAMMA);
    }

    /** The value a bucket stands for: within {@link #RELATIVE_ERROR} of everything in it. */
    public static double valueOf(int bucket) {
        return bucket == ZERO_BUCKET ? 0 : 2 * Math.pow(GAMMA, bucket) / (GAMMA + 1);
    }

    public LogSketch add(int bucket, long count) {
        if (count != 0) {
            counts.merge(bucket, count, Long::sum);
            total += count;
        }
        return this;
    }

    public LogSketch addValue(double value) {
        return add(bucketOf(value), 1);
    }

    public LogSketch merge(LogSketch other) {
        other.counts.forEach(this::add);
        return this;
    }

    public long count() {
        return total;
    }

    public Map<Integer, Long> buckets() {
        return Collections.unmodifiableMap(counts);
    }

    /**
     * The {@code q}-quantile (0 ≤ q ≤ 1) by the nearest-rank method on the sorted values: the
     * value of rank {@code ceil(q·n)} (at least 1); 0 for an empty sketch.
     */
    public double quantile(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (Map.Entry<Integer, Long> bucket : counts.entrySet()) {
            seen += bucket.getValue();
            if (seen >= rank) {
                return valueOf(bucket.getKey());
            }
        }
        return valueOf(counts.lastKey());
    }

    public double min() {
        return total == 0 ? 0 : valueOf(counts.firstKey());
    }

    public double max() {
        return total == 0 ? 0 : valueOf(counts.lastKey());
    }
}
