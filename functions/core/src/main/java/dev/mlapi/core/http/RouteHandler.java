package dev.mlapi.core.http;

/** The code behind one route. */
@FunctionalInterface
public interface RouteHandler {
    ApiResponse handle(ApiRequest request);
}
