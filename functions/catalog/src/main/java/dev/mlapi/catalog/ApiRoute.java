package dev.mlapi.catalog;

import java.util.Locale;
import java.util.Objects;

/**
 * One operation of the HTTP API: method, path template, the function module that serves it, and
 * whether it requires a token (its {@code security} names only token schemes, so API Gateway's
 * authorizer stands in front of it; public and token-optional operations stay open).
 */
public record ApiRoute(String method, String path, String function, boolean requiresToken) {

    public ApiRoute {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(function, "function");
        method = method.toUpperCase(Locale.ROOT);
    }

    /** API Gateway's route key, e.g. {@code GET /auth/users/me}. */
    public String routeKey() {
        return method + " " + path;
    }
}
