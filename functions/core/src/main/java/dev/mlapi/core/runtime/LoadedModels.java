package dev.mlapi.core.runtime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The models held in memory by this process (one Lambda container, or the whole local server):
 * whatever loads a model registers it and unregisters it when it lets it go, so health reports
 * what is really loaded here.
 *
 * <p>{@link #process()} is the one instance a process shares; tests may make their own.
 */
public final class LoadedModels {

    private static final LoadedModels PROCESS = new LoadedModels();

    private final List<Entry> entries = new ArrayList<>();

    /** The registry of this process. */
    public static LoadedModels process() {
        return PROCESS;
    }

    public synchronized void register(Entry entry) {
        entries.add(entry);
    }

    /** Forgets one registration of {@code entry}; nothing happens if it was not registered. */
    public synchronized void unregister(Entry entry) {
        entries.remove(entry);
    }

    /** The loaded models by name and version, oldest load first among equals. */
    public synchronized List<Entry> snapshot() {
        List<Entry> copy = new ArrayList<>(entries);
        copy.sort(Comparator.comparing(Entry::name).thenComparingInt(Entry::version)
                .thenComparing(Entry::loadedAt));
        return List.copyOf(copy);
    }

    /** One model in memory: which version, its estimated footprint, and since when. */
    public record Entry(String name, int version, long bytes, Instant loadedAt) {
    }
}
