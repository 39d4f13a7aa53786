package dev.mlapi.classify;

import dev.mlapi.classify.image.ImagePreprocessor;
import dev.mlapi.classify.inference.OnnxImageClassifier;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.inference.ModelKey;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.ModelRegistry;
import dev.mlapi.registry.ModelRoute;
import dev.mlapi.registry.ModelRoute.Served;
import dev.mlapi.registry.RememberedResolutions;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Finds the image model a request names (or the deployment's default) in the registry, checks
 * it can serve classify (kind {@code image_classifier} with valid preprocessing), and loads it.
 *
 * <p>What a reference points at is remembered for {@link RememberedResolutions#TTL}, so a warm
 * container does not read the registry on every request; an alias moved (deploy or roll back)
 * takes effect within that time. {@link #forgetResolutions()} drops them all, e.g. after a
 * SnapStart restore.
 */
final class ImageModels {

    private final RememberedResolutions registry;
    private final ModelRef defaultModel;

    ImageModels(ModelRegistry registry, String defaultModel, Clock clock) {
        this.registry = new RememberedResolutions(registry, clock);
        try {
            this.defaultModel = ModelRef.parse("DEFAULT_IMAGE_MODEL", defaultModel);
        } catch (InvalidInput e) {
            throw new IllegalArgumentException("the configured default image model is invalid: " + e.detail(), e);
        }
    }

    ModelRef defaultModel() {
        return defaultModel;
    }

    /** The manifest to serve {@code requested} (or the default model) with; 400, 404 or 422 when there is none. */
    Manifest resolve(Optional<String> requested) {
        return checked(route(requested).stable());
    }

    /**
     * The version that serves the request with id {@code requestId}: for an alias with a canary, the
     * side its id falls on ({@link ModelRoute#choose}); 400, 404 or 422 as {@link #resolve}.
     */
    Served serve(Optional<String> requested, String requestId) {
        Served served = route(requested).choose(requestId);
        checked(served.manifest());
        return served;
    }

    /**
     * The shadow version of the alias {@code requested} (or the default model) names, if it has one
     * of kind {@code image_classifier} (remembered with the route; checked when it scores, not here).
     */
    Optional<Manifest> shadow(Optional<String> requested) {
        return route(requested).shadow().filter(m -> m.kind() == ModelKind.IMAGE_CLASSIFIER);
    }

    /** The reference {@code requested} names, or the default model's. */
    ModelRef ref(Optional<String> requested) {
        return requested.map(text -> ModelRef.parse("model", text.trim())).orElse(defaultModel);
    }

    private ModelRoute route(Optional<String> requested) {
        ModelRef ref = ref(requested);
        try {
            return registry.route(ref);
        } catch (NotFound e) {
            if (requested.isEmpty()) {
                throw new NotFound("no image model is registered: the default model '" + defaultModel
                        + "' does not exist; upload one with POST /models/{name}/versions (kind image_classifier)"
                        + " and point the alias at it, or name a model with 'model'");
            }
            throw new NotFound("model '" + ref + "' was not found in the registry");
        }
    }

    /** {@code manifest} if classify can serve it: 400 for another kind, 422 for missing or invalid preprocessing. */
    static Manifest checked(Manifest manifest) {
        if (manifest.kind() != ModelKind.IMAGE_CLASSIFIER) {
            throw InvalidInput.field("model", "'" + manifest.ref() + "' is a " + manifest.kind().value()
                    + " model; classify needs an image_classifier");
        }
        Manifest.ImagePreprocessing preprocessing = manifest.preprocessing().orElseThrow(() -> new Unprocessable(
                "model '" + manifest.ref() + "' has no image preprocessing in its manifest"));
        try {
            ImagePreprocessor.validate(preprocessing);
            checkInputShape(manifest, preprocessing);
        } catch (IllegalArgumentException e) {
            throw new Unprocessable("model '" + manifest.ref() + "' has invalid preprocessing: " + e.getMessage());
        }
        return manifest;
    }

    /** Where the graph's input has fixed dimensions, the preprocessed tensor must fit them. */
    private static void checkInputShape(Manifest manifest, Manifest.ImagePreprocessing p) {
        if (manifest.inputs().isEmpty() || manifest.inputs().get(0).shape().size() != 4) {
            return;
        }
        List<Long> shape = manifest.inputs().get(0).shape();
        List<Long> produced = p.layout().equalsIgnoreCase("NHWC")
                ? List.of(1L, (long) p.crop(), (long) p.crop(), 3L)
                : List.of(1L, 3L, (long) p.crop(), (long) p.crop());
        for (int i = 1; i < 4; i++) {
            if (shape.get(i) > 0 && !shape.get(i).equals(produced.get(i))) {
                throw new IllegalArgumentException("it makes a " + produced + " tensor but the input '"
                        + manifest.inputs().get(0).name() + "' is " + shape);
            }
        }
    }

    /** Reads the model file of a resolved manifest from the registry and loads it into ONNX Runtime. */
    OnnxImageClassifier load(Manifest manifest) {
        return OnnxImageClassifier.load(manifest, registry.readFile(manifest, manifest.modelFile()));
    }

    /** What the model cache knows a version by: its name, version and model file's sha256. */
    static ModelKey cacheKey(Manifest manifest) {
        String sha256 = manifest.files().stream().filter(f -> f.name().equals(manifest.modelFile()))
                .map(Manifest.FileEntry::sha256).findFirst().orElse("");
        return new ModelKey(manifest.name(), manifest.version(), sha256);
    }

    /** Forgets what every reference pointed at: the next request reads the registry again. */
    void forgetResolutions() {
        registry.forget();
    }
}
