package dev.mlapi.predict;

import dev.mlapi.catalog.Env;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.observability.Telemetry;
import dev.mlapi.core.requestlog.RequestLogFields;
import dev.mlapi.core.runtime.AfterAnswer;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.inference.Djl;
import dev.mlapi.inference.LoadedModel;
import dev.mlapi.inference.ModelCache;
import dev.mlapi.inference.ModelKey;
import dev.mlapi.predict.PredictResult.ModelInfo;
import dev.mlapi.predict.PredictResult.Prediction;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelCatalog;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.ModelRegistry;
import dev.mlapi.registry.ModelRoute.Served;
import dev.mlapi.core.http.RequestIds;
import dev.mlapi.registry.S3ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Predicts with a registered tabular model: resolve the reference, load the model (once per
 * container, within the cache's memory bound), check the instances against its features, run
 * ONNX Runtime.
 */
public final class PredictService implements AutoCloseable, Primer {

    /** A three-class decision tree over four features (iris), 798 bytes: what priming predicts with. */
    static final String PRIMING_MODEL = "priming-iris-tree.onnx";
    static final List<String> PRIMING_LABELS = List.of("setosa", "versicolor", "virginica");

    private static final Logger LOG = LoggerFactory.getLogger(PredictService.class);

    private final TabularModels models;
    private final ModelCache<Loaded> cache;
    private final ModelCatalog catalog;
    private final ModelsToPrime toPrime;
    private volatile Optional<ShadowScoring> shadows = Optional.empty();

    PredictService(TabularModels models, ModelCache<Loaded> cache, ModelCatalog catalog, ModelsToPrime toPrime) {
        this.models = models;
        this.cache = cache;
        this.catalog = catalog;
        this.toPrime = toPrime;
    }

    /** The model cache's budget unless {@code MODEL_CACHE_MAX_BYTES} says otherwise. */
    public static final long DEFAULT_MODEL_CACHE_MAX_BYTES = 512L * 1024 * 1024;

    /** The service on the S3 registry, which also lists the models priming loads. */
    public static PredictService create(Config config, S3ModelRegistry registry) {
        return create(config, registry, registry);
    }

    /**
     * The service as configured: the model cache's budget is {@code MODEL_CACHE_MAX_BYTES}; priming
     * loads the models {@code PRIME_MODELS} lists, or those {@code catalog} shows with a
     * {@code production} alias (see {@link ModelsToPrime}).
     */
    public static PredictService create(Config config, ModelRegistry registry, ModelCatalog catalog) {
        Djl.startEngine();
        return new PredictService(new TabularModels(registry, Clock.systemUTC()),
                new ModelCache<>(config.environment().number(Env.MODEL_CACHE_MAX_BYTES, DEFAULT_MODEL_CACHE_MAX_BYTES)),
                catalog, ModelsToPrime.from(config.environment()));
    }

    /** Scores a copy of the requests an alias's stable version serves with its shadow, if it has one. */
    PredictService withShadows(ShadowScoring shadows) {
        this.shadows = Optional.of(shadows);
        return this;
    }

    /** Predicts every instance, adding the model and the first answer to the request's history entry. */
    public PredictResult predict(PredictRequest request, RequestLogFields log) {
        return predict(request, log, RequestIds.newId());
    }

    /**
     * Predicts every instance with the version that serves {@code requestId} (an alias's canary takes
     * the ids its weight covers, so a retry under the same id gets the same version), adding that
     * version, its role and the first answer to the request's history entry.
     */
    public PredictResult predict(PredictRequest request, RequestLogFields log, String requestId) {
        return predict(request, log, requestId, AfterAnswer.NONE);
    }

    /**
     * As {@link #predict(PredictRequest, RequestLogFields, String)}; when the stable version of an
     * alias with a shadow served, the shadow's scoring of a copy is left for after the answer through
     * {@code later} ({@code ApiRequest::afterAnswer}).
     */
    public PredictResult predict(PredictRequest request, RequestLogFields log, String requestId, AfterAnswer later) {
        long started = System.nanoTime();
        Served served = models.serve(request.model(), requestId);
        Manifest manifest = served.manifest();
        log.served(manifest.ref(), served.role().value());
        List<TabularModel.Output> outputs = score(manifest, request.instances(), log);
        PredictResult result = result(manifest, outputs, started, served.role());
        if (served.role() == Served.Role.STABLE && shadows.isPresent()) {
            models.shadow(request.model()).ifPresent(shadow -> shadows.get().submit(later, request.model().toString(),
                    shadow, request.instances(), outputs, this::score));
        }
        Prediction first = result.predictions().get(0);
        log.result(first.label() != null ? first.label() : String.valueOf(first.value()));
        return result;
    }

    /** The tabular model {@code ref} names now: 404 for an unknown model, 400 for one that is not tabular. */
    Manifest resolve(ModelRef ref) {
        return models.resolve(ref);
    }

    /**
     * Predicts {@code instances} (as {@code POST /predict}'s: objects by column or feature name, or
     * arrays in their order) with the model of {@code manifest}, loaded once per container within
     * the cache's budget. A bad instance is a 400 naming it ({@code instances[3].petal_width}).
     */
    List<TabularModel.Output> score(Manifest manifest, List<JsonNode> instances) {
        return score(manifest, instances, null);
    }

    /** As {@link #score(Manifest, List)}, counting the rows into the version's drift buckets in {@code log}, if given. */
    private List<TabularModel.Output> score(Manifest manifest, List<JsonNode> instances, RequestLogFields log) {
        try (var lease = cache.acquire(TabularModels.cacheKey(manifest),
                () -> Telemetry.timeModelLoad(manifest.ref(), () -> load(manifest)))) {
            Loaded loaded = lease.model();
            TabularModel.Rows rows = loaded.decoder().decode(instances);
            List<TabularModel.Output> outputs = Telemetry.timeInference(manifest.ref(), () -> loaded.model().predict(rows));
            if (log != null) {
                loaded.buckets().flatMap(buckets -> buckets.count(rows)).ifPresent(log::inputCounts);
            }
            return outputs;
        }
    }

    /**
     * A loaded model with the decoder of its instances (its raw columns or its features, as its
     * manifest says) and the buckets of its drift baseline, as the cache keeps them: a registered
     * version never changes, so none is worked out again per request.
     */
    record Loaded(TabularModel model, InstanceDecoder decoder, Optional<InputBuckets> buckets) implements LoadedModel {

        @Override
        public long footprintBytes() {
            return model.footprintBytes();
        }

        @Override
        public void close() {
            model.close();
        }
    }

    private Loaded load(Manifest manifest) {
        TabularModel model = models.load(manifest);
        InstanceDecoder decoder = RawColumns.of(manifest).<InstanceDecoder>map(c -> c)
                .orElseGet(() -> new Features(model.featureCount(), manifest.featureNames(), model.takesDoubles()));
        return new Loaded(model, decoder, InputBuckets.of(manifest));
    }

    /**
     * The columns an instance of the model is made of, by name: its raw columns (a model trained on a
     * table with text, blank or date columns) or its manifest's feature names; empty when the
     * manifest names none (such a model takes arrays only).
     */
    static List<String> inputColumns(Manifest manifest) {
        return RawColumns.of(manifest).map(RawColumns::names).orElse(manifest.featureNames());
    }

    private static PredictResult result(Manifest manifest, List<TabularModel.Output> outputs, long started) {
        return result(manifest, outputs, started, Served.Role.STABLE);
    }

    private static PredictResult result(Manifest manifest, List<TabularModel.Output> outputs, long started,
            Served.Role role) {
        List<Prediction> predictions = outputs.stream()
                .map(o -> new Prediction(o.label(), o.probabilities(), o.value())).toList();
        double seconds = (System.nanoTime() - started) / 1e9;
        return new PredictResult(predictions, new ModelInfo(manifest.name(), manifest.version(), role.value()), seconds);
    }

    /**
     * Starts ONNX Runtime and runs one prediction through the tabular path (session, output
     * reading) on a small tree bundled with the function; resolves a model no one can have
     * registered, which warms the S3 client read only; then loads the models likely to be asked
     * for ({@link ModelsToPrime}) into the cache requests use, each with one prediction on
     * generated input through the request's code (features, model, answer, JSON), so their first
     * request is a cache hit. Only reads: a model that fails to
     * resolve or load is logged and skipped.
     */
    @Override
    public void prime() {
        Djl.startEngine();
        try (TabularModel model = TabularModel.load("priming", primingModel(), PRIMING_LABELS)) {
            model.predict(new double[][] {{5.1, 3.5, 1.4, 0.2}});
        }
        try {
            models.resolve(ModelRef.parse("model", "priming-probe"));
        } catch (NotFound expected) {
            // the registry was reached: that was the point
        }
        toPrime.offer(catalog, this::primeModel);
    }

    /** Loads {@code ref} as a request would and predicts once; whether it was a tabular model to try. */
    private boolean primeModel(ModelRef ref) {
        Manifest manifest;
        try {
            manifest = models.resolve(ref);
        } catch (ApiException e) {
            LOG.info("not priming {}: {}", ref, e.detail());
            return false;
        }
        long started = System.nanoTime();
        try (var lease = cache.acquire(TabularModels.cacheKey(manifest), () -> load(manifest))) {
            predictGenerated(manifest, lease.model());
            LOG.info("primed {} ({}) in {} ms", ref, manifest.ref(), (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            LOG.warn("priming {} ({}) failed; its first request loads it: {}", ref, manifest.ref(), e.toString());
        }
        return true;
    }

    /**
     * One instance of zeros through what a request's instances go through (by feature name when the
     * manifest names them, else as an array), the model, the answer and its JSON; no telemetry and
     * no request-log fields, so nothing is recorded. Skipped when the width is unknown.
     */
    private static void predictGenerated(Manifest manifest, Loaded loaded) {
        long started = System.nanoTime();
        TabularModel model = loaded.model();
        JsonNode instance;
        if (loaded.decoder() instanceof RawColumns) {
            // every cell blank: the graph imputes them all
            instance = Json.mapper().createObjectNode();
        } else {
            List<String> names = manifest.featureNames();
            int width = (int) (model.featureCount() > 0 ? model.featureCount() : names.size());
            if (width <= 0) {
                return;
            }
            if (names.size() == width) {
                ObjectNode byName = Json.mapper().createObjectNode();
                names.forEach(name -> byName.put(name, 0.0));
                instance = byName;
            } else {
                ArrayNode values = Json.mapper().createArrayNode();
                for (int i = 0; i < width; i++) {
                    values.add(0.0);
                }
                instance = values;
            }
        }
        TabularModel.Rows rows = loaded.decoder().decode(List.of(instance));
        Json.write(result(manifest, model.predict(rows), started));
    }

    /**
     * Where an alias pointed before the snapshot may have moved since: read it again. The loaded
     * models stay: the cache knows each by name, version and the model file's sha256, and a
     * registered version never changes, so a model primed before the snapshot is still the right
     * one for any reference that resolves to it now (and one no longer asked for is evicted as
     * the cache's budget requires).
     */
    @Override
    public void afterRestore() {
        models.forgetResolutions();
    }

    private static byte[] primingModel() {
        try (InputStream in = PredictService.class.getResourceAsStream(PRIMING_MODEL)) {
            if (in == null) {
                throw new IllegalStateException(PRIMING_MODEL + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code name:version#checksum} of the models loaded in this container. */
    public List<String> loadedModels() {
        return cache.loadedModels().stream().map(ModelKey::toString).toList();
    }

    @Override
    public void close() {
        cache.close();
    }
}
