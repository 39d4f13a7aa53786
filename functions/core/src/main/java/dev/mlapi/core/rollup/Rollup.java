package dev.mlapi.core.rollup;

import dev.mlapi.core.requestlog.RequestLogEntry;

/**
 * What a set of logged requests adds up to: counts and sums (exact), the smallest and largest
 * processing time (exact) and a {@link LogSketch} of processing times (quantiles within its 1%
 * relative error). Rollups merge by addition (and min/max by taking the smaller/larger), so any time
 * range or group is the merge of stored rollups.
 */
public final class Rollup {

    private long requests;
    private long clientErrors;
    private long serverErrors;
    private double processingTimeSum;
    private long inputSizeSum;
    private long images;
    private long imageWidthSum;
    private long imageHeightSum;
    private final LogSketch processingTimes = new LogSketch();
    /** Exact bounds of the processing times; NaN while unknown (no request, or stored without them). */
    private double processingTimeMin = Double.NaN;
    private double processingTimeMax = Double.NaN;

    public static Rollup of(RequestLogEntry entry) {
        Rollup rollup = new Rollup();
        rollup.requests = 1;
        rollup.clientErrors = entry.statusCode() / 100 == 4 ? 1 : 0;
        rollup.serverErrors = entry.statusCode() / 100 == 5 ? 1 : 0;
        rollup.processingTimeSum = entry.processingTime();
        rollup.inputSizeSum = entry.inputSize();
        if (entry.imageWidth().isPresent() && entry.imageHeight().isPresent()) {
            rollup.images = 1;
            rollup.imageWidthSum = entry.imageWidth().get();
            rollup.imageHeightSum = entry.imageHeight().get();
        }
        rollup.processingTimes.addValue(entry.processingTime());
        rollup.processingTimeMin = entry.processingTime();
        rollup.processingTimeMax = entry.processingTime();
        return rollup;
    }

    /** A rollup from stored sums (the sketch and the bounds are filled by the caller). */
    public static Rollup of(long requests, long clientErrors, long serverErrors, double processingTimeSum,
            long inputSizeSum, long images, long imageWidthSum, long imageHeightSum) {
        Rollup rollup = new Rollup();
        rollup.requests = requests;
        rollup.clientErrors = clientErrors;
        rollup.serverErrors = serverErrors;
        rollup.processingTimeSum = processingTimeSum;
        rollup.inputSizeSum = inputSizeSum;
        rollup.images = images;
        rollup.imageWidthSum = imageWidthSum;
        rollup.imageHeightSum = imageHeightSum;
        return rollup;
    }

    public Rollup merge(Rollup other) {
        requests += other.requests;
        clientErrors += other.clientErrors;
        serverErrors += other.serverErrors;
        processingTimeSum += other.processingTimeSum;
        inputSizeSum += other.inputSizeSum;
        images += other.images;
        imageWidthSum += other.imageWidthSum;
        imageHeightSum += other.imageHeightSum;
        processingTimes.merge(other.processingTimes);
        if (other.requests > 0) { // a purged-out rollup (no requests left) bounds nothing
            processingTimeMin = lower(processingTimeMin, other.processingTimeMin);
            processingTimeMax = higher(processingTimeMax, other.processingTimeMax);
        }
        return this;
    }

    /** Sets the exact bounds of the processing times (as stored beside the sums). */
    public Rollup withBounds(double min, double max) {
        processingTimeMin = min;
        processingTimeMax = max;
        return this;
    }

    private static double lower(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.min(a, b);
    }

    private static double higher(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }

    /**
     * The smallest processing time: exact; from the sketch (within its 1%) only for rollups stored
     * before bounds were kept; 0 without requests.
     */
    public double minProcessingTime() {
        return requests == 0 ? 0 : Double.isNaN(processingTimeMin) ? processingTimes.min() : processingTimeMin;
    }

    /** The largest processing time, as {@link #minProcessingTime()}. */
    public double maxProcessingTime() {
        return requests == 0 ? 0 : Double.isNaN(processingTimeMax) ? processingTimes.max() : processingTimeMax;
    }

    /** Whether the exact bounds are known (false for rollups stored before they were kept). */
    public boolean hasBounds() {
        return !Double.isNaN(processingTimeMin) && !Double.isNaN(processingTimeMax);
    }

    public long requests() {
        return requests;
    }

    public long clientErrors() {
        return clientErrors;
    }

    public long serverErrors() {
        return serverErrors;
    }

    public double processingTimeSum() {
        return processingTimeSum;
    }

    public long inputSizeSum() {
        return inputSizeSum;
    }

    public long images() {
        return images;
    }

    public long imageWidthSum() {
        return imageWidthSum;
    }

    public long imageHeightSum() {
        return imageHeightSum;
    }

    public LogSketch processingTimes() {
        return processingTimes;
    }

    public double errorRate() {
        return requests == 0 ? 0 : (double) (clientErrors + serverErrors) / requests;
    }

    public double meanProcessingTime() {
        return requests == 0 ? 0 : processingTimeSum / requests;
    }

    public double averageInputSize() {
        return requests == 0 ? 0 : (double) inputSizeSum / requests;
    }

    public double averageImageWidth() {
        return images == 0 ? 0 : (double) imageWidthSum / images;
    }

    public double averageImageHeight() {
        return images == 0 ? 0 : (double) imageHeightSum / images;
    }
}
