package dev.mlapi.core.rollup;

import dev.mlapi.core.requestlog.RequestLogEntry;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/** What rollups are grouped by: everything together, or one attribute of the request. */
public enum Dimension {
    ALL, ROUTE, USER, STATUS, MODEL, IMAGE_URL,
    /**
     * The version that served a classify or predict request, {@code name:version} (only requests a
     * model served: {@link RequestLogEntry#servedVersion()}), so versions compare side by side.
     */
    MODEL_VERSION;

    /**
     * The group of {@code entry} in this dimension; empty when the entry has no such attribute (or,
     * for {@link #IMAGE_URL}, when its URL is no image URL or was refused: see {@link #isImageUrl}).
     */
    public Optional<String> valueOf(RequestLogEntry entry) {
        return switch (this) {
            case ALL -> Optional.of("*");
            case ROUTE -> Optional.of(entry.route());
            case USER -> entry.user();
            case STATUS -> Optional.of(Integer.toString(entry.statusCode()));
            case MODEL -> entry.model();
            case IMAGE_URL -> entry.imageUrl().filter(url -> entry.statusCode() != REFUSED && isImageUrl(url));
            case MODEL_VERSION -> entry.servedVersion();
        };
    }

    /** The status of a request whose input (often the image URL itself) was refused. */
    private static final int REFUSED = 400;
    private static final int MAX_URL_LENGTH = 2048;

    /**
     * Whether {@code url} may be an image URL group: an absolute http or https URL with a host, of
     * printable ASCII without spaces, quotes or angle brackets. What a request log holds for a
     * refused URL (raw HTML, text with CR/LF, {@code REDACTED}) is none; so a request whose URL was
     * refused (a 400) is counted in every other dimension, never per image URL.
     */
    public static boolean isImageUrl(String url) {
        if (url.isEmpty() || url.length() > MAX_URL_LENGTH
                || url.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>')) {
            return false;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme();
            return scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** The name used in keys and in the API ({@code image_url}). */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
