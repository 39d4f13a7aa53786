package dev.mlapi.imagestore;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The sort key of the newest-first indexes: {@code 2026-12-01T18:00:00.123Z#<image id>}. Fixed
 * width, so string order is time order; the id makes it unique.
 */
final class CreatedKey {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private CreatedKey() {
    }

    static String of(Instant at, String id) {
        return time(at) + "#" + id;
    }

    static String time(Instant at) {
        return FORMAT.format(at);
    }

    /** The lowest key at or after {@code at}. */
    static String lowest(Instant at) {
        return time(at) + "#";
    }

    /** The highest key at or before {@code at}. */
    static String highest(Instant at) {
        return time(at) + "#\uffff";
    }

    static String imageId(String createdKey) {
        return createdKey.substring(createdKey.indexOf('#') + 1);
    }
}
