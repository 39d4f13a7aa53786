package dev.mlapi.classify.inference;

import dev.mlapi.registry.Manifest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;

/**
 * The models this container has loaded, kept for its life and keyed by {@code name:version} (and
 * the model file's checksum), least recently used first out once their estimated footprint
 * exceeds the budget.
 *
 * <p>Callers hold a {@link Lease} while they infer: a model in use is never closed under them
 * (the local server runs requests concurrently in one JVM), and the most recently used model is
 * always kept, so a single model larger than the budget still serves without reloading. A model
 * is loaded once even when several callers ask for it at the same time.
 */
public final class ModelCache implements AutoCloseable {

    private final long maxBytes;
    private final Function<Manifest, OnnxImageClassifier> loader;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long loadedBytes;

    public ModelCache(long maxBytes, Function<Manifest, OnnxImageClassifier> loader) {
        this.maxBytes = maxBytes;
        this.loader = loader;
    }

    /** The loaded model of {@code manifest}, loading it on first use; close the lease after inference. */
    public Lease acquire(Manifest manifest) {
        Entry entry;
        synchronized (this) {
            entry = entries.computeIfAbsent(key(manifest), Entry::new);
            entry.leases++;
        }
        try {
            synchronized (entry) {
                if (entry.classifier == null) {
                    OnnxImageClassifier classifier = loader.apply(manifest);
                    synchronized (this) {
                        entry.classifier = classifier;
                        loadedBytes += classifier.footprintBytes();
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            release(entry);
            throw e;
        }
        closeAll(evictIdle());
        return new Lease(entry);
    }

    /** Keys of the loaded models, least recently used first. */
    public synchronized List<String> loadedModels() {
        return entries.values().stream().filter(e -> e.classifier != null).map(e -> e.key).toList();
    }

    public synchronized long loadedBytes() {
        return loadedBytes;
    }

    @Override
    public void close() {
        List<OnnxImageClassifier> all = new ArrayList<>();
        synchronized (this) {
            entries.values().stream().filter(e -> e.classifier != null).forEach(e -> all.add(e.classifier));
            entries.clear();
            loadedBytes = 0;
        }
        closeAll(all);
    }

    private void release(Entry entry) {
        List<OnnxImageClassifier> evicted;
        synchronized (this) {
            entry.leases--;
            if (entry.leases == 0 && entry.classifier == null) {
                entries.remove(entry.key, entry);
            }
            evicted = evictIdle();
        }
        closeAll(evicted);
    }

    private synchronized List<OnnxImageClassifier> evictIdle() {
        List<OnnxImageClassifier> evicted = new ArrayList<>();
        Iterator<Entry> lru = entries.values().iterator();
        int remaining = entries.size();
        while (loadedBytes > maxBytes && lru.hasNext()) {
            Entry entry = lru.next();
            remaining--;
            if (remaining == 0) {
                break; // the most recently used model always stays
            }
            if (entry.leases == 0 && entry.classifier != null) {
                lru.remove();
                loadedBytes -= entry.classifier.footprintBytes();
                evicted.add(entry.classifier);
            }
        }
        return evicted;
    }

    private static void closeAll(List<OnnxImageClassifier> classifiers) {
        classifiers.forEach(OnnxImageClassifier::close);
    }

    static String key(Manifest manifest) {
        String checksum = manifest.files().stream().filter(f -> f.name().equals(manifest.modelFile()))
                .map(Manifest.FileEntry::sha256).findFirst().orElse("");
        return manifest.ref() + (checksum.isEmpty() ? "" : "#" + checksum.substring(0, Math.min(12, checksum.length())));
    }

    /** A model held for one inference. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public OnnxImageClassifier classifier() {
            return entry.classifier;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(entry);
            }
        }
    }

    private static final class Entry {
        final String key;
        int leases;
        volatile OnnxImageClassifier classifier;

        Entry(String key) {
            this.key = key;
        }
    }
}
