package dev.mlapi.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A canary release on the local server over real HTTP, for the guardrail end-to-end test and the
 * rollback-latency benchmark: model {@code name} gets a stable version (the iris tree, 4 features),
 * a failing one (a 2-feature regressor: it refuses every 4-value instance the stable one serves)
 * and a good one (the iris tree again).
 */
final class GuardrailScenario {

    static final int STABLE = 1;
    static final int FAILING = 2;
    static final int GOOD = 3;

    private final HttpClient http = HttpClient.newHttpClient();
    private final URI base;
    private final String token;
    final String name;

    GuardrailScenario(LocalServer server, String adminPassword, String name) throws Exception {
        this.base = server.baseUri();
        this.name = name;
        S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(server.wiring().config()),
                Clock.systemUTC());
        registry.register(tabular(name, TabularOnnx.IRIS_FEATURES), List.of(new ModelFile("model.onnx",
                TabularOnnx.irisTree())));
        registry.register(tabular(name, List.of("x0", "x1")), List.of(new ModelFile("model.onnx",
                TabularOnnx.linearRegressor())));
        registry.register(tabular(name, TabularOnnx.IRIS_FEATURES), List.of(new ModelFile("model.onnx",
                TabularOnnx.irisTree())));
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(base.resolve("/auth/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(BodyPublishers.ofString("username=admin&password=" + adminPassword)).build(),
                BodyHandlers.ofString());
        this.token = json(login).get("access_token").asText();
    }

    private static ModelRegistration tabular(String name, List<String> features) {
        return ModelRegistration.builder().setName(name).setKind(ModelKind.TABULAR).setModelFile("model.onnx")
                .setCreatedBy("admin").optFeatureNames(features).build();
    }

    HttpResponse<String> send(String method, String path, Object body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(Json.write(body)))
                .header("authorization", "Bearer " + token);
        if (body != null) {
            request.header("content-type", "application/json");
        }
        headers.forEach(request::header);
        return http.send(request.build(), BodyHandlers.ofString());
    }

    JsonNode setAlias(Map<String, Object> body) throws Exception {
        HttpResponse<String> response = send("PUT", "/models/" + name + "/aliases/production", body, Map.of());
        if (response.statusCode() != 200) {
            throw new AssertionError("PUT alias: " + response.statusCode() + " " + response.body());
        }
        return json(response);
    }

    JsonNode alias() throws Exception {
        return json(send("GET", "/models/" + name + "/aliases/production", null, Map.of()));
    }

    JsonNode events() throws Exception {
        return json(send("GET", "/models/" + name + "/aliases/production/events", null, Map.of()));
    }

    /** One predict of {@code name@production} under request id {@code requestId}: its status and the role that served. */
    Served predict(String requestId) throws Exception {
        HttpResponse<String> response = send("POST", "/predict", Map.of("model", name + "@production",
                "instances", List.of(List.of(5.1, 3.5, 1.4, 0.2))), Map.of("x-request-id", requestId));
        JsonNode body = json(response);
        return new Served(response.statusCode(), response.statusCode() == 200 ? body.at("/model/role").asText()
                : "refused");
    }

    record Served(int status, String role) {
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }
}
