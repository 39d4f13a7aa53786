package dev.mlapi.core.compat.django;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.compat.Answers;
import dev.mlapi.core.compat.NativeCall;
import dev.mlapi.core.http.AdaptedRoute;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.json.Json;
import java.util.List;
import java.util.Map;

/**
 * The Django image classifier's routes (djoser token auth, {@code /classify-image}, {@code /report},
 * {@code /secret}) under {@code /compat/django}: its clients change only their base URL. Its
 * {@code Authorization: Token <t>} is accepted everywhere as a synonym of {@code Bearer}.
 */
public final class DjangoRoutes {

    public static final String BASE = "/compat/django";

    public static final List<AdaptedRoute> ROUTES = List.of(
            new AdaptedRoute("POST " + BASE + "/classify-image", "POST /classify", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "POST /classify").call(natives), DjangoRoutes::classification)),
            new AdaptedRoute("GET " + BASE + "/report", "GET /report", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "GET /report").call(natives), DjangoRoutes::report)),
            new AdaptedRoute("GET " + BASE + "/secret", "GET /auth/users/me", (request, natives) ->
                    Answers.text(NativeCall.of(request, "GET /auth/users/me").call(natives),
                            user -> "Hi " + user.path("username").asText())),
            new AdaptedRoute("POST " + BASE + "/auth/users", "POST /auth/users", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "POST /auth/users").json(registration(request)).call(natives),
                            DjangoRoutes::user)),
            new AdaptedRoute("GET " + BASE + "/auth/users", "GET /auth/users", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "GET /auth/users").call(natives), DjangoRoutes::users)),
            new AdaptedRoute("GET " + BASE + "/auth/users/me", "GET /auth/users/me", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "GET /auth/users/me").call(natives), DjangoRoutes::user)),
            new AdaptedRoute("POST " + BASE + "/auth/token/login", "POST /auth/login", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "POST /auth/login").call(natives),
                            token -> Map.of("auth_token", token.path("access_token").asText()))),
            new AdaptedRoute("POST " + BASE + "/auth/token/logout", "POST /auth/logout", (request, natives) ->
                    NativeCall.of(request, "POST /auth/logout").noBody().call(natives)),
            new AdaptedRoute("POST " + BASE + "/auth/password", "POST /auth/password", (request, natives) ->
                    NativeCall.of(request, "POST /auth/password").call(natives)));

    private DjangoRoutes() {
    }

    /** {@code {processing_time, classification, confidence}}: the classifier's whole answer. */
    private static Object classification(JsonNode answer) {
        ObjectNode shaped = Answers.object();
        shaped.set("processing_time", answer.path("processing_time"));
        shaped.set("classification", answer.path("classification"));
        shaped.set("confidence", answer.path("confidence"));
        return shaped;
    }

    /** The classifier's report rows: its five columns of the native rows (other groupings, as they are). */
    private static Object report(JsonNode rows) {
        var list = Json.mapper().createArrayNode();
        rows.forEach(row -> {
            ObjectNode shaped = list.addObject();
            row.fields().forEachRemaining(field -> {
                if (REPORT_FIELDS.contains(field.getKey()) || !row.has("image_url")) {
                    shaped.set(field.getKey(), field.getValue());
                }
            });
        });
        return list;
    }

    private static final List<String> REPORT_FIELDS = List.of("image_url", "classification_count",
            "processing_time_avg", "processing_time_max", "processing_time_min");

    /** djoser's user: {@code {email, id, username}}, email "" when none. */
    private static Object user(JsonNode user) {
        ObjectNode shaped = Answers.object();
        shaped.put("email", user.path("email").asText(""));
        shaped.set("id", user.path("id"));
        shaped.set("username", user.path("username"));
        return shaped;
    }

    private static Object users(JsonNode page) {
        var list = Json.mapper().createArrayNode();
        page.path("items").forEach(user -> list.add((JsonNode) user(user)));
        return list;
    }

    /** djoser's registration body ({@code username, password, email?}); its {@code email: ""} means none. */
    private static Object registration(ApiRequest request) {
        ObjectNode body = Answers.object();
        JsonNode sent = Json.readTree(request.body());
        for (String field : List.of("username", "password", "email")) {
            JsonNode value = sent.path(field);
            if (!value.isMissingNode() && !(field.equals("email") && value.asText().isEmpty())) {
                body.set(field, value);
            }
        }
        return body;
    }
}
