package dev.mlapi.classify.image;

/**
 * Fixed-point weights for resampling one axis with an antialiased bilinear (triangle) filter,
 * computed the way Pillow's {@code Image.resize(..., BILINEAR)} does: when shrinking, the filter
 * widens with the scale so every source pixel contributes. torchvision's reference preprocessing
 * (and so the accuracy the model zoo reports) uses exactly this filter.
 *
 * <p>Only the output positions {@code [first, first + count)} are computed: the centre crop.
 */
final class BilinearAxis {

    static final int PRECISION_BITS = 32 - 8 - 2;
    static final int HALF = 1 << (PRECISION_BITS - 1);

    final int[] start;
    final int[] taps;
    final int[] weights;
    final int stride;

    private BilinearAxis(int[] start, int[] taps, int[] weights, int stride) {
        this.start = start;
        this.taps = taps;
        this.weights = weights;
        this.stride = stride;
    }

    static BilinearAxis of(int inSize, int outSize, int first, int count) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale;
        int stride = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[count];
        int[] taps = new int[count];
        int[] weights = new int[count * stride];
        double[] kernel = new double[stride];
        for (int i = 0; i < count; i++) {
            double center = (first + i + 0.5) * scale;
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize) - min;
            double total = 0;
            for (int x = 0; x < max; x++) {
                double w = triangle((x + min - center + 0.5) / filterScale);
                kernel[x] = w;
                total += w;
            }
            for (int x = 0; x < max; x++) {
                double w = total == 0 ? 0 : kernel[x] / total;
                weights[i * stride + x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
            }
            start[i] = min;
            taps[i] = max;
        }
        return new BilinearAxis(start, taps, weights, stride);
    }

    private static double triangle(double x) {
        double a = Math.abs(x);
        return a < 1.0 ? 1.0 - a : 0.0;
    }

    static int clip8(int accumulated) {
        if (accumulated <= 0) {
            return 0;
        }
        int value = accumulated >> PRECISION_BITS;
        return Math.min(value, 255);
    }
}
