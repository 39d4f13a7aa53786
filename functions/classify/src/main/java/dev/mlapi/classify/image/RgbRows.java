package dev.mlapi.classify.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.DirectColorModel;
import java.awt.image.Raster;
import java.awt.image.SinglePixelPackedSampleModel;

/**
 * Reads rows of any {@link BufferedImage} as 8-bit R, G, B triples, ignoring alpha (as PIL's
 * {@code convert("RGB")} does).
 *
 * <p>The layouts ImageIO produces for JPEG and PNG are read straight from the raster's buffer;
 * anything else (palettes, 16-bit samples…) goes through {@link BufferedImage#getRGB}.
 */
abstract class RgbRows {

    final int width;
    final int height;

    private RgbRows(BufferedImage image) {
        this(image.getWidth(), image.getHeight());
    }

    private RgbRows(int width, int height) {
        this.width = width;
        this.height = height;
    }

    /**
     * Writes pixels {@code [from, to)} of row {@code y} into {@code rgb} as {@code r, g, b}, pixel
     * {@code x} at index {@code 3x}.
     */
    abstract void read(int y, int from, int to, int[] rgb);

    static RgbRows of(BufferedImage image) {
        Raster raster = image.getRaster();
        ColorSpace space = image.getColorModel().getColorSpace();
        boolean topLeft = raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0;
        if (topLeft && raster.getDataBuffer() instanceof DataBufferByte bytes && bytes.getNumBanks() == 1
                && raster.getSampleModel() instanceof ComponentSampleModel model && allSamplesAre8Bit(model)) {
            if (space.isCS_sRGB() && model.getNumBands() >= 3) {
                return new InterleavedBytes(image, bytes, model, false);
            }
            if (space.getType() == ColorSpace.TYPE_GRAY && model.getNumBands() <= 2) {
                return new InterleavedBytes(image, bytes, model, true);
            }
        }
        if (topLeft && raster.getDataBuffer() instanceof DataBufferInt ints && ints.getNumBanks() == 1
                && raster.getSampleModel() instanceof SinglePixelPackedSampleModel model
                && image.getColorModel() instanceof DirectColorModel colors && space.isCS_sRGB()
                && !colors.isAlphaPremultiplied()) {
            return new PackedInts(image, ints, model, colors);
        }
        if (space.getType() == ColorSpace.TYPE_GRAY && raster.getNumBands() <= 2) {
            return new GreySamples(image);
        }
        return new Generic(image);
    }

    /** {@code width × height} pixels packed as R, G, B bytes, row by row (TurboJPEG's {@code TJPF_RGB}). */
    static RgbRows packed(byte[] rgb, int width, int height) {
        return new PackedBytes(rgb, width, height);
    }

    private static boolean allSamplesAre8Bit(ComponentSampleModel model) {
        for (int size : model.getSampleSize()) {
            if (size != 8) {
                return false;
            }
        }
        return true;
    }

    /** One byte per sample, pixels interleaved (JPEG's 3BYTE_BGR, PNG's 4BYTE_ABGR, grey). */
    private static final class InterleavedBytes extends RgbRows {
        private final byte[] data;
        private final int offset;
        private final int scanlineStride;
        private final int pixelStride;
        private final int red;
        private final int green;
        private final int blue;

        InterleavedBytes(BufferedImage image, DataBufferByte buffer, ComponentSampleModel model, boolean grey) {
            super(image);
            this.data = buffer.getData();
            this.offset = buffer.getOffset();
            this.scanlineStride = model.getScanlineStride();
            this.pixelStride = model.getPixelStride();
            int[] bands = model.getBandOffsets();
            this.red = bands[0];
            this.green = grey ? bands[0] : bands[1];
            this.blue = grey ? bands[0] : bands[2];
        }

