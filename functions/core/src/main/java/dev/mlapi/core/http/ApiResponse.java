package dev.mlapi.core.http;

import dev.mlapi.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a route handler returns: status, headers and body bytes, independent of Lambda types. */
public record ApiResponse(int status, Map<String, String> headers, byte[] body) {

    public static final String JSON = "application/json; charset=utf-8";
    public static final String PROBLEM_JSON = "application/problem+json";

    public ApiResponse {
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    public static ApiResponse json(int status, Object value) {
        return new ApiResponse(status, Map.of("content-type", JSON), Json.write(value));
    }

    public static ApiResponse ok(Object value) {
        return json(200, value);
    }

    public static ApiResponse created(Object value, String location) {
        return new ApiResponse(201, Map.of("content-type", JSON, "location", location), Json.write(value));
    }

    public static ApiResponse noContent() {
        return new ApiResponse(204, Map.of(), new byte[0]);
    }

    public static ApiResponse bytes(int status, String contentType, byte[] body) {
        return new ApiResponse(status, Map.of("content-type", contentType), body);
    }

    public ApiResponse withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new ApiResponse(status, copy, body);
    }

    public String contentType() {
        return headers.getOrDefault("content-type", "");
    }

    /** Text bodies go to API Gateway as-is; anything else base64-encoded. */
    public boolean isText() {
        String type = contentType();
        return type.isEmpty() || type.startsWith("text/") || type.contains("json") || type.contains("yaml")
                || type.contains("xml") || type.contains("javascript");
    }

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
