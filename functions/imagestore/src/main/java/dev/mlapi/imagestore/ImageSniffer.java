package dev.mlapi.imagestore;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.core.image.DecodedImage;
import dev.mlapi.core.image.ImageDecoder;
import java.util.Map;

/**
 * Checks that uploaded bytes are an image and names their type: decoded with core's bounded
 * {@link ImageDecoder} (decompression bombs refused before a pixel is read), the type taken from
 * the reader that decoded them, never from the client. Multipart uploads and presigned commits
 * both go through it.
 */
public final class ImageSniffer {

    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "jpeg", "image/jpeg", "jpg", "image/jpeg", "png", "image/png", "gif", "image/gif", "bmp", "image/bmp",
            "tif", "image/tiff", "tiff", "image/tiff", "wbmp", "image/vnd.wap.wbmp");
    private static final int MAX_FILENAME = 200;

    private final ImageDecoder decoder;

    public ImageSniffer(ImageDecoder decoder) {
        this.decoder = decoder;
    }

    public static ImageSniffer withDefaultLimits() {
        return new ImageSniffer(ImageDecoder.withDefaultLimits());
    }

    /**
     * The image {@code data} with its sniffed type and size; a failure (400 empty, 413 too many
     * pixels, 422 not an image or corrupt) names {@code what} (e.g. {@code image[0] (cat.jpg)}).
     */
    public NewImage sniff(String what, String filename, byte[] data) {
        DecodedImage decoded;
        try {
            decoded = decoder.decode(data);
        } catch (ApiException e) {
            throw rename(e, what + ": " + e.detail());
        }
        String type = CONTENT_TYPES.get(decoded.format());
        if (type == null) {
            throw new Unprocessable(what + ": unsupported image format " + decoded.format());
        }
        return new NewImage(filename, type, data, decoded.width(), decoded.height());
    }

    /** The base name only, without control characters, at most 200 characters; "image" when empty. */
    public static String filename(String raw) {
        String base = raw.substring(Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\')) + 1);
        StringBuilder clean = new StringBuilder();
        base.codePoints().filter(c -> !Character.isISOControl(c) && Character.getType(c) != Character.FORMAT)
                .forEach(clean::appendCodePoint);
        String name = clean.toString().strip();
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return "image";
        }
        return name.length() > MAX_FILENAME ? name.substring(0, MAX_FILENAME) : name;
    }

    /** The same failure, saying which upload it was about. */
    private static ApiException rename(ApiException e, String detail) {
        if (e instanceof PayloadTooLarge) {
            return new PayloadTooLarge(detail);
        }
        if (e instanceof InvalidInput) {
            return new InvalidInput(detail);
        }
        return new Unprocessable(detail);
    }
}
