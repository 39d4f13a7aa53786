package dev.mlapi.classify.image;

import java.awt.image.BufferedImage;

/**
 * A decoded image and where it came from.
 *
 * @param pixels the decoded pixels, any {@link BufferedImage} type
 * @param format the codec that read it, lower-case ({@code jpeg}, {@code png}, …)
 * @param bytes  the size of the encoded image
 */
public record DecodedImage(BufferedImage pixels, String format, int bytes) {

    public int width() {
        return pixels.getWidth();
    }

    public int height() {
        return pixels.getHeight();
    }
}
