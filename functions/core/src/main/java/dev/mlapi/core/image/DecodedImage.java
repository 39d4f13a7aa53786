package dev.mlapi.core.image;

import java.awt.image.BufferedImage;

/**
 * A decoded image and where it came from.
 *
 * @param pixels the decoded pixels, any {@link BufferedImage} type; a large image is decoded
 *               subsampled, so these can be fewer than {@code width × height}
 * @param format the codec that read it, lower-case ({@code jpeg}, {@code png}, …)
 * @param bytes  the size of the encoded image
 * @param width  the width the image declares
 * @param height the height the image declares
 */
public record DecodedImage(BufferedImage pixels, String format, int bytes, int width, int height) {

    /** An image decoded at full size. */
    public DecodedImage(BufferedImage pixels, String format, int bytes) {
        this(pixels, format, bytes, pixels.getWidth(), pixels.getHeight());
    }
}
