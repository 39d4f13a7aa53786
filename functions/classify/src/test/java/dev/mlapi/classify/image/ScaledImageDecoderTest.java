package dev.mlapi.classify.image;

import static dev.mlapi.core.testkit.TestJpegs.jpeg;
import static dev.mlapi.core.testkit.TestJpegs.noisy;
import static dev.mlapi.core.testkit.TestJpegs.withProfile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Platform;
import dev.mlapi.classify.TestImages;
import dev.mlapi.classify.image.ScaledImageDecoder.Decoded;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.core.image.ImageDecoder;
import java.awt.Color;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Classify's decoder: JPEGs through TurboJPEG at Pillow's draft scale, the same limits and 4xx as
 * {@link ImageDecoder}, and {@link ImageDecoder} for everything TurboJPEG should not decode.
 * (Pixels against Pillow's, per shared photo: {@code SharedPhotosTest}.)
 */
class ScaledImageDecoderTest {

    static final ScaledImageDecoder DECODER = ScaledImageDecoder.withDefaultLimits();
    static final ImageDecoder IMAGEIO = ImageDecoder.withDefaultLimits();

    @BeforeAll
    static void loaded() {
        // The jar carries the library for linux-x86-64 (what Lambda runs): there it must load.
        if (Platform.RESOURCE_PREFIX.equals("linux-x86-64")) {
            assertThat(ScaledImageDecoder.nativeJpeg()).as(String.valueOf(TurboJpeg.unavailableBecause())).isTrue();
        }
    }

    @Test
    void scale_isPillowsDraftScale_theLargestOf8421KeepingTheShorterSideAtLeastTheResize() {
        assertThat(ScaledImageDecoder.scale(640, 426, 256)).isEqualTo(1);
        assertThat(ScaledImageDecoder.scale(511, 900, 256)).isEqualTo(1); // ceil(511/2) = 256, but Pillow: 511 // 256 = 1
        assertThat(ScaledImageDecoder.scale(512, 900, 256)).isEqualTo(2);
        assertThat(ScaledImageDecoder.scale(1280, 853, 256)).isEqualTo(2);
        assertThat(ScaledImageDecoder.scale(1100, 1024, 256)).isEqualTo(4);
        assertThat(ScaledImageDecoder.scale(1535, 1600, 256)).isEqualTo(4); // 5 → 4
        assertThat(ScaledImageDecoder.scale(4000, 3000, 256)).isEqualTo(8); // 11 → 8, never below 1/8
        assertThat(ScaledImageDecoder.scale(100, 80, 256)).isEqualTo(1);
        assertThat(ScaledImageDecoder.scale(4000, 3000, 0)).isEqualTo(1);
    }

    @Test
    void decode_whenJpeg_decodesAtTheDraftScale_andReportsTheDeclaredSize() {
        byte[] jpeg = jpeg(noisy(1030, 700), false);

        Decoded decoded = DECODER.decode(jpeg, 256);

        assertThat(decoded.format()).isEqualTo("jpeg");
        assertThat(decoded.width()).isEqualTo(1030);
        assertThat(decoded.height()).isEqualTo(700);
        assertThat(decoded.bytes()).isEqualTo(jpeg.length);
        if (ScaledImageDecoder.nativeJpeg()) {
            assertThat(decoded.scale()).isEqualTo(2);
            assertThat(decoded.pixels().width()).isEqualTo(515);
            assertThat(decoded.pixels().height()).isEqualTo(350);
        }
    }

    @ParameterizedTest(name = "progressive={0}")
    @ValueSource(booleans = {false, true})
    void decode_atFullSize_givesImageDecodersPixels(boolean progressive) {
        byte[] jpeg = jpeg(noisy(301, 203), progressive);

        Decoded decoded = DECODER.decode(jpeg, 0);

        assertThat(decoded.scale()).isEqualTo(1);
        assertThat(decoded.pixels().packedRgb()).isEqualTo(RgbImage.of(IMAGEIO.decode(jpeg).pixels()).packedRgb());
    }

    @Test
    void decode_whenGreyJpeg_givesGreyAsRgb() {
        BufferedImage grey = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(10, 10, 0, 200);
        byte[] jpeg = jpeg(grey, false);

        assertThat(DECODER.decode(jpeg, 0).pixels().packedRgb())
                .isEqualTo(RgbImage.of(IMAGEIO.decode(jpeg).pixels()).packedRgb());
    }

    @Test
    void decode_whenJpegIsTruncated_is422() {
        assertThatThrownBy(() -> DECODER.decode(TestImages.truncatedJpeg(), 256))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("truncated");
    }

    @Test
    void decode_whenEmpty_is400_andWhenNotAnImage_is422() {
        assertThatThrownBy(() -> DECODER.decode(new byte[0], 256)).isInstanceOf(InvalidInput.class);
        assertThatThrownBy(() -> DECODER.decode(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0, 1, 2}, 256))
                .isInstanceOf(Unprocessable.class);
    }

    @Test
    void decode_whenJpegHeaderDeclaresTooManyPixels_is413BeforeDecoding() {
        byte[] small = jpeg(noisy(64, 64), false);

        // 9000×9000 is 81 MP (limit 40 MP); 10001 exceeds the side limit; the scan holds 64×64 pixels' data
        assertThatThrownBy(() -> DECODER.decode(withDeclaredSize(small, 9000, 9000), 256))
                .isInstanceOf(PayloadTooLarge.class).hasMessageContaining("9000×9000");
        assertThatThrownBy(() -> DECODER.decode(withDeclaredSize(small, 10_001, 16), 256))
                .isInstanceOf(PayloadTooLarge.class);
    }

    @Test
    void decode_whenTighterLimits_appliesThemToJpegs() {
        ScaledImageDecoder tight = new ScaledImageDecoder(new ImageDecoder(100, 10));

        assertThat(tight.decode(TestImages.jpeg(Color.RED, 10, 10), 256).width()).isEqualTo(10);
        assertThatThrownBy(() -> tight.decode(TestImages.jpeg(Color.RED, 11, 9), 256))
                .isInstanceOf(PayloadTooLarge.class);
    }

    @Test
    void decode_whenPng_usesImageDecoder() {
        byte[] png = TestImages.encode(TestImages.noisy(40, 30), "png");

        Decoded decoded = DECODER.decode(png, 16);

        assertThat(decoded.format()).isEqualTo("png");
        assertThat(decoded.scale()).isEqualTo(1);
        assertThat(decoded.pixels().packedRgb()).isEqualTo(RgbImage.of(IMAGEIO.decode(png).pixels()).packedRgb());
    }

    @ParameterizedTest(name = "progressive={0}")
    @ValueSource(booleans = {false, true})
    void decode_whenJpegEmbedsAProfileOtherThanSrgb_convertsAsImageDecoderDoes_andStillScales(boolean progressive) {
        byte[] tagged = withProfile(jpeg(noisy(600, 520), progressive),
                ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData(), 1);

        Decoded full = DECODER.decode(tagged, 0);

        assertThat(full.pixels().packedRgb()).isEqualTo(RgbImage.of(IMAGEIO.decode(tagged).pixels()).packedRgb());
        if (ScaledImageDecoder.nativeJpeg()) {
            Decoded scaled = DECODER.decode(tagged, 256);
            assertThat(scaled.scale()).isEqualTo(2);
            byte[] plain = DECODER.decode(withoutProfile(tagged), 256).pixels().packedRgb();
            assertThat(scaled.pixels().packedRgb()).isEqualTo(ScaledImageDecoder.toSrgb(plain, 300, 260,
                    ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB)));
        }
    }

    @Test
    void decode_whenJpegEmbedsSrgbProfile_isDecodedNatively_withoutConversion() {
        byte[] plain = jpeg(noisy(600, 520), false);
        byte[] tagged = withProfile(plain, ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData(), 1);

        Decoded decoded = DECODER.decode(tagged, 256);

        assertThat(decoded.pixels().packedRgb()).isEqualTo(DECODER.decode(plain, 256).pixels().packedRgb());
        if (ScaledImageDecoder.nativeJpeg()) {
            assertThat(decoded.scale()).isEqualTo(2);
        }
    }

    /** {@code tagged} without the APP2 segment {@link #withProfile} inserted. */
    static byte[] withoutProfile(byte[] tagged) {
        int length = ((tagged[4] & 0xff) << 8) | (tagged[5] & 0xff);
        byte[] out = new byte[tagged.length - 2 - length];
        System.arraycopy(tagged, 0, out, 0, 2);
        System.arraycopy(tagged, 4 + length, out, 2, out.length - 2);
        return out;
    }

    /** {@code jpeg} whose SOF segment declares {@code width × height}. */
    static byte[] withDeclaredSize(byte[] jpeg, int width, int height) {
        byte[] out = jpeg.clone();
        int at = 2;
        while (at + 4 < out.length) {
            int marker = out[at + 1] & 0xff;
            int length = ((out[at + 2] & 0xff) << 8) | (out[at + 3] & 0xff);
            if (marker >= 0xc0 && marker <= 0xc2) {
                out[at + 5] = (byte) (height >> 8);
                out[at + 6] = (byte) height;
                out[at + 7] = (byte) (width >> 8);
                out[at + 8] = (byte) width;
                return out;
            }
            at += 2 + length;
        }
        throw new IllegalStateException("no SOF segment");
    }
}
