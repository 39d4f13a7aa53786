package dev.mlapi.core.image;

import static dev.mlapi.core.testkit.TestJpegs.jpeg;
import static dev.mlapi.core.testkit.TestJpegs.noisy;
import static dev.mlapi.core.testkit.TestJpegs.withProfile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.Unprocessable;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JPEG fast paths give the pixels ImageIO gives on its slow paths: an sRGB profile is dropped,
 * any other profile still converts, and progressive files read as YCbCr and converted once.
 */
class ImageDecoderJpegTest {

    private static final ImageDecoder DECODER = ImageDecoder.withDefaultLimits();

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void decode_whenJpegEmbedsSrgbProfile_givesImageIosConvertedPixels(boolean progressive) throws IOException {
        byte[] jpeg = withProfile(jpeg(noisy(67, 45), progressive), srgb(), 1);

        BufferedImage decoded = DECODER.decode(jpeg).pixels();

        assertThat(JpegHeaders.read(jpeg).icc()).isPresent();
        assertSamePixels(decoded, ImageIO.read(new ByteArrayInputStream(jpeg)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void decode_whenJpegEmbedsLinearRgbProfile_convertsToSrgb(boolean progressive) throws IOException {
        BufferedImage grey = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                grey.setRGB(x, y, 0x808080);
            }
        }
        byte[] jpeg = withProfile(jpeg(grey, progressive), ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData(), 1);

        BufferedImage decoded = DECODER.decode(jpeg).pixels();

        // 128 of 255 in linear light is about 188 in sRGB: converted, not taken as sRGB.
        assertThat(decoded.getRGB(8, 8) & 0xff).isBetween(180, 196);
        assertSamePixels(decoded, ImageIO.read(new ByteArrayInputStream(jpeg)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void decode_whenJpegIsProgressive_givesImageIosPixels(boolean large) throws IOException {
        // 2,100 × 2,100 is over the 4 MP the decoder materialises: it reads every other pixel.
        int side = large ? 2_100 : 97;
        byte[] progressive = jpeg(noisy(side, side - 36), true);
        assertThat(JpegHeaders.read(progressive).progressive()).isTrue();
        assertThat(JpegHeaders.read(progressive).ycbcr()).isTrue();
        int step = ImageDecoder.subsampling(side, side - 36);
        assertThat(step).isEqualTo(large ? 2 : 1);

        BufferedImage decoded = DECODER.decode(progressive).pixels();

        assertThat(decoded.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
        ImageReader reader = ImageIO.getImageReadersByFormatName("jpeg").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(progressive))) {
            reader.setInput(in);
            ImageReadParam param = reader.getDefaultReadParam();
            param.setSourceSubsampling(step, step, 0, 0);
            assertSamePixels(decoded, reader.read(0, param));
        } finally {
            reader.dispose();
        }
    }

    @Test
    void decode_whenProgressiveJpegHasAnAdobeMarker_leavesTheColourSpaceToImageIo() throws IOException {
        byte[] progressive = jpeg(noisy(40, 30), true);
        // APP14 "Adobe", version 100, flags 0 0, transform 1 (YCbCr): libjpeg decides the colour space.
        byte[] adobe = {(byte) 0xff, (byte) 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 1};
        byte[] tagged = new byte[progressive.length + adobe.length];
        System.arraycopy(progressive, 0, tagged, 0, 2);
        System.arraycopy(adobe, 0, tagged, 2, adobe.length);
        System.arraycopy(progressive, 2, tagged, 2 + adobe.length, progressive.length - 2);

        assertThat(JpegHeaders.read(tagged).ycbcr()).isFalse();
        assertSamePixels(DECODER.decode(tagged).pixels(), ImageIO.read(new ByteArrayInputStream(tagged)));
    }

    @Test
    void decode_whenProgressiveJpegIsTruncated_is422() throws IOException {
        byte[] progressive = jpeg(noisy(97, 61), true);
        byte[] truncated = Arrays.copyOf(progressive, progressive.length * 2 / 3);

        assertThatThrownBy(() -> DECODER.decode(truncated)).isInstanceOf(Unprocessable.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void decode_whenProfileIsSplitAcrossChunks_reassemblesIt() throws IOException {
        byte[] jpeg = withProfile(jpeg(noisy(20, 20), false), srgb(), 3);

        JpegHeaders headers = JpegHeaders.read(jpeg);

        assertThat(headers.iccSegments()).hasSize(3);
        assertThat(headers.icc()).hasValueSatisfying(icc -> assertThat(icc).isEqualTo(srgb()));
        assertThat(headers.withoutIcc(jpeg)).hasSize(jpeg.length - srgb().length - 3 * 18);
        assertSamePixels(DECODER.decode(jpeg).pixels(), DECODER.decode(jpeg(noisy(20, 20), false)).pixels());
    }

    @Test
    void decode_whenProfileIsGarbage_ignoresItAsPillowDoes() throws IOException {
        byte[] plain = jpeg(noisy(20, 20), false);
        byte[] garbage = new byte[300];
        new Random(7).nextBytes(garbage);

        BufferedImage decoded = DECODER.decode(withProfile(plain, garbage, 1)).pixels();

        assertSamePixels(decoded, ImageIO.read(new ByteArrayInputStream(plain)));
    }

    @Test
    void jpegHeaders_whenMarkersAreCutShort_stopsWithoutFailing() throws IOException {
        byte[] jpeg = withProfile(jpeg(noisy(20, 20), false), srgb(), 2);
        for (int length = 4; length < 400; length += 3) {
            JpegHeaders headers = JpegHeaders.read(Arrays.copyOf(jpeg, length));
            assertThat(headers.icc().isEmpty() || Arrays.equals(headers.icc().get(), srgb())).isTrue();
        }
    }

    @Test
    void isSrgb_tellsSrgbFromOtherPrimariesAndCurves() {
        assertThat(IccProfiles.isSrgb(ICC_Profile.getInstance(ColorSpace.CS_sRGB))).isTrue();
        assertThat(IccProfiles.isSrgb(ICC_Profile.getInstance(srgb()))).isTrue();
        assertThat(IccProfiles.isSrgb(ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB))).isFalse();
        assertThat(IccProfiles.isSrgb(ICC_Profile.getInstance(ColorSpace.CS_GRAY))).isFalse();

        ICC_Profile wideRed = ICC_Profile.getInstance(srgb());
        // Adobe RGB's red primary (D50-adapted): same curves, other primaries.
        wideRed.setData(ICC_Profile.icSigRedColorantTag, xyz(0.6097, 0.3111, 0.0195));
        assertThat(IccProfiles.isSrgb(wideRed)).isFalse();
    }

    private static byte[] srgb() {
        return ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData();
    }

    private static byte[] xyz(double x, double y, double z) {
        ByteBuffer tag = ByteBuffer.allocate(20);
        tag.put("XYZ ".getBytes(StandardCharsets.US_ASCII)).putInt(0);
        for (double v : new double[] {x, y, z}) {
            tag.putInt((int) Math.round(v * 65536));
        }
        return tag.array();
    }

    static void assertSamePixels(BufferedImage actual, BufferedImage expected) {
        assertThat(actual.getWidth()).isEqualTo(expected.getWidth());
        assertThat(actual.getHeight()).isEqualTo(expected.getHeight());
        int width = actual.getWidth();
        int[] a = actual.getRGB(0, 0, width, actual.getHeight(), null, 0, width);
        int[] b = expected.getRGB(0, 0, width, expected.getHeight(), null, 0, width);
        assertThat(a).isEqualTo(b);
    }
}
