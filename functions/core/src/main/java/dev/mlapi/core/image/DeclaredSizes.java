package dev.mlapi.core.image;

import dev.mlapi.core.error.ApiException.Unprocessable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Checks every size an image's container declares against the file's length and the decoder's
 * budgets, reading only the headers, before ImageIO sees the bytes.
 *
 * <p>Why: ImageIO's readers allocate what a header declares before they read it. A 1 KB deflate
 * TIFF whose {@code StripByteCounts} says 2 GB makes the TIFF reader allocate 2 GB for the
 * compressed strip. So a size larger than the file (a strip, tile, field, chunk or palette that
 * cannot be there) is a corrupt image (422), and a declared decoded size over the budget is too
 * large (413), both before anything is allocated. Formats and fields not listed here are left to
 * the reader, which the decoder bounds by pixels and sample layout.
 */
final class DeclaredSizes {

    private static final int TIFF_WIDTH = 256;
    private static final int TIFF_HEIGHT = 257;
    private static final int TIFF_BITS_PER_SAMPLE = 258;
    private static final int TIFF_STRIP_OFFSETS = 273;
    private static final int TIFF_SAMPLES_PER_PIXEL = 277;
    private static final int TIFF_ROWS_PER_STRIP = 278;
    private static final int TIFF_STRIP_BYTE_COUNTS = 279;
    private static final int TIFF_TILE_WIDTH = 322;
    private static final int TIFF_TILE_LENGTH = 323;
    private static final int TIFF_TILE_OFFSETS = 324;
    private static final int TIFF_TILE_BYTE_COUNTS = 325;
    private static final Set<Integer> TIFF_READ = Set.of(TIFF_WIDTH, TIFF_HEIGHT, TIFF_BITS_PER_SAMPLE,
            TIFF_STRIP_OFFSETS, TIFF_SAMPLES_PER_PIXEL, TIFF_ROWS_PER_STRIP, TIFF_STRIP_BYTE_COUNTS, TIFF_TILE_WIDTH,
            TIFF_TILE_LENGTH, TIFF_TILE_OFFSETS, TIFF_TILE_BYTE_COUNTS);
    /** Bytes per value of TIFF field types 1–13; 0 for unknown types (readers skip those fields). */
    private static final int[] TIFF_TYPE_SIZES = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4};
    /** A tile this wide or long is allowed whatever the image's size (tiles may overhang a small image). */
    private static final int MAX_OVERHANGING_TILE_SIDE = 1024;
    /**
     * The most values read from one TIFF field (16 MB as longs): 16×16-pixel tiles of a 10,000 ×
     * 10,000 image in 4 separate planes are 1.6 million.
     */
    private static final int MAX_TIFF_VALUES = 1 << 21;
    private static final Set<Integer> BMP_HEADER_SIZES = Set.of(12, 16, 40, 52, 56, 64, 108, 124);

    private final ImageDecoder limits;

    DeclaredSizes(ImageDecoder limits) {
        this.limits = limits;
    }

    /** Throws 413 or 422 when a declared size cannot be right or is over budget; returns for formats it does not know. */
    void check(byte[] bytes) {
        if (startsWith(bytes, 'I', 'I', 42, 0) || startsWith(bytes, 'M', 'M', 0, 42)) {
            tiff(bytes);
        } else if (startsWith(bytes, 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n')) {
            png(bytes);
        } else if (startsWith(bytes, 'G', 'I', 'F', '8')) {
            gif(bytes);
        } else if (startsWith(bytes, 'B', 'M')) {
            bmp(bytes);
        }
    }

    // ---- TIFF ---------------------------------------------------------------------------------

    private void tiff(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(bytes[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        long length = bytes.length;
        if (length < 8) {
            throw corrupt("the TIFF ends inside its 8-byte header");
        }
        long directory = u32(in, 4);
        if (directory + 2 > length) {
            throw corrupt("the TIFF's first directory is at byte " + directory + ", beyond the file's " + length + " bytes");
        }
        int entries = u16(in, (int) directory);
        if (directory + 2 + 12L * entries > length) {
            throw corrupt("the TIFF's first directory declares " + entries + " fields, more than the file's " + length
                    + " bytes hold");
        }
        Map<Integer, long[]> fields = new HashMap<>();
        for (int i = 0; i < entries; i++) {
            int at = (int) directory + 2 + 12 * i;
            int tag = u16(in, at);
            int type = u16(in, at + 2);
            long count = u32(in, at + 4);
            int size = type < TIFF_TYPE_SIZES.length ? TIFF_TYPE_SIZES[type] : 0;
            if (size == 0) {
                continue;
            }
            long total = count * size;
            long valueAt = total <= 4 ? at + 8 : u32(in, at + 8);
            if (valueAt + total > length) {
                throw corrupt("the TIFF's field " + tag + " declares " + count + " values (" + total + " bytes) at byte "
                        + valueAt + ", beyond the file's " + length + " bytes");
            }
            if (TIFF_READ.contains(tag) && (type == 3 || type == 4)) {
                if (count > MAX_TIFF_VALUES) {
                    throw corrupt("the TIFF's field " + tag + " declares " + count
                            + " values, more than any image within the limits needs (" + MAX_TIFF_VALUES + ")");
                }
                long[] values = new long[(int) count];
                for (int v = 0; v < count; v++) {
                    int position = (int) valueAt + v * size;
                    values[v] = type == 3 ? u16(in, position) : u32(in, position);
                }
                fields.put(tag, values);
            }
        }
        long width = first(fields, TIFF_WIDTH, -1);
        long height = first(fields, TIFF_HEIGHT, -1);
        if (width < 0 || height < 0) {
            return;
        }
        limits.checkDimensions((int) Math.min(width, Integer.MAX_VALUE), (int) Math.min(height, Integer.MAX_VALUE));
        int samples = (int) Math.min(first(fields, TIFF_SAMPLES_PER_PIXEL, 1), 0xffff);
        long[] bits = fields.getOrDefault(TIFF_BITS_PER_SAMPLE, new long[] {1});
        long bitsPerPixel = 0;
        for (int s = 0; s < samples; s++) {
            bitsPerPixel += bits[Math.min(s, bits.length - 1)];
        }
        String image = "the TIFF declares " + width + "×" + height + " pixels";
        limits.checkDecodedBytes((int) width, (int) height, samples, bitsPerPixel);
        if (fields.containsKey(TIFF_TILE_WIDTH) || fields.containsKey(TIFF_TILE_LENGTH)) {
            long tileWidth = first(fields, TIFF_TILE_WIDTH, 0);
            long tileLength = first(fields, TIFF_TILE_LENGTH, 0);
            if (tileWidth == 0 || tileLength == 0 || absurdTileSide(tileWidth, width)
                    || absurdTileSide(tileLength, height)) {
                throw corrupt(image + " in tiles of " + tileWidth + "×" + tileLength + " pixels");
            }
            chunks(fields, TIFF_TILE_OFFSETS, TIFF_TILE_BYTE_COUNTS, "tile", image, length);
        } else {
            if (first(fields, TIFF_ROWS_PER_STRIP, 1) == 0) {
                throw corrupt(image + " in strips of 0 rows");
            }
            chunks(fields, TIFF_STRIP_OFFSETS, TIFF_STRIP_BYTE_COUNTS, "strip", image, length);
        }
    }

    /** Each strip's or tile's compressed bytes must lie inside the file, and all of them fit in it. */
    private static void chunks(Map<Integer, long[]> fields, int offsetsTag, int countsTag, String chunk, String image,
            long length) {
        long[] offsets = fields.get(offsetsTag);
        long[] counts = fields.get(countsTag);
        if (offsets == null || counts == null) {
            return;
        }
        if (offsets.length != counts.length) {
            throw corrupt(image + " with " + offsets.length + " " + chunk + " offsets but " + counts.length
                    + " " + chunk + " byte counts");
        }
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (offsets[i] + counts[i] > length) {
                throw corrupt(image + "; its " + chunk + " " + i + " declares " + counts[i] + " bytes at byte "
                        + offsets[i] + ", beyond the file's " + length + " bytes");
            }
            sum += counts[i];
        }
        if (sum > length) {
            throw corrupt(image + "; its " + counts.length + " " + chunk + "s declare " + sum
                    + " bytes together, more than the file's " + length + " bytes");
        }
    }

    private static boolean absurdTileSide(long tileSide, long imageSide) {
        return tileSide > MAX_OVERHANGING_TILE_SIDE && tileSide > (imageSide + 15) / 16 * 16;
    }

    private static long first(Map<Integer, long[]> fields, int tag, long absent) {
        long[] values = fields.get(tag);
        return values == null || values.length == 0 ? absent : values[0];
    }

    // ---- PNG, GIF, BMP ------------------------------------------------------------------------

    /** Every chunk up to IEND must fit in the file (a reader may allocate a chunk's declared length). */
    private static void png(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        long position = 8;
        while (position + 8 <= bytes.length) {
            long declared = u32(in, (int) position);
            String type = new String(bytes, (int) position + 4, 4, StandardCharsets.ISO_8859_1);
            long remaining = bytes.length - position - 12;
            if (declared > remaining) {
                throw corrupt("the PNG's chunk '" + printable(type) + "' at byte " + position + " declares " + declared
                        + " bytes; the file holds " + Math.max(remaining, 0) + " after its header");
            }
            if (type.equals("IEND")) {
                return;
            }
            position += 12 + declared;
        }
    }

    /** The logical screen is within the pixel limits (each frame's own size the reader reports and the decoder checks). */
    private void gif(byte[] bytes) {
        if (bytes.length < 10) {
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int width = u16(in, 6);
        int height = u16(in, 8);
        if (width > 0 && height > 0) {
            limits.checkDimensions(width, height);
        }
    }

    /** The header, the pixel data's offset, the palette and a declared image size must fit in the file. */
    private static void bmp(byte[] bytes) {
        if (bytes.length < 18) {
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long length = bytes.length;
        long pixelsAt = u32(in, 10);
        long headerSize = u32(in, 14);
        if (!BMP_HEADER_SIZES.contains((int) Math.min(headerSize, Integer.MAX_VALUE)) || 14 + headerSize > length) {
            throw corrupt("the BMP declares a header of " + headerSize + " bytes in a file of " + length + " bytes");
        }
        if (pixelsAt > length) {
            throw corrupt("the BMP's pixels start at byte " + pixelsAt + ", beyond the file's " + length + " bytes");
        }
        if (headerSize < 40) {
            return;
        }
        long imageSize = u32(in, 34);
        if (imageSize > length - pixelsAt) {
            throw corrupt("the BMP declares " + imageSize + " bytes of pixels at byte " + pixelsAt + "; the file has "
                    + (length - pixelsAt) + " bytes there");
        }
        long colours = u32(in, 46);
        if (colours * 4 > length) {
            throw corrupt("the BMP declares a palette of " + colours + " colours, more than the file's " + length
                    + " bytes hold");
        }
    }

    // ---- bytes --------------------------------------------------------------------------------

    private static Unprocessable corrupt(String what) {
        return new Unprocessable("the image is corrupt: " + what);
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int u16(ByteBuffer in, int at) {
        return in.getShort(at) & 0xffff;
    }

    private static long u32(ByteBuffer in, int at) {
        return in.getInt(at) & 0xffffffffL;
    }

    private static String printable(String type) {
        return type.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? type : "?";
    }
}
