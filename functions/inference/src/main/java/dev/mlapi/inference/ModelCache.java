package dev.mlapi.inference;

import dev.mlapi.core.runtime.LoadedModels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Supplier;

/**
 * The models this container has loaded, kept for its life, least recently used first out once
 * their estimated footprint exceeds the budget. Generic in the model type, so every function that
 * serves models (classify, predict) shares the policy.
 *
 * <p>Callers hold a {@link Lease} while they infer: a model in use is never closed under them
 * (the local server runs requests concurrently in one JVM), and the most recently used model is
 * always kept, so a single model larger than the budget still serves without reloading. A model
 * is loaded once even when several callers ask for it at the same time. Every model loaded is
 * registered in {@link LoadedModels} until it is evicted, so health reports it.
 *
 * @param <M> the loaded model
 */
public final class ModelCache<M extends LoadedModel> implements AutoCloseable {

    private final long maxBytes;
    private final LoadedModels loadedModels;
    private final LinkedHashMap<ModelKey, Slot<M>> slots = new LinkedHashMap<>(16, 0.75f, true);
    private long loadedBytes;

    /** A cache within {@code maxBytes} that registers its models in this process's {@link LoadedModels}. */
    public ModelCache(long maxBytes) {
        this(maxBytes, LoadedModels.process());
    }

    public ModelCache(long maxBytes, LoadedModels loadedModels) {
        this.maxBytes = maxBytes;
        this.loadedModels = loadedModels;
    }

    /**
     * The loaded model of {@code key}; on first use {@code loader} loads it (once, whoever else asks
     * meanwhile waits for it). Close the lease after inference.
     */
    public Lease acquire(ModelKey key, Supplier<? extends M> loader) {
        Slot<M> slot;
        synchronized (this) {
            slot = slots.computeIfAbsent(key, Slot::new);
            slot.leases++;
        }
        try {
            synchronized (slot) {
                if (slot.model == null) {
                    M model = loader.get();
                    LoadedModels.Entry registration = new LoadedModels.Entry(key.name(), key.version(),
                            model.footprintBytes(), Instant.now());
                    synchronized (this) {
                        slot.registration = registration;
                        slot.model = model;
                        loadedBytes += model.footprintBytes();
                        loadedModels.register(registration);
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            release(slot);
            throw e;
        }
        unloadAll(evictIdle());
        return new Lease(slot);
    }

    /** Keys of the loaded models, least recently used first. */
    public synchronized List<ModelKey> loadedModels() {
        return slots.values().stream().filter(s -> s.model != null).map(s -> s.key).toList();
    }

    public synchronized long loadedBytes() {
        return loadedBytes;
    }

    /** Closes every model, leased or not. */
    @Override
    public void close() {
        List<Slot<M>> all;
        synchronized (this) {
            all = slots.values().stream().filter(s -> s.model != null).toList();
            slots.clear();
            loadedBytes = 0;
        }
        unloadAll(all);
    }

    private void release(Slot<M> slot) {
        List<Slot<M>> evicted;
        synchronized (this) {
            slot.leases--;
            if (slot.leases == 0 && slot.model == null) {
                slots.remove(slot.key, slot);
            }
            evicted = evictIdle();
        }
        unloadAll(evicted);
    }

    /** Takes idle models out, least recently used first, until the rest fit the budget. */
    private synchronized List<Slot<M>> evictIdle() {
        List<Slot<M>> evicted = new ArrayList<>();
        Iterator<Slot<M>> lru = slots.values().iterator();
        int remaining = slots.size();
        while (loadedBytes > maxBytes && lru.hasNext()) {
            Slot<M> slot = lru.next();
            remaining--;
            if (remaining == 0) {
                break; // the most recently used model always stays
            }
            if (slot.leases == 0 && slot.model != null) {
                lru.remove();
                loadedBytes -= slot.model.footprintBytes();
                evicted.add(slot);
            }
        }
        return evicted;
    }

    /** Outside the cache's lock: closing a native session can take a while. */
    private void unloadAll(List<Slot<M>> unloaded) {
        for (Slot<M> slot : unloaded) {
            loadedModels.unregister(slot.registration);
            slot.model.close();
        }
    }

    /** A model held for one inference. */
    public final class Lease implements AutoCloseable {
        private final Slot<M> slot;
        private boolean closed;

        private Lease(Slot<M> slot) {
            this.slot = slot;
        }

        public M model() {
            return slot.model;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(slot);
            }
        }
    }

    /** One key's place in the cache: its model once loaded, and how many leases hold it. */
    private static final class Slot<T> {
        final ModelKey key;
        int leases;
        volatile T model;
        LoadedModels.Entry registration;

        Slot(ModelKey key) {
            this.key = key;
        }
    }
}
