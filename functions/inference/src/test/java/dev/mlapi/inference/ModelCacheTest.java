package dev.mlapi.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.core.runtime.LoadedModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The per-container model cache on real (tiny) ONNX models: load once, LRU within a budget, never
 * close a leased model, and tell {@link LoadedModels} what is in memory.
 */
class ModelCacheTest {

    static final byte[] ONNX = TinyOnnx.logitsModel();
    static final long ONE_MODEL = ONNX.length;
    static final ModelKey A = new ModelKey("a", 1, "aaaaaaaaaaaaaaaa");
    static final ModelKey B = new ModelKey("b", 1, "bbbbbbbbbbbbbbbb");
    static final ModelKey C = new ModelKey("c", 1, "cccccccccccccccc");
    static final float[] BLUE = {0f, 0f, 1f};

    final LoadedModels loaded = new LoadedModels();

    /** Loads real models and counts loads per key. */
    static final class CountingLoader {
        final Map<ModelKey, AtomicInteger> loads = new ConcurrentHashMap<>();

        OnnxModel load(ModelKey key) {
            loads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            return OnnxModel.load(key.name() + ":" + key.version(), ONNX);
        }

        int loads(ModelKey key) {
            return loads.getOrDefault(key, new AtomicInteger()).get();
        }
    }

    static void use(ModelCache<OnnxModel> cache, CountingLoader loader, ModelKey key) {
        try (var lease = cache.acquire(key, () -> loader.load(key))) {
            assertThat(lease.model().ref()).isEqualTo(key.name() + ":" + key.version());
        }
    }

    List<String> registered() {
        return loaded.snapshot().stream().map(m -> m.name() + ":" + m.version()).toList();
    }

    @Test
    void acquire_whenSameVersionAgain_loadsOnce() {
        CountingLoader loader = new CountingLoader();
        try (ModelCache<OnnxModel> cache = new ModelCache<>(10 * ONE_MODEL, loaded)) {
            use(cache, loader, A);
            use(cache, loader, A);
            use(cache, loader, A);

            assertThat(loader.loads(A)).isEqualTo(1);
            assertThat(cache.loadedModels()).containsExactly(A);
            assertThat(cache.loadedModels()).singleElement().asString().isEqualTo("a:1#aaaaaaaaaaaa");
        }
    }

    @Test
    void acquire_whenOverBudget_evictsTheLeastRecentlyUsed() {
        CountingLoader loader = new CountingLoader();
        try (ModelCache<OnnxModel> cache = new ModelCache<>(2 * ONE_MODEL, loaded)) {
            use(cache, loader, A);
            use(cache, loader, B);
            use(cache, loader, A);
            use(cache, loader, C);

            assertThat(cache.loadedModels()).containsExactly(A, C);
            assertThat(cache.loadedBytes()).isEqualTo(2 * ONE_MODEL);
            use(cache, loader, B);
            assertThat(loader.loads(B)).isEqualTo(2);
        }
    }

    @Test
    void acquire_whenTheOnlyModelExceedsTheBudget_keepsIt() {
        CountingLoader loader = new CountingLoader();
        try (ModelCache<OnnxModel> cache = new ModelCache<>(1, loaded)) {
            use(cache, loader, A);
            use(cache, loader, A);

            assertThat(loader.loads(A)).isEqualTo(1);
            assertThat(cache.loadedModels()).hasSize(1);
        }
    }

    @Test
    void acquire_whenEvictionWouldHitALeasedModel_waitsUntilItIsReleased() {
        CountingLoader loader = new CountingLoader();
        try (ModelCache<OnnxModel> cache = new ModelCache<>(ONE_MODEL, loaded)) {
            var held = cache.acquire(A, () -> loader.load(A));
            use(cache, loader, B);

            // A is in use: still open and usable although over budget
            assertThat(cache.loadedModels()).hasSize(2);
            assertThat(held.model().predict(new ChannelScores(4), BLUE)).hasSize(3);
            held.close();
            assertThat(cache.loadedModels()).containsExactly(B);
        }
    }

    @Test
    void acquire_whenManyThreadsAskAtOnce_loadsOnceAndAllGetIt() throws Exception {
        CountingLoader loader = new CountingLoader();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ModelCache<OnnxModel> cache = new ModelCache<>(10 * ONE_MODEL, loaded)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<float[]>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    try (var lease = cache.acquire(A, () -> loader.load(A))) {
                        return lease.model().predict(new ChannelScores(4), BLUE);
                    }
                }));
            }
            go.countDown();
            for (Future<float[]> result : results) {
                assertThat(result.get()).hasSize(3);
            }
            assertThat(loader.loads(A)).isEqualTo(1);
            assertThat(registered()).containsExactly("a:1");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void acquire_whenLoadingFails_propagatesAndRemembersNothing() {
        try (ModelCache<OnnxModel> cache = new ModelCache<>(10 * ONE_MODEL, loaded)) {
            assertThatThrownBy(() -> cache.acquire(A, () -> OnnxModel.load("a:1", new byte[] {1, 2, 3})))
                    .isInstanceOf(Unprocessable.class);
            assertThat(cache.loadedModels()).isEmpty();
            assertThat(cache.loadedBytes()).isZero();
            assertThat(loaded.snapshot()).isEmpty();
        }
    }

    @Test
    void loadedModels_registerOnLoad_unregisterOnEvictionAndClose() {
        CountingLoader loader = new CountingLoader();
        ModelCache<OnnxModel> cache = new ModelCache<>(2 * ONE_MODEL, loaded);
        use(cache, loader, A);
        assertThat(loaded.snapshot()).singleElement().satisfies(m -> {
            assertThat(m.name()).isEqualTo("a");
            assertThat(m.version()).isEqualTo(1);
            assertThat(m.bytes()).isEqualTo(ONE_MODEL);
            assertThat(m.loadedAt()).isNotNull();
        });
        use(cache, loader, B);
        use(cache, loader, C);
        assertThat(registered()).containsExactly("b:1", "c:1");

        cache.close();
        assertThat(loaded.snapshot()).isEmpty();
    }

    @Test
    void newCache_registersInThisProcess() {
        CountingLoader loader = new CountingLoader();
        ModelKey key = new ModelKey("process-wide", 4, "");
        try (ModelCache<OnnxModel> cache = new ModelCache<>(10 * ONE_MODEL)) {
            use(cache, loader, key);
            assertThat(LoadedModels.process().snapshot()).anySatisfy(m -> assertThat(m.name()).isEqualTo("process-wide"));
        }
        assertThat(LoadedModels.process().snapshot()).noneSatisfy(m -> assertThat(m.name()).isEqualTo("process-wide"));
    }
}
