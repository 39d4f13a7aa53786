package dev.mlapi.imagestore;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.text.Normalizer;
import java.util.Locale;

/**
 * A tag name as stored: trimmed, inner whitespace collapsed to one space, Unicode NFC, at most
 * {@link #MAX_LENGTH} characters; {@link #key()} is its case-insensitive identity (lower case),
 * so {@code "Red  Fruit"} and {@code "red fruit"} are the same tag.
 *
 * <p>Commas and slashes are refused: API Gateway joins repeated query parameters with commas
 * ({@code ?tag=a&tag=b} arrives as {@code a,b}) and a name is a path segment in {@code /tags/{name}}.
 */
public record TagName(String name, String key) {

    public static final int MAX_LENGTH = 50;

    /** The normalised name of {@code raw}; a 400 naming {@code field} when it is empty, too long or has control characters. */
    public static TagName of(String field, String raw) {
        if (raw == null) {
            throw InvalidInput.field(field, "a tag name is required");
        }
        String name = Normalizer.normalize(raw, Normalizer.Form.NFC).strip().replaceAll("\\s+", " ");
        if (name.isEmpty()) {
            throw InvalidInput.field(field, "a tag name must not be empty");
        }
        if (name.codePoints().anyMatch(TagName::isControl)) {
            throw InvalidInput.field(field, "a tag name must not contain control characters");
        }
        if (name.indexOf(',') >= 0 || name.indexOf('/') >= 0) {
            throw InvalidInput.field(field, "a tag name must not contain ',' or '/'");
        }
        int length = name.codePointCount(0, name.length());
        if (length > MAX_LENGTH) {
            throw InvalidInput.field(field, "a tag name has at most " + MAX_LENGTH + " characters, got " + length);
        }
        return new TagName(name, name.toLowerCase(Locale.ROOT));
    }

    private static boolean isControl(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }
}
