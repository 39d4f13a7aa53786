package dev.mlapi.core.compat.drf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.auth.BasicCredentials;
import dev.mlapi.core.compat.Answers;
import dev.mlapi.core.compat.NativeCall;
import dev.mlapi.core.http.AdaptedRoute;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.json.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Django REST framework images-and-tags API ({@code /api/}, {@code /api/images/},
 * {@code /api/tags/}, {@code /api/trackings/}) under {@code /compat/drf}: DRF's field names and
 * its page shape {@code {count, next, previous, results}} over the native cursor pages.
 *
 * <p>Pages: {@code next} is the absolute URL of the same route with the native cursor
 * ({@code ?cursor=}); pages go forward only, so {@code previous} is null; {@code count} is known
 * only when one page holds everything (else null: counting would read every record).
 * HTTP Basic ({@code -u user:pass}) is accepted on the {@code /api/...} routes ({@link #acceptsBasic};
 * checked by {@code Authenticator} as a login is); {@code POST /compat/drf/api-token-auth/} gives
 * DRF's {@code {"token"}} for {@code Authorization: Token <token>}.
 */
public final class DrfRoutes {

    public static final String BASE = "/compat/drf";

    public static final List<AdaptedRoute> ROUTES = List.of(
            new AdaptedRoute("GET " + BASE + "/api", "GET /auth/users/me", DrfRoutes::root),
            new AdaptedRoute("POST " + BASE + "/api-token-auth", "POST /auth/login", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "POST /auth/login").call(natives),
                            token -> Map.of("token", token.path("access_token").asText()))),
            new AdaptedRoute("GET " + BASE + "/api/images", "GET /images", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "GET /images").query(imagesQuery(request)).call(natives),
                            page -> page(request, page, DrfRoutes::image))),
            new AdaptedRoute("POST " + BASE + "/api/images", "POST /images", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "POST /images").call(natives),
                            created -> image(created.path("items").path(0)))),
            new AdaptedRoute("GET " + BASE + "/api/images/{id}", "GET /images/{id}", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "GET /images/{id}")
                            .pathParameter("id", request.pathParameter("id")).call(natives), DrfRoutes::image)),
            new AdaptedRoute("DELETE " + BASE + "/api/images/{id}", "DELETE /images/{id}", (request, natives) ->
                    NativeCall.of(request, "DELETE /images/{id}").pathParameter("id", request.pathParameter("id"))
                            .call(natives)),
            new AdaptedRoute("GET " + BASE + "/api/tags", "GET /tags", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "GET /tags").query(pageQuery(request)).call(natives),
                            page -> page(request, page, DrfRoutes::tag))),
            new AdaptedRoute("POST " + BASE + "/api/tags", "POST /tags", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "POST /tags").call(natives), DrfRoutes::tag)),
            new AdaptedRoute("GET " + BASE + "/api/tags/{name}", "GET /tags/{name}", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "GET /tags/{name}")
                            .pathParameter("name", request.pathParameter("name")).call(natives), DrfRoutes::tag)),
            new AdaptedRoute("GET " + BASE + "/api/trackings", "GET /history", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "GET /history").query(pageQuery(request)).call(natives),
                            page -> page(request, page, DrfRoutes::tracking))));

    private DrfRoutes() {
    }

    /** Whether a route accepts HTTP Basic: DRF's {@code /api/} and everything under it ({@link BasicCredentials#acceptsRoute}). */
    public static boolean acceptsBasic(String routeKeyOrPath) {
        return BasicCredentials.acceptsRoute(routeKeyOrPath);
    }

    /** DRF's API root: the caller must be signed in (checked by the native route); the list's links. */
    private static ApiResponse root(ApiRequest request, AdaptedRoute.NativeRoutes natives) {
        ApiResponse me = NativeCall.of(request, "GET /auth/users/me").call(natives);
        return Answers.reshape(me, user -> {
            String api = origin(request) + BASE + "/api/";
            ObjectNode links = Answers.object();
            links.put("images", api + "images/");
            links.put("tags", api + "tags/");
            links.put("trackings", api + "trackings/");
            return links;
        });
    }

    /** django-filter's {@code ?tags=a&tags=b} (any of them) as the native {@code tag} with {@code match=any}. */
    private static Map<String, String> imagesQuery(ApiRequest request) {
        Map<String, String> query = pageQuery(request);
        request.query("tags").filter(tags -> !tags.isBlank()).ifPresent(tags -> {
            query.put("tag", tags);
            query.put("match", request.query("match").orElse("any"));
        });
        return query;
    }

    /** The native cursor, and DRF's {@code page_size} (or {@code limit}) as the native limit. */
    private static Map<String, String> pageQuery(ApiRequest request) {
        Map<String, String> query = new LinkedHashMap<>();
        request.query("cursor").ifPresent(cursor -> query.put("cursor", cursor));
        request.query("page_size").or(() -> request.query("limit")).ifPresent(limit -> query.put("limit", limit));
        return query;
    }

    /** {@code {count, next, previous, results}} of a native {@code {items, next_cursor}} page. */
    private static Object page(ApiRequest request, JsonNode page, Function<JsonNode, ObjectNode> item) {
        ArrayNode results = Json.mapper().createArrayNode();
        page.path("items").forEach(entry -> results.add(item.apply(entry)));
        String cursor = page.path("next_cursor").isTextual() ? page.path("next_cursor").asText() : null;
        ObjectNode shaped = Answers.object();
        if (cursor == null && request.query("cursor").isEmpty()) {
            shaped.put("count", results.size());
        } else {
            shaped.putNull("count");
        }
        if (cursor == null) {
            shaped.putNull("next");
        } else {
            Map<String, String> query = new LinkedHashMap<>(request.queryParameters());
            query.put("cursor", cursor);
            shaped.put("next", origin(request) + request.path() + "?" + query.entrySet().stream()
                    .map(e -> encode(e.getKey()) + "=" + encode(e.getValue())).collect(Collectors.joining("&")));
        }
        shaped.putNull("previous");
        shaped.set("results", results);
        return shaped;
    }

    /** {@code {id, image, tags, created_at}}: {@code image} is the file's (presigned) URL, tags by name. */
    private static ObjectNode image(JsonNode image) {
        ObjectNode shaped = Answers.object();
        shaped.set("id", image.path("id"));
        shaped.set("image", image.path("url"));
        shaped.set("tags", image.has("tags") ? image.get("tags") : Json.mapper().createArrayNode());
        shaped.set("created_at", image.path("created_at"));
        return shaped;
    }

    /** {@code {name}}: the name is the tag's key (its detail route is {@code /api/tags/<name>/}). */
    private static ObjectNode tag(JsonNode tag) {
        ObjectNode shaped = Answers.object();
        shaped.set("name", tag.path("name"));
        return shaped;
    }

    /** An interaction: {@code {id, user, method, path, status_code, created_at}} of a logged request. */
    private static ObjectNode tracking(JsonNode entry) {
        String route = entry.path("route").asText("");
        int space = route.indexOf(' ');
        ObjectNode shaped = Answers.object();
        shaped.set("id", entry.path("request_id"));
        shaped.set("user", entry.has("user") ? entry.get("user") : null);
        shaped.put("method", space < 0 ? route : route.substring(0, space));
        shaped.put("path", space < 0 ? "" : route.substring(space + 1));
        shaped.set("status_code", entry.path("status_code"));
        shaped.set("created_at", entry.path("created_at"));
        return shaped;
    }

    /** {@code scheme://host} as the caller addressed it (DRF's links are absolute). */
    private static String origin(ApiRequest request) {
        String host = request.header("host").orElse("localhost");
        String scheme = request.header("x-forwarded-proto").map(p -> p.split(",")[0].trim()).orElse("http");
        return scheme + "://" + host;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
