package dev.mlapi.core.http;

import java.util.Objects;

/**
 * A route in another system's shape served by a native route of the same function: the adapter
 * translates the request, calls the native route's code and translates its answer. It has the
 * native route's access rule and goes through the same pipeline (auth, problem+json, request log,
 * metrics); it adds no feature of its own.
 *
 * @param routeKey       the adapted route, e.g. {@code POST /compat/django/classify-image}
 * @param nativeRouteKey the native route whose code serves it, e.g. {@code POST /classify}
 * @param adapter        the request and answer translation
 */
public record AdaptedRoute(String routeKey, String nativeRouteKey, Adapter adapter) {

    public AdaptedRoute {
        routeKey = RouteTemplate.parse(routeKey).routeKey();
        nativeRouteKey = RouteTemplate.parse(nativeRouteKey).routeKey();
        Objects.requireNonNull(adapter, "adapter");
    }

    /** Translates one request to native routes (usually {@code nativeRouteKey} alone) and their answers back. */
    @FunctionalInterface
    public interface Adapter {
        ApiResponse serve(ApiRequest request, NativeRoutes natives);
    }

    /** The code of the function's native routes, by route key (e.g. {@code PUT /models/{name}/aliases/{alias}}). */
    @FunctionalInterface
    public interface NativeRoutes {
        RouteHandler route(String routeKey);
    }
}
