package dev.mlapi.core.rollup;

import dev.mlapi.core.requestlog.RequestLogEntry;
import java.util.Locale;
import java.util.Optional;

/** What rollups are grouped by: everything together, or one attribute of the request. */
public enum Dimension {
    ALL, ROUTE, USER, STATUS, MODEL, IMAGE_URL;

    /** The group of {@code entry} in this dimension; empty when the entry has no such attribute. */
    public Optional<String> valueOf(RequestLogEntry entry) {
        return switch (this) {
            case ALL -> Optional.of("*");
            case ROUTE -> Optional.of(entry.route());
            case USER -> entry.user();
            case STATUS -> Optional.of(Integer.toString(entry.statusCode()));
            case MODEL -> entry.model();
            case IMAGE_URL -> entry.imageUrl();
        };
    }

    /** The name used in keys and in the API ({@code image_url}). */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
