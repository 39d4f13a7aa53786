package dev.mlapi.classify;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;

/** Images the tests make themselves. */
public final class TestImages {

    private TestImages() {
    }

    public static BufferedImage solid(Color color, int width, int height, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    public static byte[] png(Color color, int width, int height) {
        return encode(solid(color, width, height, BufferedImage.TYPE_INT_RGB), "png");
    }

    public static byte[] jpeg(Color color, int width, int height) {
        return encode(solid(color, width, height, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
    }

    /** A colourful image with detail everywhere, so its JPEG has data all the way to the end. */
    public static BufferedImage noisy(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Random random = new Random(42);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }

    /** The first half of a JPEG: decodable headers, missing scan data. */
    public static byte[] truncatedJpeg() {
        byte[] full = encode(noisy(256, 256), "jpeg");
        return Arrays.copyOf(full, full.length / 2);
    }

    /**
     * A valid PNG whose header claims {@code width × height} pixels but whose data is a few bytes:
     * a decompression bomb as far as any decoder that trusts the header is concerned.
     */
    public static byte[] pngClaiming(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer header = ByteBuffer.allocate(13);
        header.putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", header.array());
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (var deflater = new DeflaterOutputStream(compressed)) {
            deflater.write(new byte[1024]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chunk(out, "IDAT", compressed.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /**
     * A decompression bomb: a small deflate TIFF declaring {@code width × height} pixels of
     * {@code samples} 32-bit float channels, every strip pointing at the same small blob of
     * deflated zeros (a 6000×6000×16 one is about 2.3 GB decoded).
     */
    public static byte[] floatTiffBomb(int width, int height, int samples) {
        int rowsPerStrip = 100;
        int strips = (height + rowsPerStrip - 1) / rowsPerStrip;
        ByteArrayOutputStream zeros = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(zeros)) {
            deflate.write(new byte[64 * 1024]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] blob = zeros.toByteArray();
        int entries = 12;
        int ifd = 8;
        int bitsAt = ifd + 2 + entries * 12 + 4;
        int offsetsAt = bitsAt + samples * 2;
        int countsAt = offsetsAt + strips * 4;
        int extraAt = countsAt + strips * 4;
        int formatAt = extraAt + samples * 2;
        int blobAt = formatAt + samples * 2;
        ByteBuffer tiff = ByteBuffer.allocate(blobAt + blob.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifd);
        tiff.putShort((short) entries);
        tiffEntry(tiff, 256, 4, 1, width);            // ImageWidth
        tiffEntry(tiff, 257, 4, 1, height);           // ImageLength
        tiffEntry(tiff, 258, 3, samples, bitsAt);     // BitsPerSample
        tiffEntry(tiff, 259, 3, 1, 8);                // Compression: deflate
        tiffEntry(tiff, 262, 3, 1, 1);                // Photometric: black is zero
        tiffEntry(tiff, 273, 4, strips, offsetsAt);   // StripOffsets
        tiffEntry(tiff, 277, 3, 1, samples);          // SamplesPerPixel
        tiffEntry(tiff, 278, 4, 1, rowsPerStrip);     // RowsPerStrip
        tiffEntry(tiff, 279, 4, strips, countsAt);    // StripByteCounts
        tiffEntry(tiff, 284, 3, 1, 1);                // PlanarConfiguration: chunky
        tiffEntry(tiff, 338, 3, samples - 1, extraAt); // ExtraSamples: unspecified
        tiffEntry(tiff, 339, 3, samples, formatAt);   // SampleFormat
        tiff.putInt(0);
        for (int i = 0; i < samples; i++) {
            tiff.putShort((short) 32);
        }
        for (int i = 0; i < strips; i++) {
            tiff.putInt(blobAt);
        }
        for (int i = 0; i < strips; i++) {
            tiff.putInt(blob.length);
        }
        for (int i = 0; i < samples; i++) {
            tiff.putShort((short) 0);
        }
        for (int i = 0; i < samples; i++) {
            tiff.putShort((short) 3); // IEEE float
        }
        tiff.put(blob);
        return tiff.array();
    }

    private static void tiffEntry(ByteBuffer out, int tag, int type, int count, int value) {
        out.putShort((short) tag).putShort((short) type).putInt(count);
        if (type == 3 && count == 1) {
            out.putShort((short) value).putShort((short) 0);
        } else {
            out.putInt(value);
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    public static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalArgumentException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
