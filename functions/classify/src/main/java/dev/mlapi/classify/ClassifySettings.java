package dev.mlapi.classify;

import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.StackParameter;
import dev.mlapi.core.config.Environment;

/**
 * Classify's own settings, read from the function's environment.
 *
 * @param defaultImageModel     the registry reference used when a request names no model
 * @param urlFetchAllowLoopback tests only: let URL fetches reach 127.0.0.0/8
 * @param modelCacheMaxBytes    memory bound of the loaded models
 */
public record ClassifySettings(String defaultImageModel, boolean urlFetchAllowLoopback, long modelCacheMaxBytes) {

    public static final long DEFAULT_MODEL_CACHE_MAX_BYTES = 512L * 1024 * 1024;

    public static ClassifySettings from(Environment env) {
        return new ClassifySettings(
                env.string(Env.DEFAULT_IMAGE_MODEL, StackParameter.DEFAULT_IMAGE_MODEL.defaultValue()),
                env.flag(Env.URL_FETCH_ALLOW_LOOPBACK),
                env.number(Env.MODEL_CACHE_MAX_BYTES, DEFAULT_MODEL_CACHE_MAX_BYTES));
    }
}
