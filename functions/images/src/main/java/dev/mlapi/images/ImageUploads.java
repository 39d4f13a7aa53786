package dev.mlapi.images;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.UnsupportedMediaType;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.MultipartPart;
import dev.mlapi.core.image.DecodedImage;
import dev.mlapi.core.image.ImageDecoder;
import dev.mlapi.imagestore.NewImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code POST /images}: a multipart body with one or more file parts {@code image} and
 * repeated {@code tags} fields (each one name, or several separated by commas). Every image is
 * decoded with the same bounded decoder classify uses (decompression bombs refused before any
 * pixel is read) and its type is taken from what decoded it, never from the client.
 */
final class ImageUploads {

    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "jpeg", "image/jpeg", "jpg", "image/jpeg", "png", "image/png", "gif", "image/gif", "bmp", "image/bmp",
            "tif", "image/tiff", "tiff", "image/tiff", "wbmp", "image/vnd.wap.wbmp");
    private static final int MAX_FILENAME = 200;

    /** What one upload request carries. */
    record Upload(List<NewImage> images, List<String> tags) {
    }

    private final ImageDecoder decoder;

    private ImageUploads(ImageDecoder decoder) {
        this.decoder = decoder;
    }

    static ImageUploads withDefaultLimits() {
        return new ImageUploads(ImageDecoder.withDefaultLimits());
    }

    Upload read(ApiRequest request) {
        if (!request.isMultipart()) {
            throw new UnsupportedMediaType("send images as multipart/form-data: file parts 'image' and "
                    + "'tags' fields naming existing tags; got '" + request.mediaType() + "'");
        }
        List<NewImage> images = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        int index = 0;
        for (MultipartPart part : request.multipart()) {
            switch (part.name()) {
                case "image" -> images.add(image(part, index++));
                case "tags", "tags[]", "tag" -> tags.addAll(Arrays.stream(part.text().split(","))
                        .filter(name -> !name.isBlank()).toList());
                default -> throw InvalidInput.field(part.name(), "unexpected field; send 'image' parts and 'tags' fields");
            }
        }
        return new Upload(images, tags);
    }

    private NewImage image(MultipartPart part, int index) {
        String field = "image[" + index + "]";
        if (!part.isFile()) {
            throw InvalidInput.field(field, "must be a file part (Content-Disposition with a filename)");
        }
        String filename = filename(part.filename().orElse(""));
        DecodedImage decoded;
        try {
            decoded = decoder.decode(part.data());
        } catch (ApiException e) {
            throw rename(e, field + " (" + filename + "): " + e.detail());
        }
        String type = CONTENT_TYPES.get(decoded.format());
        if (type == null) {
            throw new ApiException.Unprocessable(field + " (" + filename + "): unsupported image format " + decoded.format());
        }
        return new NewImage(filename, type, part.data(), decoded.width(), decoded.height());
    }

    /** The same failure, saying which part it was about. */
    private static ApiException rename(ApiException e, String detail) {
        if (e instanceof ApiException.PayloadTooLarge) {
            return new ApiException.PayloadTooLarge(detail);
        }
        if (e instanceof InvalidInput) {
            return new InvalidInput(detail);
        }
        return new ApiException.Unprocessable(detail);
    }

    /** The base name only, without control characters, at most {@link #MAX_FILENAME} characters; "image" when empty. */
    static String filename(String raw) {
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
}
