package dev.mlapi.registry;

import dev.mlapi.core.config.Config;
import java.net.URI;
import java.util.Optional;

/**
 * Where the model registry lives: the region, the S3 endpoint (the local S3 server; empty in AWS)
 * and the bucket.
 */
public record RegistrySettings(String region, Optional<URI> s3Endpoint, String bucket) {

    /** The registry's part of the function configuration. */
    public static RegistrySettings from(Config config) {
        return new RegistrySettings(config.region(), config.s3Endpoint(), config.modelsBucket());
    }
}
