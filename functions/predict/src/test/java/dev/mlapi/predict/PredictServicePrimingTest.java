package dev.mlapi.predict;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.Env;
import dev.mlapi.core.config.Environment;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.inference.ModelCache;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.inference.TinyOnnx;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.ModelRegistry;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Predict primes on the tree it carries and reaches the registry read only; then loads the models
 * likely to be asked for into the cache requests use (the first few tabular models aliased
 * {@code production}, or exactly those {@code PRIME_MODELS} lists), so their first request loads
 * nothing. On a real registry (S3Proxy) and real ONNX Runtime.
 */
class PredictServicePrimingTest {

    static TestStack stack;
    static S3ModelRegistry registry;
    static Manifest iris;
    static Manifest linear;
    static Manifest zeta;

    /**
     * In name order: a tabular model ONNX Runtime cannot serve ({@code a-broken}), an image model,
     * iris, a regressor and a fourth tabular model, all aliased production; one not aliased.
     */
    @BeforeAll
    static void start() {
        stack = TestStack.start();
        registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        deploy(register("a-broken", ModelKind.TABULAR, TinyOnnx.logitsModel(), List.of()));
        deploy(register("b-image", ModelKind.IMAGE_CLASSIFIER, TinyOnnx.logitsModel(), List.of()));
        register("c-undeployed", ModelKind.TABULAR, TabularOnnx.linearRegressor(), List.of("a", "b"));
        iris = deploy(register("iris", ModelKind.TABULAR, TabularOnnx.irisTree(), TabularOnnx.IRIS_FEATURES));
        linear = deploy(register("linear", ModelKind.TABULAR, TabularOnnx.linearRegressor(), List.of("a", "b")));
        zeta = deploy(register("zeta", ModelKind.TABULAR, TabularOnnx.irisTreeInt64Labels(), List.of()));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static Manifest register(String name, ModelKind kind, byte[] onnx, List<String> features) {
        var registration = ModelRegistration.builder().setName(name).setKind(kind).setModelFile("model.onnx")
                .setCreatedBy("tests").optFeatureNames(features);
        if (kind == ModelKind.IMAGE_CLASSIFIER) {
            registration.optLabels(TinyOnnx.LABELS);
        }
        return registry.register(registration.build(), List.of(new ModelFile("model.onnx", onnx)));
    }

    static Manifest deploy(Manifest manifest) {
        registry.setAlias(manifest.name(), "production", manifest.version(), "tests");
        return manifest;
    }

    static String key(Manifest manifest) {
        return TabularModels.cacheKey(manifest).toString();
    }

    /** The real registry, counting the model files read: each is a model load. */
    static final class CountingRegistry implements ModelRegistry {
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public Manifest resolve(ModelRef ref) {
            return registry.resolve(ref);
        }

        @Override
        public byte[] readFile(Manifest manifest, String fileName) {
            reads.incrementAndGet();
            return registry.readFile(manifest, fileName);
        }
    }

    static PredictService service(ModelRegistry models, Map<String, String> environment) {
        return new PredictService(new TabularModels(models, Clock.systemUTC()),
                new ModelCache<>(PredictService.DEFAULT_MODEL_CACHE_MAX_BYTES), registry,
                ModelsToPrime.from(Environment.of(environment)));
    }

    @Test
    void primingModel_isTheTestKitsIrisTree_soItCanBeRegenerated() throws IOException {
        try (InputStream in = PredictService.class.getResourceAsStream(PredictService.PRIMING_MODEL)) {
            assertThat(in).as("regenerate it from TabularOnnx.irisTree()").isNotNull();
            assertThat(in.readAllBytes()).isEqualTo(TabularOnnx.irisTree());
        }
        assertThat(PredictService.PRIMING_LABELS).isEqualTo(TabularOnnx.IRIS_LABELS);
    }

    @Test
    void prime_onAnEmptyRegistry_predictsWithTheBundledTree_andLeavesTheCacheAndRequestLogEmpty() {
        try (TestStack empty = TestStack.start();
                PredictService service = PredictService.create(empty.config(),
                        S3ModelRegistry.create(RegistrySettings.from(empty.config()), Clock.systemUTC()))) {
            service.prime();

            assertThat(service.loadedModels()).isEmpty();
            assertThat(empty.wiring().dynamoDb().scan(r -> r.tableName(empty.config().requestLogTable())).count())
                    .isZero();
        }
    }

    @Test
    void prime_loadsTheFirstThreeTabularProductionModels_skippingTheBrokenOne_andTheFirstRequestLoadsNothing() {
        CountingRegistry counting = new CountingRegistry();
        try (PredictService service = service(counting, Map.of())) {
            service.prime();

            assertThat(service.loadedModels()).as("a-broken counts (it was tried), b-image is not tabular, zeta is fourth")
                    .containsExactlyInAnyOrder(key(iris), key(linear));
            int loadsWhilePriming = counting.reads.get();
            assertThat(loadsWhilePriming).as("a-broken, iris and linear were read").isEqualTo(3);

            var response = invoke(new PredictHandler(stack.wiring(), service),
                    withBearer(load("predict-instances-objects.json"), stack.signedIn("erin", Role.USER).token()));

            assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
            assertThat(body(response).get("model").get("name").asText()).isEqualTo("iris");
            assertThat(counting.reads.get()).as("the first request found iris loaded").isEqualTo(loadsWhilePriming);
            assertThat(service.loadedModels()).containsExactlyInAnyOrder(key(iris), key(linear));
        }
    }

    @Test
    void prime_withPrimeModelsSet_loadsExactlyTheListedModels_andSkipsWhatItCannotLoad() {
        try (PredictService service = service(registry, Map.of(Env.PRIME_MODELS,
                " zeta:1, not a reference,nope@production, b-image@production, a-broken , linear@staging"))) {
            service.prime();

            assertThat(service.loadedModels()).containsExactly(key(zeta));
        }
    }

    @Test
    void prime_withPrimeModelsEmpty_loadsNoModel() {
        try (PredictService service = service(registry, Map.of(Env.PRIME_MODELS, ""))) {
            service.prime();

            assertThat(service.loadedModels()).isEmpty();
        }
    }

    @Test
    void afterRestore_keepsTheLoadedVersions_andAMovedAliasIsFollowed() {
        CountingRegistry counting = new CountingRegistry();
        try (PredictService service = service(counting, Map.of(Env.PRIME_MODELS, "iris@production"))) {
            service.prime();
            Manifest newer = register("iris", ModelKind.TABULAR, TabularOnnx.irisTree(), TabularOnnx.IRIS_FEATURES);
            deploy(newer);
            try {
                service.afterRestore();
                service.prime();

                assertThat(service.loadedModels()).as("the version primed before the snapshot is kept")
                        .containsExactlyInAnyOrder(key(iris), key(newer));
                assertThat(counting.reads.get()).isEqualTo(2);
            } finally {
                deploy(iris);
                registry.deleteVersion("iris", newer.version());
            }
        }
    }
}
