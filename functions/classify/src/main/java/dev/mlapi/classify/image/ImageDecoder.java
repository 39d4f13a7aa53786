package dev.mlapi.classify.image;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.Unprocessable;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes untrusted image bytes with ImageIO, refusing decompression bombs before any pixel is
 * decoded and treating the decoder's warnings (e.g. a truncated JPEG) as errors.
 */
public final class ImageDecoder {

    /** 40 megapixels: about 120 MB once decoded, well inside a 2 GB function. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
    public static final int DEFAULT_MAX_SIDE = 10_000;

    static {
        // Decode in memory: ImageIO's default disk cache would write to java.io.tmpdir per image.
        ImageIO.setUseCache(false);
    }

    private final long maxPixels;
    private final int maxSide;

    public ImageDecoder(long maxPixels, int maxSide) {
        this.maxPixels = maxPixels;
        this.maxSide = maxSide;
    }

    public static ImageDecoder withDefaultLimits() {
        return new ImageDecoder(DEFAULT_MAX_PIXELS, DEFAULT_MAX_SIDE);
    }

    /**
     * The decoded first frame of {@code bytes}: 400 when empty, 413 when its header declares more
     * pixels than the limits, 422 when it is not a supported image or is truncated or corrupt.
     */
    public DecodedImage decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidInput("the image is empty (0 bytes)");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new Unprocessable("the data is not an image in a supported format (JPEG, PNG, GIF, BMP, TIFF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                checkDimensions(reader.getWidth(0), reader.getHeight(0));
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage pixels = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new Unprocessable("the image is truncated or corrupt: " + warnings.get(0));
                }
                return new DecodedImage(pixels, reader.getFormatName().toLowerCase(Locale.ROOT), bytes.length);
            } finally {
                reader.dispose();
            }
        } catch (ApiException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO reports corrupt data as IIOException, but also as IndexOutOfBounds, IllegalState…
            throw new Unprocessable("the image could not be decoded (truncated, corrupt or an unsupported variant): "
                    + describe(e), e);
        }
    }

    private void checkDimensions(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new Unprocessable("the image declares no pixels (" + width + "×" + height + ")");
        }
        if (width > maxSide || height > maxSide || (long) width * height > maxPixels) {
            throw new PayloadTooLarge("the image is " + width + "×" + height + " pixels; the limit is " + maxSide
                    + " pixels per side and " + maxPixels / 1_000_000 + " megapixels");
        }
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
