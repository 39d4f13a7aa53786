package dev.mlapi.classify.image;

import dev.mlapi.registry.Manifest.ImagePreprocessing;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Locale;

/**
 * Turns a decoded image into a model's input tensor exactly as its manifest says: resize the
 * shorter side (antialiased bilinear), centre-crop, order the channels, scale, subtract the mean
 * and divide by the standard deviation per channel (both given in the tensor's channel order),
 * and lay out as NCHW or NHWC.
 *
 * <p>Resized pixels are rounded to 8 bits between and after the two passes, as Pillow does, so
 * the tensor matches the torchvision/Caffe reference pipelines the models were trained with.
 */
public final class ImagePreprocessor {

    private ImagePreprocessor() {
    }

    /** Throws {@link IllegalArgumentException} naming what is wrong with {@code p}. */
    public static void validate(ImagePreprocessing p) {
        require(p.resize() > 0, "resize must be positive, got " + p.resize());
        require(p.crop() > 0 && p.crop() <= p.resize(), "crop must be between 1 and resize, got " + p.crop());
        String order = String.valueOf(p.colorOrder()).toUpperCase(Locale.ROOT);
        require(order.equals("RGB") || order.equals("BGR"), "color order must be RGB or BGR, got " + p.colorOrder());
        String layout = String.valueOf(p.layout()).toUpperCase(Locale.ROOT);
        require(layout.equals("NCHW") || layout.equals("NHWC"), "layout must be NCHW or NHWC, got " + p.layout());
        require(p.scale() > 0 && Double.isFinite(p.scale()), "scale must be a positive number, got " + p.scale());
        require(p.mean().size() == 3, "mean needs 3 values, got " + p.mean().size());
        require(p.std().size() == 3, "std needs 3 values, got " + p.std().size());
        for (Double std : p.std()) {
            require(std != null && std != 0 && Double.isFinite(std), "std values must be non-zero numbers");
        }
        for (Double mean : p.mean()) {
            require(mean != null && Double.isFinite(mean), "mean values must be numbers");
        }
    }

    public static ImageTensor toTensor(BufferedImage image, ImagePreprocessing p) {
        return toTensor(RgbImage.of(image), p);
    }

    public static ImageTensor toTensor(RgbImage image, ImagePreprocessing p) {
        validate(p);
        int[] crop = resizeAndCrop(image.rows(), p.resize(), p.crop());
        return normalise(crop, p);
    }

    /** The centre crop of the resized image as 8-bit interleaved R, G, B, {@code size × size} pixels. */
    static int[] resizeAndCrop(BufferedImage image, int resize, int size) {
        return resizeAndCrop(RgbRows.of(image), resize, size);
    }

    /** As {@link #resizeAndCrop(BufferedImage, int, int)}, from rows of any decoded form. */
    static int[] resizeAndCrop(RgbRows reader, int resize, int size) {
        int width = reader.width;
        int height = reader.height;
        int resizedWidth;
        int resizedHeight;
        if (width <= height) {
            resizedWidth = resize;
            resizedHeight = (int) Math.max(1, (long) resize * height / width);
        } else {
            resizedHeight = resize;
            resizedWidth = (int) Math.max(1, (long) resize * width / height);
        }
        int top = (int) Math.rint((resizedHeight - size) / 2.0);
        int left = (int) Math.rint((resizedWidth - size) / 2.0);
        BilinearAxis columns = BilinearAxis.of(width, resizedWidth, left, size);
        BilinearAxis rows = BilinearAxis.of(height, resizedHeight, top, size);

        int firstRow = rows.start[0];
        int lastRow = 0;
        for (int j = 0; j < size; j++) {
            lastRow = Math.max(lastRow, rows.start[j] + rows.taps[j]);
        }
        int firstColumn = columns.start[0];
        int lastColumn = 0;
        for (int i = 0; i < size; i++) {
            lastColumn = Math.max(lastColumn, columns.start[i] + columns.taps[i]);
        }
        int stride = size * 3;
        int[] horizontal = new int[(lastRow - firstRow) * stride];
        int[] source = new int[width * 3];
        for (int y = firstRow; y < lastRow; y++) {
            reader.read(y, firstColumn, lastColumn, source);
            int out = (y - firstRow) * stride;
            for (int i = 0; i < size; i++, out += 3) {
                int r = BilinearAxis.HALF;
                int g = BilinearAxis.HALF;
                int b = BilinearAxis.HALF;
                int k = i * columns.stride;
                int p = columns.start[i] * 3;
                for (int t = 0, taps = columns.taps[i]; t < taps; t++, p += 3) {
                    int w = columns.weights[k + t];
                    r += source[p] * w;
                    g += source[p + 1] * w;
                    b += source[p + 2] * w;
                }
                horizontal[out] = BilinearAxis.clip8(r);
                horizontal[out + 1] = BilinearAxis.clip8(g);
                horizontal[out + 2] = BilinearAxis.clip8(b);
            }
        }
        // Vertical pass row by row: each tap adds a whole contiguous source row, which the JIT vectorises.
        int[] result = new int[size * stride];
        int[] sum = new int[stride];
        for (int j = 0; j < size; j++) {
            Arrays.fill(sum, BilinearAxis.HALF);
            int k = j * rows.stride;
            for (int t = 0, taps = rows.taps[j]; t < taps; t++) {
                int w = rows.weights[k + t];
                int base = (rows.start[j] + t - firstRow) * stride;
                for (int i = 0; i < stride; i++) {
                    sum[i] += horizontal[base + i] * w;
                }
            }
            int out = j * stride;
            for (int i = 0; i < stride; i++) {
                result[out + i] = BilinearAxis.clip8(sum[i]);
            }
        }
        return result;
    }

    private static ImageTensor normalise(int[] rgb, ImagePreprocessing p) {
        int size = p.crop();
        int plane = size * size;
        boolean bgr = p.colorOrder().equalsIgnoreCase("BGR");
        boolean nchw = p.layout().equalsIgnoreCase("NCHW");
        float[] multiplier = new float[3];
        float[] offset = new float[3];
        for (int c = 0; c < 3; c++) {
            // (v * scale - mean) / std, folded into v * multiplier + offset
            double std = p.std().get(c);
            multiplier[c] = (float) (p.scale() / std);
            offset[c] = (float) (-p.mean().get(c) / std);
        }
        float[] data = new float[plane * 3];
        for (int c = 0; c < 3; c++) {
            int source = bgr ? 2 - c : c;
            float m = multiplier[c];
            float o = offset[c];
            if (nchw) {
                for (int pixel = 0, at = c * plane; pixel < plane; pixel++, at++) {
                    data[at] = rgb[pixel * 3 + source] * m + o;
                }
            } else {
                for (int pixel = 0; pixel < plane; pixel++) {
                    data[pixel * 3 + c] = rgb[pixel * 3 + source] * m + o;
                }
            }
        }
        long[] shape = nchw ? new long[] {1, 3, size, size} : new long[] {1, size, size, 3};
        return new ImageTensor(data, shape);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
