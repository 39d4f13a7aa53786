package dev.mlapi.core.rollup;

import dev.mlapi.core.requestlog.RequestLogEntry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** One stored rollup: a group of a {@link Dimension} in the hour that starts at {@code hour}. */
public record RollupKey(Dimension dimension, Instant hour, String group) {

    /** The rollups {@code entry} counts in: one per dimension it has a group in. */
    public static List<RollupKey> of(RequestLogEntry entry) {
        Instant hour = entry.createdAt().truncatedTo(ChronoUnit.HOURS);
        List<RollupKey> keys = new ArrayList<>(Dimension.values().length);
        for (Dimension dimension : Dimension.values()) {
            dimension.valueOf(entry).ifPresent(group -> keys.add(new RollupKey(dimension, hour, group)));
        }
        return keys;
    }
}
