package dev.mlapi.core.compat.resnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.compat.Answers;
import dev.mlapi.core.compat.NativeCall;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.http.AdaptedRoute;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.MultipartPart;
import dev.mlapi.core.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The FastAPI ResNet50 service's routes ({@code /register}, {@code /token}, {@code /forward},
 * {@code /history}, {@code /stats}) under {@code /compat/resnet}.
 */
public final class ResnetRoutes {

    public static final String BASE = "/compat/resnet";

    public static final List<AdaptedRoute> ROUTES = List.of(
            new AdaptedRoute("POST " + BASE + "/register", "POST /auth/users", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "POST /auth/users").json(registration(request)).call(natives),
                            ResnetRoutes::user)),
            new AdaptedRoute("POST " + BASE + "/token", "POST /auth/login", (request, natives) ->
                    NativeCall.of(request, "POST /auth/login").call(natives)),
            new AdaptedRoute("POST " + BASE + "/forward", "POST /classify", ResnetRoutes::forward),
            new AdaptedRoute("GET " + BASE + "/history", "GET /history", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "GET /history").query(historyQuery(request)).call(natives),
                            ResnetRoutes::history)),
            new AdaptedRoute("DELETE " + BASE + "/history", "DELETE /history", (request, natives) ->
                    NativeCall.of(request, "DELETE /history").call(natives)),
            new AdaptedRoute("GET " + BASE + "/stats", "GET /stats", (request, natives) ->
                    NativeCall.of(request, "GET /stats").call(natives)));

    private ResnetRoutes() {
    }

    /** {@code {username, password, is_admin}}; {@code is_admin: true} asks for the admin role (admins only). */
    private static Object registration(ApiRequest request) {
        JsonNode sent = Json.readTree(request.body());
        if (!sent.isObject()) {
            throw new InvalidInput("the request body must be a JSON object {username, password, is_admin}");
        }
        ObjectNode body = Answers.object();
        sent.fields().forEachRemaining(field -> {
            switch (field.getKey()) {
                case "username", "password", "email" -> body.set(field.getKey(), field.getValue());
                case "is_admin" -> {
                    if (!field.getValue().isBoolean()) {
                        throw InvalidInput.field("is_admin", "must be true or false");
                    }
                    if (field.getValue().booleanValue()) {
                        body.put("role", "admin");
                    }
                }
                default -> throw InvalidInput.field(field.getKey(), "unknown field; expected username, password, is_admin");
            }
        });
        return body;
    }

    private static Object user(JsonNode user) {
        ObjectNode shaped = Answers.object();
        shaped.set("id", user.path("id"));
        shaped.set("username", user.path("username"));
        shaped.put("is_admin", "admin".equals(user.path("role").asText()));
        return shaped;
    }

    /**
     * An {@code image} part is classified; a {@code data} part (JSON) is echoed as the service did,
     * behind the same token check. Anything else is a 400 naming the two.
     */
    private static ApiResponse forward(ApiRequest request, AdaptedRoute.NativeRoutes natives) {
        if (request.isMultipart()) {
            List<MultipartPart> parts = request.multipart();
            Optional<MultipartPart> data = parts.stream().filter(part -> part.name().equals("data")).findFirst();
            boolean image = parts.stream().anyMatch(part -> part.name().equals("image"));
            if (data.isPresent() && !image) {
                ObjectNode result = Answers.object();
                result.put("message", "JSON data processed");
                result.set("received_data", Json.readTree(data.get().data()));
                return ApiResponse.ok(Map.of("result", result));
            }
            if (!image) {
                throw new InvalidInput("send the image as the multipart field 'image' (-F image=@photo.jpg),"
                        + " or JSON as the field 'data' (-F 'data={...}')");
            }
        }
        return Answers.reshape(NativeCall.of(request, "POST /classify").call(natives), ResnetRoutes::predictions);
    }

    private static Object predictions(JsonNode answer) {
        ArrayNode predictions = Json.mapper().createArrayNode();
        answer.path("predictions").forEach(p -> predictions.addObject().put("class", p.path("label").asText())
                .set("probability", p.path("probability")));
        ObjectNode result = Answers.object();
        result.set("predictions", predictions);
        result.set("top_class", answer.path("classification"));
        result.set("top_probability", answer.path("confidence"));
        return Map.of("result", result);
    }

    /** The service answered its whole history: here the newest page of up to 1000 entries. */
    private static Map<String, String> historyQuery(ApiRequest request) {
        Map<String, String> query = new LinkedHashMap<>(request.queryParameters());
        query.putIfAbsent("limit", "1000");
        return query;
    }

    private static Object history(JsonNode page) {
        ArrayNode items = Json.mapper().createArrayNode();
        page.path("items").forEach(entry -> {
            ObjectNode item = items.addObject();
            item.set("id", entry.path("request_id"));
            item.put("request_type", entry.has("image_width") || entry.has("image_url") ? "image" : "json");
            item.set("processing_time", entry.path("processing_time"));
            item.set("input_data_size", entry.path("input_size"));
            item.set("image_width", entry.has("image_width") ? entry.get("image_width") : null);
            item.set("image_height", entry.has("image_height") ? entry.get("image_height") : null);
            item.set("status_code", entry.path("status_code"));
            item.set("result", entry.has("result") ? entry.get("result") : null);
            item.set("error_message", entry.has("error_message") ? entry.get("error_message") : null);
            item.set("created_at", entry.path("created_at"));
        });
        ObjectNode shaped = Answers.object();
        shaped.put("total", items.size());
        shaped.set("items", items);
        return shaped;
    }
}
