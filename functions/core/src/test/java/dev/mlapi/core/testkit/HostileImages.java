package dev.mlapi.core.testkit;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Small, otherwise valid images whose headers lie about a size: written with ImageIO, then one
 * field patched in the bytes. Each is about a kilobyte and would make a trusting reader allocate
 * gigabytes.
 */
public final class HostileImages {

    /** What the lying fields declare: two billion bytes. */
    public static final long TWO_GB = 2_000_000_000L;

    private static final int STRIP_BYTE_COUNTS = 279;
    private static final int ROWS_PER_STRIP = 278;
    private static final int TILE_BYTE_COUNTS = 325;

    private HostileImages() {
    }

    /** A valid {@code compression} ("Deflate", "LZW", "PackBits") TIFF of {@code size}×{@code size} noisy pixels. */
    public static byte[] tiff(String compression, int size) {
        return tiff(compression, size, 0);
    }

    /** A TIFF whose every StripByteCounts entry says {@code declared} bytes. */
    public static byte[] tiffClaimingStripBytes(String compression, long declared) {
        return patchTiff(tiff(compression, 24), STRIP_BYTE_COUNTS, declared);
    }

    /** A tiled TIFF whose every TileByteCounts entry says {@code declared} bytes. */
    public static byte[] tiledTiffClaimingTileBytes(long declared) {
        return patchTiff(tiff("Deflate", 32, 16), TILE_BYTE_COUNTS, declared);
    }

    /** A TIFF that declares strips of {@code rows} rows. */
    public static byte[] tiffWithRowsPerStrip(long rows) {
        return patchTiff(tiff("Deflate", 24), ROWS_PER_STRIP, rows);
    }

    /**
     * A TIFF whose StripOffsets field lists {@code count} SHORT values, all inside the file (it
     * carries them as zeros): a checker that reads such a field whole allocates what it says.
     */
    public static byte[] tiffWithStripOffsetsValues(int count) {
        byte[] tiff = tiff("Deflate", 24);
        byte[] padded = java.util.Arrays.copyOf(tiff, tiff.length + 2 * count);
        ByteBuffer in = ByteBuffer.wrap(padded).order(padded[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int directory = in.getInt(4);
        int entries = in.getShort(directory) & 0xffff;
        for (int i = 0; i < entries; i++) {
            int at = directory + 2 + 12 * i;
            if ((in.getShort(at) & 0xffff) == 273) {
                in.putShort(at + 2, (short) 3).putInt(at + 4, count).putInt(at + 8, tiff.length);
                return padded;
            }
        }
        throw new IllegalArgumentException("no StripOffsets");
    }

    /** A valid PNG with an ancillary chunk of {@code type} before its pixels whose length says {@code declared}. */
    public static byte[] pngWithChunkClaiming(String type, long declared) {
        byte[] png = encode(noisy(24, 24, BufferedImage.TYPE_3BYTE_BGR), "png");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 33); // signature and IHDR
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[64];
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) declared).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        out.write(png, 33, png.length - 33);
        return out.toByteArray();
    }

    /** An RLE8 BMP whose header says its pixels take {@code declared} bytes. */
    public static byte[] bmpClaimingImageBytes(long declared) {
        return patchLittleEndian(rle8Bmp(), 34, declared);
    }

    /** An RLE8 BMP whose header says its palette has {@code colours} entries. */
    public static byte[] bmpClaimingPalette(long colours) {
        return patchLittleEndian(rle8Bmp(), 46, colours);
    }

    /** A valid RLE8-compressed BMP. */
    public static byte[] rle8Bmp() {
        BufferedImage indexed = noisy(24, 24, BufferedImage.TYPE_BYTE_INDEXED);
        return write(indexed, "bmp", param -> {
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionType("BI_RLE8");
        });
    }

    /** A GIF of 24×24 pixels on a logical screen of {@code width}×{@code height}. */
    public static byte[] gifOnScreen(int width, int height) {
        byte[] gif = encode(noisy(24, 24, BufferedImage.TYPE_BYTE_INDEXED), "gif");
        ByteBuffer.wrap(gif).order(ByteOrder.LITTLE_ENDIAN).putShort(6, (short) width).putShort(8, (short) height);
        return gif;
    }

    private static byte[] tiff(String compression, int size, int tile) {
        return write(noisy(size, size, BufferedImage.TYPE_3BYTE_BGR), "tiff", param -> {
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionType(compression);
            if (tile > 0) {
                param.setTilingMode(ImageWriteParam.MODE_EXPLICIT);
                param.setTiling(tile, tile, 0, 0);
            }
        });
    }

    /** Sets every value of the first directory's field {@code tag} (SHORT or LONG) to {@code value}. */
    static byte[] patchTiff(byte[] tiff, int tag, long value) {
        byte[] patched = tiff.clone();
        ByteBuffer in = ByteBuffer.wrap(patched).order(patched[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int directory = in.getInt(4);
        int entries = in.getShort(directory) & 0xffff;
        for (int i = 0; i < entries; i++) {
            int at = directory + 2 + 12 * i;
            if ((in.getShort(at) & 0xffff) != tag) {
                continue;
            }
            int type = in.getShort(at + 2);
            int count = in.getInt(at + 4);
            int size = type == 3 ? 2 : 4;
            if (type == 3) {
                // a SHORT cannot say two billion: make it a LONG, as writers do for large values
                if (count != 1) {
                    throw new IllegalArgumentException("field " + tag + " holds " + count + " SHORTs");
                }
                in.putShort(at + 2, (short) 4);
                size = 4;
            }
            int valuesAt = count * size <= 4 ? at + 8 : in.getInt(at + 8);
            for (int v = 0; v < count; v++) {
                in.putInt(valuesAt + v * size, (int) value);
            }
            return patched;
        }
        throw new IllegalArgumentException("no field " + tag);
    }

    private static byte[] patchLittleEndian(byte[] bytes, int at, long value) {
        byte[] patched = bytes.clone();
        ByteBuffer.wrap(patched).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) value);
        return patched;
    }

    private static BufferedImage noisy(int width, int height, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        Random random = new Random(7);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) {
        return write(image, format, param -> {
        });
    }

    /** {@code image} encoded by the JDK's writer for {@code format}, its default parameters adjusted by {@code settings}. */
    static byte[] write(BufferedImage image, String format, java.util.function.Consumer<ImageWriteParam> settings) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            settings.accept(param);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
