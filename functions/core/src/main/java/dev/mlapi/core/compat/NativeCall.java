package dev.mlapi.core.compat;

import dev.mlapi.core.http.AdaptedRoute;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.RouteHandler;
import dev.mlapi.core.http.RouteTemplate;
import dev.mlapi.core.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * One call of a native route from an adapted one: the caller's request with what the adapter
 * changes (path parameters, query, body, headers); everything else (caller, request id, history
 * fields) stays the caller's.
 */
public final class NativeCall {

    private final ApiRequest request;
    private final RouteTemplate target;
    private final Map<String, String> pathParameters = new LinkedHashMap<>();
    private Map<String, String> query;
    private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private byte[] body;

    private NativeCall(ApiRequest request, String nativeRouteKey) {
        this.request = request;
        this.target = RouteTemplate.parse(nativeRouteKey);
        this.query = request.queryParameters();
        this.headers.putAll(request.headers());
        this.body = request.body();
    }

    /** Starts a call of {@code nativeRouteKey} with {@code request} as it came. */
    public static NativeCall of(ApiRequest request, String nativeRouteKey) {
        return new NativeCall(request, nativeRouteKey);
    }

    public NativeCall pathParameter(String name, String value) {
        pathParameters.put(name, value);
        return this;
    }

    public NativeCall query(Map<String, String> query) {
        this.query = Map.copyOf(query);
        return this;
    }

    /** A JSON body (what the native route reads), replacing the caller's body and content type. */
    public NativeCall json(Object value) {
        return body("application/json", Json.write(value));
    }

    public NativeCall body(String contentType, byte[] body) {
        headers.put("content-type", contentType);
        this.body = body;
        return this;
    }

    public NativeCall noBody() {
        headers.remove("content-type");
        this.body = new byte[0];
        return this;
    }

    /** Runs the native route's code on the translated request. */
    public ApiResponse call(AdaptedRoute.NativeRoutes natives) {
        RouteHandler nativeRoute = natives.route(target.routeKey());
        String path = target.path();
        for (var parameter : pathParameters.entrySet()) {
            path = path.replace("{" + parameter.getKey() + "}",
                    URLEncoder.encode(parameter.getValue(), StandardCharsets.UTF_8)
                            .replace("+", "%20"));
        }
        return nativeRoute.handle(request.derive(target.routeKey(), path, headers, query, pathParameters, body));
    }
}
