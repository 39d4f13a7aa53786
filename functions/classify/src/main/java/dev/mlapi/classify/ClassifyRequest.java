package dev.mlapi.classify;

import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.UnsupportedMediaType;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.MultipartPart;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a caller asked to classify, read from any of the four request forms: JSON with
 * {@code image_url} or {@code image_base64}, multipart with a file field {@code image}, or a raw
 * {@code image/*} body. {@code model} and {@code top_k} come from the JSON body or form fields,
 * else from the query string.
 */
public record ClassifyRequest(Image image, Optional<String> model, int topK) {

    public static final int DEFAULT_TOP_K = 5;
    public static final int MAX_TOP_K = 1000;

    /** The image to classify: bytes sent with the request, or a URL to fetch. */
    public sealed interface Image permits Upload, Url {
    }

    /** Image bytes that came with the request. */
    public record Upload(byte[] bytes) implements Image {
    }

    /** An image to fetch from the web. */
    public record Url(String url) implements Image {
    }

    /** The JSON form; {@code top_k} is an Integer so a missing value is told from a given one. */
    record JsonBody(String imageUrl, String imageBase64, String model, Integer topK) {
    }

    public static ClassifyRequest from(ApiRequest request) {
        String type = request.mediaType();
        if (type.startsWith("image/") || type.equals("application/octet-stream")) {
            return new ClassifyRequest(new Upload(request.body()), request.query("model"),
                    request.queryInt("top_k", DEFAULT_TOP_K, 1, MAX_TOP_K));
        }
        if (request.isMultipart()) {
            return fromMultipart(request);
        }
        if (type.isEmpty() || request.isJson()) {
            return fromJson(request);
        }
        throw new UnsupportedMediaType("send the image as application/json ({\"image_url\"} or {\"image_base64\"}), "
                + "multipart/form-data (file field 'image') or a raw image/* body; got '" + type + "'");
    }

    private static ClassifyRequest fromJson(ApiRequest request) {
        JsonBody body = request.json(JsonBody.class);
        boolean hasUrl = body.imageUrl() != null;
        boolean hasBase64 = body.imageBase64() != null;
        if (hasUrl == hasBase64) {
            throw new InvalidInput("give exactly one of 'image_url' and 'image_base64'",
                    List.of(new FieldError("image_url", "exactly one of image_url and image_base64 is required")));
        }
        Image image = hasUrl ? new Url(body.imageUrl()) : new Upload(decodeBase64(body.imageBase64()));
        Optional<String> model = Optional.ofNullable(body.model()).or(() -> request.query("model"));
        int topK = body.topK() != null ? checkTopK(body.topK()) : request.queryInt("top_k", DEFAULT_TOP_K, 1, MAX_TOP_K);
        return new ClassifyRequest(image, model, topK);
    }

    private static ClassifyRequest fromMultipart(ApiRequest request) {
        List<MultipartPart> parts = request.multipart();
        MultipartPart image = part(parts, "image")
                .orElseThrow(() -> InvalidInput.field("image", "the multipart body needs a file field 'image'"));
        Optional<String> model = part(parts, "model").map(p -> p.text().trim()).filter(s -> !s.isEmpty())
                .or(() -> request.query("model"));
        Optional<String> topKField = part(parts, "top_k").map(p -> p.text().trim()).filter(s -> !s.isEmpty());
        int topK = topKField.isPresent() ? checkTopK(parseInt(topKField.get()))
                : request.queryInt("top_k", DEFAULT_TOP_K, 1, MAX_TOP_K);
        return new ClassifyRequest(new Upload(image.data()), model, topK);
    }

    private static Optional<MultipartPart> part(List<MultipartPart> parts, String name) {
        return parts.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Standard or URL-safe base64, with or without padding, line breaks or a {@code data:} URL prefix. */
    static byte[] decodeBase64(String text) {
        String payload = text.strip();
        if (payload.regionMatches(true, 0, "data:", 0, 5)) {
            int comma = payload.indexOf(',');
            if (comma < 0 || !payload.substring(0, comma).toLowerCase(Locale.ROOT).endsWith(";base64")) {
                throw InvalidInput.field("image_base64", "a data: URL must be base64-encoded (data:image/...;base64,...)");
            }
            payload = payload.substring(comma + 1);
        }
        payload = payload.replaceAll("\\s+", "");
        if (payload.isEmpty()) {
            throw InvalidInput.field("image_base64", "is empty");
        }
        try {
            boolean urlSafe = payload.indexOf('-') >= 0 || payload.indexOf('_') >= 0;
            return (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(payload);
        } catch (IllegalArgumentException e) {
            throw InvalidInput.field("image_base64", "is not valid base64 (" + e.getMessage() + ")");
        }
    }

    private static int parseInt(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw InvalidInput.field("top_k", "must be an integer");
        }
    }

    private static int checkTopK(int topK) {
        if (topK < 1 || topK > MAX_TOP_K) {
            throw InvalidInput.field("top_k", "must be between 1 and " + MAX_TOP_K);
        }
        return topK;
    }

    @Override
    public String toString() {
        return "ClassifyRequest[" + image.getClass().getSimpleName() + ", model=" + model.orElse("default")
                + ", topK=" + topK + "]";
    }
}
