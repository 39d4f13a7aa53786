package dev.mlapi.catalog;

import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/** Exact IAM actions on one resource. */
public record Grant(Resource resource, SortedSet<String> actions) {

    public Grant {
        Objects.requireNonNull(resource, "resource");
        if (actions.isEmpty()) {
            throw new IllegalArgumentException(resource + ": a grant needs at least one action");
        }
        for (String action : actions) {
            if (!action.matches("[a-z0-9-]+:[A-Za-z]+")) {
                throw new IllegalArgumentException(resource + ": '" + action + "' is not one exact IAM action");
            }
        }
        actions = new TreeSet<>(actions);
    }

    public static Grant of(Resource resource, String... actions) {
        return new Grant(resource, new TreeSet<>(Set.of(actions)));
    }
}
