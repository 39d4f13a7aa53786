package dev.mlapi.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.core.testkit.HostileImages;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Headers that lie about sizes are refused from the headers, before the reader allocates what they declare. */
class ImageDecoderDeclaredSizesTest {

    private static final ImageDecoder DECODER = ImageDecoder.withDefaultLimits();
    private static final long ALLOCATION_BUDGET = 64L * 1024 * 1024;

    @ParameterizedTest
    @ValueSource(strings = {"Deflate", "LZW", "PackBits"})
    void decode_whenTiffIsHonest_decodes(String compression) {
        assertThat(DECODER.decode(HostileImages.tiff(compression, 24)).width()).isEqualTo(24);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Deflate", "LZW", "PackBits"})
    void decode_whenStripByteCountsExceedTheFile_is422NamingTheStrip(String compression) {
        byte[] bomb = HostileImages.tiffClaimingStripBytes(compression, HostileImages.TWO_GB);
        assertThat(bomb.length).isLessThan(4096);

        assertThatThrownBy(() -> DECODER.decode(bomb)).isInstanceOf(Unprocessable.class)
                .hasMessageContaining("strip 0 declares 2000000000 bytes")
                .hasMessageContaining("the file's " + bomb.length + " bytes");
    }

    @Test
    void decode_whenDeflateTiffDeclaresTwoGigabyteStrip_allocatesUnder64Megabytes() {
        byte[] bomb = HostileImages.tiffClaimingStripBytes("Deflate", HostileImages.TWO_GB);

        long allocated = allocatedWhile(() -> DECODER.decode(bomb));

        assertThat(allocated).isLessThan(ALLOCATION_BUDGET);
    }

    @Test
    void decode_whenTiledTiffIsHonest_decodes_andLyingTileByteCountsAre422() {
        byte[] honest = HostileImages.tiledTiffClaimingTileBytes(100);
        assertThat(DECODER.decode(honest).width()).isEqualTo(32);

        byte[] bomb = HostileImages.tiledTiffClaimingTileBytes(HostileImages.TWO_GB);
        assertThatThrownBy(() -> DECODER.decode(bomb)).isInstanceOf(Unprocessable.class)
                .hasMessageContaining("tile 0 declares 2000000000 bytes");
        assertThat(allocatedWhile(() -> DECODER.decode(bomb))).isLessThan(ALLOCATION_BUDGET);
    }

    @Test
    void decode_whenATiffFieldListsMillionsOfValues_is422BeforeReadingThem() {
        byte[] bomb = HostileImages.tiffWithStripOffsetsValues(8_000_000);

        assertThatThrownBy(() -> DECODER.decode(bomb)).isInstanceOf(Unprocessable.class)
                .hasMessageContaining("declares 8000000 values");
        assertThat(allocatedWhile(() -> DECODER.decode(bomb))).isLessThan(ALLOCATION_BUDGET);
    }

    @Test
    void decode_whenRowsPerStripIsZero_is422_andHugeIsTheSingleStripItMeans() {
        assertThatThrownBy(() -> DECODER.decode(HostileImages.tiffWithRowsPerStrip(0)))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("strips of 0 rows");
        // 2^32 - 1 is the TIFF default: all rows in one strip, which is what this file has
        assertThat(DECODER.decode(HostileImages.tiffWithRowsPerStrip(0xffffffffL)).height()).isEqualTo(24);
    }

    @ParameterizedTest
    @ValueSource(strings = {"iCCP", "tEXt", "zTXt", "iTXt", "abCd"})
    void decode_whenPngChunkExceedsTheFile_is422NamingTheChunk(String type) {
        byte[] bomb = HostileImages.pngWithChunkClaiming(type, HostileImages.TWO_GB);

        assertThatThrownBy(() -> DECODER.decode(bomb)).isInstanceOf(Unprocessable.class)
                .hasMessageContaining("chunk '" + type + "'").hasMessageContaining("2000000000 bytes");
        assertThat(allocatedWhile(() -> DECODER.decode(bomb))).isLessThan(ALLOCATION_BUDGET);
    }

    @Test
    void decode_whenPngChunkIsHonest_decodes() {
        assertThat(DECODER.decode(HostileImages.pngWithChunkClaiming("abCd", 64)).width()).isEqualTo(24);
    }

    @Test
    void decode_whenBmpDeclaresMoreImageBytesOrPaletteThanItHolds_is422() {
        assertThat(DECODER.decode(HostileImages.rle8Bmp()).width()).isEqualTo(24);

        assertThatThrownBy(() -> DECODER.decode(HostileImages.bmpClaimingImageBytes(HostileImages.TWO_GB)))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("2000000000 bytes of pixels");
        assertThatThrownBy(() -> DECODER.decode(HostileImages.bmpClaimingPalette(HostileImages.TWO_GB)))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("palette of 2000000000 colours");
    }

    @Test
    void decode_whenGifLogicalScreenIsOverTheLimits_is413() {
        assertThat(DECODER.decode(HostileImages.gifOnScreen(24, 24)).width()).isEqualTo(24);

        assertThatThrownBy(() -> DECODER.decode(HostileImages.gifOnScreen(60_000, 60_000)))
                .isInstanceOf(PayloadTooLarge.class).hasMessageContaining("60000×60000");
    }

    /** Bytes this thread allocated while {@code work} ran (a refusal is fine, an OutOfMemoryError is not). */
    private static long allocatedWhile(Runnable work) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        try {
            work.run();
        } catch (ApiException refused) {
            // the outcome is asserted elsewhere; here only what it cost
        }
        return threads.getThreadAllocatedBytes(thread) - before;
    }
}
