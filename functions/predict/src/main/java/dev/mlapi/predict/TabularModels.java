package dev.mlapi.predict;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.inference.ModelKey;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.ModelRegistry;
import dev.mlapi.registry.ModelRoute;
import dev.mlapi.registry.ModelRoute.Served;
import dev.mlapi.registry.RememberedResolutions;
import java.time.Clock;
import java.util.Optional;

/**
 * Finds the tabular model a request names in the registry and loads it: 404 for an unknown
 * model, 400 for one that is not tabular (an image classifier belongs to {@code /classify}).
 * What a reference resolves to is remembered for {@link RememberedResolutions#TTL}, as classify
 * does: a warm container reads no manifest from S3 per request.
 */
final class TabularModels {

    private final RememberedResolutions registry;

    TabularModels(ModelRegistry registry, Clock clock) {
        this.registry = new RememberedResolutions(registry, clock);
    }

    /** Forgets every resolution: after a SnapStart restore, where aliases point is read again. */
    void forgetResolutions() {
        registry.forget();
    }

    Manifest resolve(ModelRef ref) {
        return checked(route(ref).stable());
    }

    /** The version serving the request with id {@code requestId} (an alias's canary by its weight), checked as {@link #resolve}. */
    Served serve(ModelRef ref, String requestId) {
        Served served = route(ref).choose(requestId);
        checked(served.manifest());
        return served;
    }

    /** The shadow version of the alias {@code ref} names, if it has one (remembered with the route). */
    Optional<Manifest> shadow(ModelRef ref) {
        return route(ref).shadow().filter(m -> m.kind() == ModelKind.TABULAR);
    }

    private ModelRoute route(ModelRef ref) {
        try {
            return registry.route(ref);
        } catch (NotFound e) {
            throw new NotFound("model '" + ref + "' was not found in the registry");
        }
    }

    private static Manifest checked(Manifest manifest) {
        if (manifest.kind() != ModelKind.TABULAR) {
            throw InvalidInput.field("model", "'" + manifest.ref() + "' is a " + manifest.kind().value()
                    + " model; predict needs a tabular model (image models are served by POST /classify)");
        }
        return manifest;
    }

    TabularModel load(Manifest manifest) {
        return TabularModel.load(manifest.ref(), registry.readFile(manifest, manifest.modelFile()), manifest.labels());
    }

    /** What the model cache knows a version by: name, version and the model file's sha256. */
    static ModelKey cacheKey(Manifest manifest) {
        return new ModelKey(manifest.name(), manifest.version(), manifest.modelFileEntry().sha256());
    }
}
