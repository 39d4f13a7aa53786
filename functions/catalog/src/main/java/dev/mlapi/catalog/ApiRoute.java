package dev.mlapi.catalog;

import java.util.Locale;
import java.util.Objects;

/** One operation of the HTTP API: method, path template and the function module that serves it. */
public record ApiRoute(String method, String path, String function) {

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
