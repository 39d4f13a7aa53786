package dev.mlapi.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;

/**
 * libjpeg's YCbCr → RGB conversion (jdcolor.c: 16-bit fixed point, the same tables), so the
 * pixels are exactly those libjpeg (and libjpeg-turbo, whose SIMD code is bit-exact with it)
 * would have produced.
 */
final class YCbCr {

    private static final int SCALE_BITS = 16;
    private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
    private static final int[] CR_TO_R = new int[256];
    private static final int[] CB_TO_B = new int[256];
    private static final int[] CR_TO_G = new int[256];
    private static final int[] CB_TO_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_TO_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALE_BITS;
            CB_TO_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALE_BITS;
            CR_TO_G[i] = -fix(0.71414) * x;
            CB_TO_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private YCbCr() {
    }

    private static int fix(double x) {
        return (int) (x * (1L << SCALE_BITS) + 0.5);
    }

    /** The YCbCr samples of {@code raster} (3 interleaved byte bands, as ImageIO's JPEG {@code readRaster} returns) as an sRGB image. */
    static BufferedImage toRgb(Raster raster) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        ComponentSampleModel layout = (ComponentSampleModel) raster.getSampleModel();
        int[] offsets = layout.getBandOffsets();
        if (raster.getNumBands() != 3 || layout.getPixelStride() != 3 || offsets[0] != 0 || offsets[1] != 1
                || offsets[2] != 2 || layout.getScanlineStride() != width * 3) {
            throw new IllegalStateException("unexpected JPEG raster layout");
        }
        byte[] source = ((DataBufferByte) raster.getDataBuffer()).getData();
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        int base = raster.getDataBuffer().getOffset();
        for (int i = 0, n = width * height * 3; i < n; i += 3) {
            int y = source[base + i] & 0xff;
            int cb = source[base + i + 1] & 0xff;
            int cr = source[base + i + 2] & 0xff;
            bgr[i] = clip(y + CB_TO_B[cb]);
            bgr[i + 1] = clip(y + ((CB_TO_G[cb] + CR_TO_G[cr]) >> SCALE_BITS));
            bgr[i + 2] = clip(y + CR_TO_R[cr]);
        }
        return image;
    }

    private static byte clip(int value) {
        return (byte) (value < 0 ? 0 : Math.min(value, 255));
    }
}