        @Override
        void read(int y, int from, int to, int[] rgb) {
            int p = offset + y * scanlineStride + from * pixelStride;
            for (int x = from, o = from * 3; x < to; x++, p += pixelStride, o += 3) {
                rgb[o] = data[p + red] & 0xff;
                rgb[o + 1] = data[p + green] & 0xff;
                rgb[o + 2] = data[p + blue] & 0xff;
            }
        }
    }

    /** Packed R, G, B bytes without padding. */
    private static final class PackedBytes extends RgbRows {
        private final byte[] data;

        PackedBytes(byte[] data, int width, int height) {
            super(width, height);
            this.data = data;
        }

        @Override
        void read(int y, int from, int to, int[] rgb) {
            for (int p = (y * width + from) * 3, o = from * 3, end = (y * width + to) * 3; p < end; p++, o++) {
                rgb[o] = data[p] & 0xff;
            }
        }
    }

    /** One int per pixel with 8-bit channel masks (INT_RGB, INT_ARGB, INT_BGR). */
    private static final class PackedInts extends RgbRows {
        private final int[] data;
        private final int offset;
        private final int scanlineStride;
        private final Channel red;
        private final Channel green;
        private final Channel blue;

        PackedInts(BufferedImage image, DataBufferInt buffer, SinglePixelPackedSampleModel model,
                DirectColorModel colors) {
            super(image);
            this.data = buffer.getData();
            this.offset = buffer.getOffset();
            this.scanlineStride = model.getScanlineStride();
            this.red = new Channel(colors.getRedMask());
            this.green = new Channel(colors.getGreenMask());
            this.blue = new Channel(colors.getBlueMask());
        }

        @Override
        void read(int y, int from, int to, int[] rgb) {
            int p = offset + y * scanlineStride;
            for (int x = from, o = from * 3; x < to; x++, o += 3) {
                int pixel = data[p + x];
                rgb[o] = red.value(pixel);
                rgb[o + 1] = green.value(pixel);
                rgb[o + 2] = blue.value(pixel);
            }
        }

        private record Channel(int mask, int shift, int max) {
            Channel(int mask) {
                this(mask, Integer.numberOfTrailingZeros(mask), (mask >>> Integer.numberOfTrailingZeros(mask)));
            }

            int value(int pixel) {
                int v = (pixel & mask) >>> shift;
                return max == 255 ? v : (v * 255 + max / 2) / max;
            }
        }
    }

    /**
     * Grey of any depth (16-bit PNGs), sample values taken as they are. {@code getRGB} would treat
     * Java's linear grey colour space as linear light and brighten every pixel.
     */
    private static final class GreySamples extends RgbRows {
        private final Raster raster;
        private final int max;
        private final int[] samples;

        GreySamples(BufferedImage image) {
            super(image);
            this.raster = image.getRaster();
            this.max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
            this.samples = new int[width];
        }

        @Override
        void read(int y, int from, int to, int[] rgb) {
            raster.getSamples(from, y, to - from, 1, 0, samples);
            for (int x = from, o = from * 3; x < to; x++, o += 3) {
                int v = max == 255 ? samples[x - from] : (int) ((samples[x - from] * 255L + max / 2) / max);
                rgb[o] = v;
                rgb[o + 1] = v;
                rgb[o + 2] = v;
            }
        }
    }

    /** Whatever else (palettes, 16-bit colour…): Java2D converts each pixel to sRGB. */
    private static final class Generic extends RgbRows {
        private final BufferedImage image;
        private final int[] argb;

        Generic(BufferedImage image) {
            super(image);
            this.image = image;
            this.argb = new int[width];
        }

        @Override
        void read(int y, int from, int to, int[] rgb) {
            image.getRGB(from, y, to - from, 1, argb, 0, width);
            for (int x = from, o = from * 3; x < to; x++, o += 3) {
                int pixel = argb[x - from];
                rgb[o] = (pixel >> 16) & 0xff;
                rgb[o + 1] = (pixel >> 8) & 0xff;
                rgb[o + 2] = pixel & 0xff;
            }
        }
    }
}
