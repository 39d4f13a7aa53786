package dev.mlapi.classify.image;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * Decoded pixels as {@link ImagePreprocessor} reads them: either a {@link BufferedImage} (what
 * ImageIO decodes) or packed 8-bit R, G, B rows (what {@link TurboJpeg} decodes, no copy into a
 * {@code BufferedImage}).
 */
public final class RgbImage {

    private final BufferedImage image;
    private final byte[] rgb;
    private final int width;
    private final int height;

    private RgbImage(BufferedImage image, byte[] rgb, int width, int height) {
        this.image = image;
        this.rgb = rgb;
        this.width = width;
        this.height = height;
    }

    public static RgbImage of(BufferedImage image) {
        return new RgbImage(Objects.requireNonNull(image), null, image.getWidth(), image.getHeight());
    }

    /** {@code width × height} pixels, row by row, 3 bytes (R, G, B) each. */
    public static RgbImage packed(byte[] rgb, int width, int height) {
        if (width <= 0 || height <= 0 || rgb.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + width + "×" + height + "×3 bytes, got " + rgb.length);
        }
        return new RgbImage(null, rgb, width, height);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** A new reader of the rows (readers keep scratch buffers: one per use). */
    RgbRows rows() {
        return image != null ? RgbRows.of(image) : RgbRows.packed(rgb, width, height);
    }

    /** The pixels as packed R, G, B bytes, row by row (a copy when they are a {@code BufferedImage}). */
    public byte[] packedRgb() {
        if (rgb != null) {
            return rgb;
        }
        byte[] out = new byte[width * height * 3];
        int[] row = new int[width * 3];
        RgbRows rows = rows();
        for (int y = 0, at = 0; y < height; y++) {
            rows.read(y, 0, width, row);
            for (int v : row) {
                out[at++] = (byte) v;
            }
        }
        return out;
    }
}
