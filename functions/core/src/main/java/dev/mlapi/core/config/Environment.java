package dev.mlapi.core.config;

import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.catalog.TableSpec;
import java.util.Map;
import java.util.Optional;
import java.util.HashMap;

/**
 * The settings a function was started with, by the names of {@link dev.mlapi.catalog.Env}: each
 * module reads its own from here (a table it alone uses, a model cache bound) instead of every
 * setting growing {@link Config}. Blank values count as absent.
 */
public final class Environment {

    private final Map<String, String> values;

    private Environment(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static Environment of(Map<String, String> values) {
        return new Environment(values);
    }

    public Optional<String> string(String name) {
        String value = values.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /**
     * Whether {@code name} was given at all, even blank: for the few settings where "set to
     * nothing" means something else than "not set" (predict's {@code PRIME_MODELS}).
     */
    public boolean isSet(String name) {
        return values.containsKey(name);
    }

    public String string(String name, String defaultValue) {
        return string(name).orElse(defaultValue);
    }

    public long number(String name, long defaultValue) {
        Optional<String> value = string(name);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.get());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value.get() + "'");
        }
    }

    public boolean flag(String name) {
        return string(name).map(Boolean::parseBoolean).orElse(false);
    }

    /** The name of {@code table} in this deployment: its variable, else its default name. */
    public String tableName(TableSpec table) {
        return string(table.envVar(), table.defaultName());
    }

    /**
     * The URL of {@code queue} in this deployment, from its variable (the stack sets it for every
     * function granted anything on the queue; the local server for every function).
     *
     * @throws IllegalStateException when the variable is not set: a queue's URL has no default
     */
    public String queueUrl(QueueSpec queue) {
        return string(queue.envVar()).orElseThrow(() -> new IllegalStateException(queue.envVar()
                + " is not set: the URL of " + queue.logicalId() + " (grant the function an action on the queue)"));
    }

    /** A copy with {@code name} set to {@code value}. */
    public Environment with(String name, String value) {
        var copy = new HashMap<>(values);
        copy.put(name, value);
        return new Environment(copy);
    }
}
