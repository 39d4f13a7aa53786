package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.NotFound;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Port to the model registry (S3 in every mode). The consumers' view: resolve a reference to an
 * immutable manifest and read its files. The models function adds the write side.
 */
public interface ModelRegistry {

    /** The manifest a reference points at now; {@code NotFound} naming the reference if none. */
    Manifest resolve(ModelRef ref);

    /**
     * Where the requests naming {@code ref} go now: its manifest, or for an alias with a canary both
     * versions and the canary's weight. {@code NotFound} as {@link #resolve(ModelRef)}.
     */
    default ModelRoute route(ModelRef ref) {
        return ModelRoute.of(resolve(ref));
    }

    /** The bytes of one stored file of a version (checked against the manifest's sha256). */
    byte[] readFile(Manifest manifest, String fileName);

    /**
     * Whether version {@code version} of {@code name} is still registered (not deleted). A version's
     * manifest never changes once registered, so this is all a remembered manifest needs asking
     * again; the S3 registry answers it with a HEAD, without reading or parsing the manifest.
     */
    default boolean isRegistered(String name, int version) {
        return find(new ModelRef(name, OptionalInt.of(version), Optional.empty())).isPresent();
    }

    /** The manifest a reference points at now, or empty where {@link #resolve(ModelRef)} would answer 404. */
    default Optional<Manifest> find(ModelRef ref) {
        try {
            return Optional.of(resolve(ref));
        } catch (NotFound e) {
            return Optional.empty();
        }
    }
}
