package dev.mlapi.core.testkit;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import javax.imageio.ImageWriteParam;

/** JPEGs made in tests: a noisy gradient, encoded baseline or progressive, tagged with an ICC profile. */
public final class TestJpegs {

    private TestJpegs() {
    }

    /** A gradient with seeded noise in blue, so decoders that differ by a rounding show it. */
    public static BufferedImage noisy(int width, int height) {
        Random random = new Random(42);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int base = (x * 255 / width) << 16 | (y * 255 / height) << 8;
                image.setRGB(x, y, base | random.nextInt(256));
            }
        }
        return image;
    }

    /** {@code image} encoded by the JDK's JPEG writer, baseline or progressive. */
    public static byte[] jpeg(BufferedImage image, boolean progressive) {
        return HostileImages.write(image, "jpeg", param -> {
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
        });
    }

    /** {@code jpeg} with {@code profile} inserted after SOI as {@code chunks} APP2 ICC_PROFILE segments. */
    public static byte[] withProfile(byte[] jpeg, byte[] profile, int chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        int per = (profile.length + chunks - 1) / chunks;
        for (int i = 0; i < chunks; i++) {
            int from = i * per;
            int to = Math.min(profile.length, from + per);
            int length = 2 + 12 + 2 + (to - from);
            out.write(0xff);
            out.write(0xe2);
            out.write(length >> 8);
            out.write(length & 0xff);
            out.writeBytes("ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII));
            out.write(i + 1);
            out.write(chunks);
            out.write(profile, from, to - from);
        }
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }
}
