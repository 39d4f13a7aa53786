package dev.mlapi.classify.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.classify.TestImages;
import dev.mlapi.core.image.DecodedImage;
import dev.mlapi.core.image.ImageDecoder;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.Unprocessable;
import java.awt.Color;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Decoding untrusted bytes: formats, limits checked from the header, corrupt data. */
class ImageDecoderTest {

    static final ImageDecoder DECODER = ImageDecoder.withDefaultLimits();

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpeg", "gif", "bmp", "tiff"})
    void decode_whenSupportedFormat_returnsPixelsFormatAndSize(String format) {
        byte[] bytes = TestImages.encode(TestImages.noisy(33, 21), format);

        DecodedImage image = DECODER.decode(bytes);

        assertThat(image.width()).isEqualTo(33);
        assertThat(image.height()).isEqualTo(21);
        assertThat(image.bytes()).isEqualTo(bytes.length);
        assertThat(image.format()).startsWith(format.substring(0, 3));
    }

    @Test
    void decode_whenEmpty_is400() {
        assertThatThrownBy(() -> DECODER.decode(new byte[0])).isInstanceOf(InvalidInput.class).hasMessageContaining("0 bytes");
        assertThatThrownBy(() -> DECODER.decode(null)).isInstanceOf(InvalidInput.class);
    }

    @Test
    void decode_whenNotAnImage_is422() {
        assertThatThrownBy(() -> DECODER.decode("{\"json\": true}".getBytes()))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("not an image");
    }

    @Test
    void decode_whenJpegIsTruncated_is422() {
        assertThatThrownBy(() -> DECODER.decode(TestImages.truncatedJpeg()))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("truncated");
    }

    @Test
    void decode_whenPngDataIsCorrupt_is422() {
        byte[] png = TestImages.encode(TestImages.noisy(64, 64), "png");
        byte[] corrupt = Arrays.copyOf(png, png.length);
        for (int i = 100; i < corrupt.length - 20; i += 7) {
            corrupt[i] ^= 0x5a;
        }

        assertThatThrownBy(() -> DECODER.decode(corrupt)).isInstanceOf(Unprocessable.class);
    }

    @Test
    void decode_whenHeaderClaimsTooManyPixels_is413BeforeDecoding() {
        assertThatThrownBy(() -> DECODER.decode(TestImages.pngClaiming(60_000, 60_000)))
                .isInstanceOf(PayloadTooLarge.class).hasMessageContaining("60000×60000");
        assertThatThrownBy(() -> DECODER.decode(TestImages.pngClaiming(10_001, 1)))
                .isInstanceOf(PayloadTooLarge.class);
        assertThatThrownBy(() -> DECODER.decode(TestImages.pngClaiming(7_000, 7_000)))
                .isInstanceOf(PayloadTooLarge.class).hasMessageContaining("40 megapixels");
    }

    @Test
    void decode_whenWithinTighterLimits_decodes_andJustAboveIsRefused() {
        ImageDecoder small = new ImageDecoder(100, 10);

        assertThat(small.decode(TestImages.png(Color.RED, 10, 10)).width()).isEqualTo(10);
        assertThatThrownBy(() -> small.decode(TestImages.png(Color.RED, 11, 9))).isInstanceOf(PayloadTooLarge.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 48})
    void decode_whenSmallTiffDeclaresGigabytesOfFloatChannels_isRefusedBeforeDecoding(int channels) {
        byte[] bomb = TestImages.floatTiffBomb(6000, 6000, channels);
        assertThat(bomb.length).isLessThan(32 * 1024);

        assertThatThrownBy(() -> DECODER.decode(bomb))
                .isInstanceOfAny(PayloadTooLarge.class, Unprocessable.class)
                .hasMessageContaining("6000×6000");
    }

    @Test
    void decode_whenLargeImage_subsamplesWhileDecoding_andReportsTheDeclaredSize() {
        byte[] large = TestImages.png(Color.RED, 8000, 4000);

        DecodedImage image = DECODER.decode(large);

        assertThat(image.width()).isEqualTo(8000);
        assertThat(image.height()).isEqualTo(4000);
        long decodedPixels = (long) image.pixels().getWidth() * image.pixels().getHeight();
        assertThat(decodedPixels).isLessThanOrEqualTo(ImageDecoder.DEFAULT_MAX_DECODED_PIXELS);
        assertThat(Math.min(image.pixels().getWidth(), image.pixels().getHeight()))
                .isGreaterThanOrEqualTo(ImageDecoder.MIN_SUBSAMPLED_SIDE);
        assertThat(image.pixels().getRGB(100, 100)).isEqualTo(Color.RED.getRGB());
    }
}
