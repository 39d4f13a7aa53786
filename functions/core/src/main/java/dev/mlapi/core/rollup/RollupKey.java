package dev.mlapi.core.rollup;

import dev.mlapi.core.requestlog.RequestLogEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** One stored rollup: a group of a {@link Dimension} in the {@link Tier} bucket that starts at {@code start}. */
public record RollupKey(Tier tier, Dimension dimension, Instant start, String group) {

    /** The hourly rollup of a group (the tier every deployment has always had). */
    public RollupKey(Dimension dimension, Instant hour, String group) {
        this(Tier.HOUR, dimension, hour, group);
    }

    /** The hourly rollups {@code entry} counts in: one per dimension it has a group in. */
    public static List<RollupKey> of(RequestLogEntry entry) {
        return of(entry, List.of(Tier.HOUR));
    }

    /** The rollups {@code entry} counts in, in each of {@code tiers}: one per tier and dimension it has a group in. */
    public static List<RollupKey> of(RequestLogEntry entry, Collection<Tier> tiers) {
        List<RollupKey> keys = new ArrayList<>(tiers.size() * Dimension.values().length);
        for (Tier tier : tiers) {
            Instant start = tier.floor(entry.createdAt());
            for (Dimension dimension : Dimension.values()) {
                dimension.valueOf(entry).ifPresent(group -> keys.add(new RollupKey(tier, dimension, start, group)));
            }
        }
        return keys;
    }
}
