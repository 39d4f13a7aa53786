package dev.mlapi.images;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.UnsupportedMediaType;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.MultipartPart;
import dev.mlapi.imagestore.ImageSniffer;
import dev.mlapi.imagestore.NewImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads {@code POST /images}: a multipart body with one or more file parts {@code image} and
 * repeated {@code tags} fields (each one name, or several separated by commas). Every image is
 * decoded with the same bounded decoder classify uses (decompression bombs refused before any
 * pixel is read) and its type is taken from what decoded it, never from the client.
 */
final class ImageUploads {

    /** What one upload request carries. */
    record Upload(List<NewImage> images, List<String> tags) {
    }

    private final ImageSniffer sniffer;

    private ImageUploads(ImageSniffer sniffer) {
        this.sniffer = sniffer;
    }

    static ImageUploads withDefaultLimits() {
        return new ImageUploads(ImageSniffer.withDefaultLimits());
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
        return sniffer.sniff(field + " (" + filename + ")", filename, part.data());
    }

    /** The base name only, without control characters, at most 200 characters; "image" when empty. */
    static String filename(String raw) {
        return ImageSniffer.filename(raw);
    }
}
