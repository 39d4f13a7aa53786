package dev.mlapi.registry;

import dev.mlapi.registry.storage.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Locale;

/**
 * Where the requests of one model reference go: always to {@code stable}, or, for an alias with a
 * canary, {@code weight} percent of them to the canary. Which side a request takes depends only on
 * its request id ({@link #bucket}), so a retry under the same id is served by the same version. A
 * {@code shadow} version scores a copy of the requests the stable version served, after the answer.
 */
public record ModelRoute(Manifest stable, Optional<Manifest> canary, int weight, Optional<Manifest> shadow) {

    /** A route without a shadow. */
    public ModelRoute(Manifest stable, Optional<Manifest> canary, int weight) {
        this(stable, canary, weight, Optional.empty());
    }

    /** Every request to {@code manifest}. */
    public static ModelRoute of(Manifest manifest) {
        return new ModelRoute(manifest, Optional.empty(), 0);
    }

    /** This route with a shadow version that scores a copy of each request the stable version serves. */
    public ModelRoute withShadow(Optional<Manifest> shadow) {
        return new ModelRoute(stable, canary, weight, shadow);
    }

    /** The version that serves the request with id {@code requestId}, and its role. */
    public Served choose(String requestId) {
        if (canary.isPresent() && bucket(requestId) < weight) {
            return new Served(canary.get(), Served.Role.CANARY);
        }
        return new Served(stable, Served.Role.STABLE);
    }

    /**
     * The request's bucket, 0 to 99: the first eight bytes of the SHA-256 of its id, unsigned, modulo
     * 100. Stable across releases and containers (a retry lands where its first attempt did), and
     * uniform enough that a weight of 10 sends 10% of distinct ids to the canary.
     */
    public static int bucket(String requestId) {
        byte[] digest = Sha256.newDigest().digest(requestId.getBytes(StandardCharsets.UTF_8));
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (digest[i] & 0xff);
        }
        return (int) Long.remainderUnsigned(value, 100);
    }

    /** A version chosen to serve a request, and its role in the reference's alias. */
    public record Served(Manifest manifest, Role role) {

        /** What a version is to the alias a request named; a version named directly is {@code STABLE}. */
        public enum Role {
            STABLE, CANARY, SHADOW;

            /** The name in answers and the request log ({@code stable}, {@code canary}, {@code shadow}). */
            public String value() {
                return name().toLowerCase(Locale.ROOT);
            }
        }
    }
}
