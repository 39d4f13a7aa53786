package dev.mlapi.core.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** Reshapes native answers: a success into the other system's shape; a refusal stays problem+json. */
public final class Answers {

    private Answers() {
    }

    public static boolean succeeded(ApiResponse response) {
        return response.status() >= 200 && response.status() < 300;
    }

    /** The success's JSON body reshaped by {@code shape} (same status); anything else as it is. */
    public static ApiResponse reshape(ApiResponse response, Function<JsonNode, Object> shape) {
        return reshape(response, response.status(), shape);
    }

    /** As {@link #reshape(ApiResponse, Function)} with the other system's success status; a non-JSON success (CSV) as it is. */
    public static ApiResponse reshape(ApiResponse response, int status, Function<JsonNode, Object> shape) {
        if (!succeeded(response) || !response.contentType().contains("json")) {
            return response;
        }
        return ApiResponse.json(status, shape.apply(body(response)));
    }

    /** A success as plain text of {@code text}; anything else as it is. */
    public static ApiResponse text(ApiResponse response, Function<JsonNode, String> text) {
        if (!succeeded(response)) {
            return response;
        }
        return ApiResponse.bytes(response.status(), "text/plain; charset=utf-8",
                text.apply(body(response)).getBytes(StandardCharsets.UTF_8));
    }

    public static JsonNode body(ApiResponse response) {
        return response.body().length == 0 ? Json.mapper().createObjectNode() : Json.readTree(response.body());
    }

    public static ObjectNode object() {
        return Json.mapper().createObjectNode();
    }
}
