package dev.mlapi.classify.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.mlapi.registry.Manifest.ImagePreprocessing;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pure preprocessing: resize, crop, channel order, normalisation, layout, pixel formats. */
class ImagePreprocessorTest {

    static ImagePreprocessing raw(int resize, int crop, String order, String layout) {
        return new ImagePreprocessing(resize, crop, order, 1.0, List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0), layout,
                false);
    }

    static BufferedImage pattern(int width, int height, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, new Color(x * 7 % 256, y * 11 % 256, (x + y) * 5 % 256).getRGB());
            }
        }
        return image;
    }

    @ParameterizedTest
    @ValueSource(ints = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB,
            BufferedImage.TYPE_INT_BGR, BufferedImage.TYPE_4BYTE_ABGR})
    void toTensor_whenImageIsAlreadyCropSize_keepsEveryPixelExactly_inAnyPixelLayout(int type) {
        BufferedImage image = pattern(32, 32, type);

        ImageTensor tensor = ImagePreprocessor.toTensor(image, raw(32, 32, "RGB", "NCHW"));

        assertThat(tensor.shape()).containsExactly(1, 3, 32, 32);
        int plane = 32 * 32;
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                Color c = new Color(image.getRGB(x, y));
                int p = y * 32 + x;
                assertThat(tensor.data()[p]).isEqualTo(c.getRed());
                assertThat(tensor.data()[plane + p]).isEqualTo(c.getGreen());
                assertThat(tensor.data()[2 * plane + p]).isEqualTo(c.getBlue());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 90, 256})
    void toTensor_fromPackedRgbRows_isTheBufferedImagesTensor(int resize) {
        BufferedImage image = pattern(301, 203, BufferedImage.TYPE_3BYTE_BGR);
        byte[] rgb = new byte[301 * 203 * 3];
        for (int y = 0, at = 0; y < 203; y++) {
            for (int x = 0; x < 301; x++) {
                int argb = image.getRGB(x, y);
                rgb[at++] = (byte) (argb >> 16);
                rgb[at++] = (byte) (argb >> 8);
                rgb[at++] = (byte) argb;
            }
        }
        ImagePreprocessing p = raw(resize, Math.min(resize, 224), "RGB", "NCHW");

        assertThat(ImagePreprocessor.toTensor(RgbImage.packed(rgb, 301, 203), p))
                .isEqualTo(ImagePreprocessor.toTensor(image, p));
        assertThat(RgbImage.of(image).packedRgb()).isEqualTo(rgb);
    }

    @Test
    void toTensor_whenNhwc_interleavesTheSameValues() {
        BufferedImage image = pattern(16, 16, BufferedImage.TYPE_3BYTE_BGR);

        float[] nchw = ImagePreprocessor.toTensor(image, raw(16, 16, "RGB", "NCHW")).data();
        ImageTensor nhwc = ImagePreprocessor.toTensor(image, raw(16, 16, "RGB", "NHWC"));

        assertThat(nhwc.shape()).containsExactly(1, 16, 16, 3);
        for (int p = 0; p < 256; p++) {
            for (int c = 0; c < 3; c++) {
                assertThat(nhwc.data()[p * 3 + c]).isEqualTo(nchw[c * 256 + p]);
            }
        }
    }

    @Test
    void toTensor_whenBgrWithCaffeMeans_ordersChannelsFirstThenSubtractsMeansInThatOrder() {
        BufferedImage image = solid(new Color(200, 150, 100), 8, 8);
        var caffe = new ImagePreprocessing(8, 8, "BGR", 1.0, List.of(104.0, 117.0, 123.0), List.of(1.0, 1.0, 1.0),
                "NCHW", true);

        float[] data = ImagePreprocessor.toTensor(image, caffe).data();

        assertThat(data[0]).isEqualTo(100 - 104f);   // B
        assertThat(data[64]).isEqualTo(150 - 117f);  // G
        assertThat(data[128]).isEqualTo(200 - 123f); // R
    }

    @Test
    void toTensor_whenTorchNormalisation_scalesThenStandardises() {
        float[] data = ImagePreprocessor.toTensor(solid(new Color(255, 0, 128), 4, 4),
                new ImagePreprocessing(4, 4, "RGB", 1.0 / 255, List.of(0.485, 0.456, 0.406),
                        List.of(0.229, 0.224, 0.225), "NCHW", false)).data();

        assertThat(data[0]).isCloseTo((float) ((1 - 0.485) / 0.229), within(1e-5f));
        assertThat(data[16]).isCloseTo((float) ((0 - 0.456) / 0.224), within(1e-5f));
        assertThat(data[32]).isCloseTo((float) ((128 / 255.0 - 0.406) / 0.225), within(1e-5f));
    }

    @Test
    void resizeAndCrop_whenShrinking_averagesLikePillowsAntialiasedBilinear() {
        // one row 0, 100, 200, 250 repeated; halving it weighs 3 source pixels per output (3/7, 3/7, 1/7)
        BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_3BYTE_BGR);
        int[] row = {0, 100, 200, 250};
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                image.setRGB(x, y, new Color(row[x], row[x], row[x]).getRGB());
            }
        }

        int[] rgb = ImagePreprocessor.resizeAndCrop(image, 2, 2);

        assertThat(rgb).containsExactly(71, 71, 71, 207, 207, 207, 71, 71, 71, 207, 207, 207);
    }

    @Test
    void resizeAndCrop_whenLandscape_resizesTheShorterSideAndCropsTheCentre() {
        // 300×100: left third red, middle green, right blue → resized to 96×32, the centre crop is all green
        BufferedImage image = new BufferedImage(300, 100, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 300; x++) {
            Color c = x < 100 ? Color.RED : x < 200 ? Color.GREEN : Color.BLUE;
            for (int y = 0; y < 100; y++) {
                image.setRGB(x, y, c.getRGB());
            }
        }

        int[] rgb = ImagePreprocessor.resizeAndCrop(image, 32, 24);

        assertThat(rgb).hasSize(24 * 24 * 3);
        for (int p = 0; p < 24 * 24; p++) {
            assertThat(new int[] {rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]}).containsExactly(0, 255, 0);
        }
    }

    @Test
    void resizeAndCrop_whenEnlarging_interpolatesWithinTheSourceRange() {
        int[] rgb = ImagePreprocessor.resizeAndCrop(pattern(10, 10, BufferedImage.TYPE_3BYTE_BGR), 50, 50);

        assertThat(rgb).hasSize(50 * 50 * 3);
        assertThat(Arrays.stream(rgb).min().orElseThrow()).isGreaterThanOrEqualTo(0);
        assertThat(Arrays.stream(rgb).max().orElseThrow()).isLessThanOrEqualTo(255);
    }

    @Test
    void toTensor_whenGreyIndexedOrSixteenBit_readsTheRightColours() {
        BufferedImage grey = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 77);
        BufferedImage grey16 = new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSample(0, 0, 0, 0x8080);
        IndexColorModel palette = new IndexColorModel(8, 2, new byte[] {10, (byte) 200}, new byte[] {20, 0},
                new byte[] {30, 0});
        BufferedImage indexed = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED, palette);
        BufferedImage transparent = new BufferedImage(4, 4, BufferedImage.TYPE_4BYTE_ABGR);
        transparent.setRGB(0, 0, new Color(10, 20, 30, 0).getRGB());

        assertThat(firstPixel(grey)).containsExactly(77, 77, 77);
        assertThat(firstPixel(grey16)).containsExactly(128, 128, 128);
        assertThat(firstPixel(indexed)).containsExactly(10, 20, 30);
        assertThat(firstPixel(transparent)).containsExactly(10, 20, 30);
    }

    @Test
    void validate_whenPreprocessingIsInconsistent_namesTheProblem() {
        assertThatThrownBy(() -> ImagePreprocessor.validate(raw(224, 256, "RGB", "NCHW"))).hasMessageContaining("crop");
        assertThatThrownBy(() -> ImagePreprocessor.validate(raw(256, 224, "RGBA", "NCHW"))).hasMessageContaining("color order");
        assertThatThrownBy(() -> ImagePreprocessor.validate(raw(256, 224, "RGB", "CHW"))).hasMessageContaining("layout");
        assertThatThrownBy(() -> ImagePreprocessor.validate(new ImagePreprocessing(256, 224, "RGB", 1, List.of(0.0, 0.0, 0.0),
                List.of(1.0, 0.0, 1.0), "NCHW", false))).hasMessageContaining("std");
        assertThatThrownBy(() -> ImagePreprocessor.validate(new ImagePreprocessing(256, 224, "RGB", 1, List.of(0.0, 0.0),
                List.of(1.0, 1.0, 1.0), "NCHW", false))).hasMessageContaining("mean");
    }

    static int[] firstPixel(BufferedImage image) {
        int[] rgb = ImagePreprocessor.resizeAndCrop(image, 4, 4);
        return new int[] {rgb[0], rgb[1], rgb[2]};
    }

    static BufferedImage solid(Color color, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, color.getRGB());
            }
        }
        return image;
    }
}
