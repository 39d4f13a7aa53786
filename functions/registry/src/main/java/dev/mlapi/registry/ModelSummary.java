package dev.mlapi.registry;

import java.util.Map;

/** One entry of the model listing: a name, its newest committed version and its aliases. */
public record ModelSummary(String name, int latestVersion, Map<String, Integer> aliases) {
    public ModelSummary {
        aliases = Map.copyOf(aliases);
    }
}
