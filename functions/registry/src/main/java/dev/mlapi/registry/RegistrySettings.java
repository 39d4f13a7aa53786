package dev.mlapi.registry;

import dev.mlapi.catalog.Env;
import dev.mlapi.core.config.Config;
import java.net.URI;
import java.util.Optional;

/**
 * Where the model registry lives: the region, the S3 endpoint (the local S3 server; empty in AWS)
 * and the bucket.
 */
public record RegistrySettings(String region, Optional<URI> s3Endpoint, String bucket) {

    /** The registry's settings: {@code S3_ENDPOINT} (local only) and {@code MODELS_BUCKET}, in the configuration's region. */
    public static RegistrySettings from(Config config) {
        var env = config.environment();
        return new RegistrySettings(config.region(), env.string(Env.S3_ENDPOINT).map(URI::create),
                env.string(Env.MODELS_BUCKET, Env.DEFAULT_MODELS_BUCKET));
    }
}
