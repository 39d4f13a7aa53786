package dev.mlapi.classify.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.classify.TestModels;
import dev.mlapi.classify.image.ImageTensor;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.registry.Manifest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The per-container model cache on real (tiny) ONNX models: load once, LRU within a budget, never close a leased model. */
class ModelCacheTest {

    static final TestModels.Model A = TestModels.tiny("a", 1);
    static final TestModels.Model B = TestModels.tiny("b", 1);
    static final TestModels.Model C = TestModels.tiny("c", 1);
    static final long ONE_MODEL = A.modelBytes().length;

    /** Loads real models and counts loads per model. */
    static final class CountingLoader implements Function<Manifest, OnnxImageClassifier> {
        final Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();

        @Override
        public OnnxImageClassifier apply(Manifest manifest) {
            loads.computeIfAbsent(manifest.ref(), k -> new AtomicInteger()).incrementAndGet();
            byte[] bytes = List.of(A, B, C).stream().filter(m -> m.manifest().equals(manifest)).findFirst()
                    .orElseThrow().modelBytes();
            return OnnxImageClassifier.load(manifest, bytes);
        }

        int loads(TestModels.Model model) {
            return loads.getOrDefault(model.manifest().ref(), new AtomicInteger()).get();
        }
    }

    static void use(ModelCache cache, TestModels.Model model) {
        try (ModelCache.Lease lease = cache.acquire(model.manifest())) {
            assertThat(lease.classifier().ref()).isEqualTo(model.manifest().ref());
        }
    }

    @Test
    void acquire_whenSameVersionAgain_loadsOnce() {
        CountingLoader loader = new CountingLoader();
        try (ModelCache cache = new ModelCache(10 * ONE_MODEL, loader)) {
            use(cache, A);
            use(cache, A);
            use(cache, A);

            assertThat(loader.loads(A)).isEqualTo(1);
            assertThat(cache.loadedModels()).singleElement().asString().startsWith("a:1#");
        }
    }

    @Test
    void acquire_whenOverBudget_evictsTheLeastRecentlyUsed() {
        CountingLoader loader = new CountingLoader();
        try (ModelCache cache = new ModelCache(2 * ONE_MODEL, loader)) {
            use(cache, A);
            use(cache, B);
            use(cache, A);
            use(cache, C);

            assertThat(cache.loadedModels()).extracting(k -> k.substring(0, 3)).containsExactly("a:1", "c:1");
            assertThat(cache.loadedBytes()).isEqualTo(2 * ONE_MODEL);
            use(cache, B);
            assertThat(loader.loads(B)).isEqualTo(2);
        }
    }

    @Test
    void acquire_whenTheOnlyModelExceedsTheBudget_keepsIt() {
        CountingLoader loader = new CountingLoader();
        try (ModelCache cache = new ModelCache(1, loader)) {
            use(cache, A);
            use(cache, A);

            assertThat(loader.loads(A)).isEqualTo(1);
            assertThat(cache.loadedModels()).hasSize(1);
        }
    }

    @Test
    void acquire_whenEvictionWouldHitALeasedModel_waitsUntilItIsReleased() {
        CountingLoader loader = new CountingLoader();
        try (ModelCache cache = new ModelCache(ONE_MODEL, loader)) {
            ModelCache.Lease held = cache.acquire(A.manifest());
            use(cache, B);

            // A is in use: still open and usable although over budget
            assertThat(cache.loadedModels()).hasSize(2);
            assertThat(held.classifier().probabilities(tensor())).hasSize(3);
            held.close();
            assertThat(cache.loadedModels()).extracting(k -> k.substring(0, 3)).containsExactly("b:1");
        }
    }

    @Test
    void acquire_whenManyThreadsAskAtOnce_loadsOnceAndAllGetIt() throws Exception {
        CountingLoader loader = new CountingLoader();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ModelCache cache = new ModelCache(10 * ONE_MODEL, loader)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<float[]>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    try (ModelCache.Lease lease = cache.acquire(A.manifest())) {
                        return lease.classifier().probabilities(tensor());
                    }
                }));
            }
            go.countDown();
            for (Future<float[]> result : results) {
                assertThat(result.get()).hasSize(3);
            }
            assertThat(loader.loads(A)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void acquire_whenLoadingFails_propagatesAndRemembersNothing() {
        Function<Manifest, OnnxImageClassifier> broken = m -> OnnxImageClassifier.load(m, new byte[] {1, 2, 3});
        try (ModelCache cache = new ModelCache(10 * ONE_MODEL, broken)) {
            assertThatThrownBy(() -> cache.acquire(A.manifest())).isInstanceOf(Unprocessable.class);
            assertThat(cache.loadedModels()).isEmpty();
            assertThat(cache.loadedBytes()).isZero();
        }
    }

    static ImageTensor tensor() {
        return new ImageTensor(new float[3 * 4 * 4], new long[] {1, 3, 4, 4});
    }
}
