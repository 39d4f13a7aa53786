package dev.mlapi.core.compat.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.compat.Answers;
import dev.mlapi.core.compat.FormData;
import dev.mlapi.core.compat.NativeCall;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.http.AdaptedRoute;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The FastAPI model registry's routes ({@code /login}, {@code /status}, {@code /upload_model},
 * {@code /get_model}, {@code /inference}) under {@code /compat/registry}; its {@code /metrics} is
 * the local server's, as the native one. Its login took the password in the query string: refused,
 * the answer says to send it in the body.
 */
public final class RegistryRoutes {

    public static final String BASE = "/compat/registry";

    public static final List<AdaptedRoute> ROUTES = List.of(
            new AdaptedRoute("POST " + BASE + "/login", "POST /auth/login", RegistryRoutes::login),
            new AdaptedRoute("GET " + BASE + "/status", "GET /health", (request, natives) ->
                    Answers.reshape(NativeCall.of(request, "GET /health").call(natives), RegistryRoutes::status)),
            new AdaptedRoute("POST " + BASE + "/upload_model", "POST /models/{name}/versions", RegistryRoutes::upload),
            new AdaptedRoute("GET " + BASE + "/get_model", "GET /models/{name}/versions/{version}", (request, natives) ->
                    NativeCall.of(request, "GET /models/{name}/versions/{version}")
                            .pathParameter("name", required(request, "model_name"))
                            .pathParameter("version", required(request, "model_version"))
                            .query(Map.of()).call(natives)),
            new AdaptedRoute("GET " + BASE + "/inference", "GET /predict", RegistryRoutes::inference));

    private RegistryRoutes() {
    }

    private static ApiResponse login(ApiRequest request, AdaptedRoute.NativeRoutes natives) {
        if (request.queryParameters().containsKey("password")) {
            throw InvalidInput.field("password", "a password in the query string is refused: URLs land in access logs"
                    + " and browser history. Send username and password in the body instead (a form, or JSON"
                    + " {\"username\", \"password\"}) to the same URL");
        }
        return NativeCall.of(request, "POST /auth/login").query(Map.of()).call(natives);
    }

    /** {@code {status, memory{total, available, percent, used, free}, cpu_usage, disk_usage{…}}}; the figures for admins. */
    private static Object status(JsonNode health) {
        ObjectNode shaped = Answers.object();
        shaped.put("status", "ok".equals(health.path("status").asText()) ? "healthy" : health.path("status").asText());
        JsonNode memory = health.path("memory");
        if (!memory.isMissingNode()) {
            long total = memory.path("system_total_bytes").asLong(memory.path("heap_max_bytes").asLong());
            long free = memory.path("system_free_bytes").asLong(total - memory.path("heap_used_bytes").asLong());
            shaped.putObject("memory").put("total", total).put("available", free)
                    .put("percent", percent(total - free, total)).put("used", total - free).put("free", free);
            double load = health.path("cpu").path("process_cpu_load").asDouble(0);
            shaped.put("cpu_usage", String.format(Locale.ROOT, "%.1f%%", Math.max(0, load) * 100));
            JsonNode disk = health.path("tmp_disk");
            long diskTotal = disk.path("total_bytes").asLong();
            long diskFree = disk.path("free_bytes").asLong();
            shaped.putObject("disk_usage").put("total", diskTotal).put("used", diskTotal - diskFree)
                    .put("free", diskFree).put("percent", percent(diskTotal - diskFree, diskTotal));
        }
        return shaped;
    }

    private static double percent(long part, long total) {
        return total <= 0 ? 0 : Math.round(1000.0 * part / total) / 10.0;
    }

    /**
     * {@code ?model_name&model_description&model_version&deployment} with the form's
     * {@code model_file} and {@code artifact_files}: a new registry version (its number is the
     * registry's, allocated atomically), aliased {@code production} when {@code deployment=True}.
     */
    private static ApiResponse upload(ApiRequest request, AdaptedRoute.NativeRoutes natives) {
        String name = required(request, "model_name");
        boolean deploy = request.query("deployment").map(v -> v.equalsIgnoreCase("true")).orElse(false);
        if (!request.isMultipart()) {
            throw new InvalidInput("send the files as multipart/form-data: --form model_file=@… [--form artifact_files=@…]");
        }
        var parts = request.multipart();
        FormData form = new FormData().parts(parts);
        if (parts.stream().noneMatch(part -> part.name().equals("kind"))) {
            // The registry served tabular models (features in, a value out); a form may still name its kind.
            form.field("kind", "tabular");
        }
        request.query("model_description").ifPresent(description -> form.field("description", description));
        ApiResponse created = NativeCall.of(request, "POST /models/{name}/versions").pathParameter("name", name)
                .query(Map.of()).body(form.contentType(), form.bytes()).call(natives);
        if (!Answers.succeeded(created)) {
            return created;
        }
        JsonNode version = Answers.body(created);
        if (deploy) {
            ApiResponse aliased = NativeCall.of(request, "PUT /models/{name}/aliases/{alias}").pathParameter("name", name)
                    .pathParameter("alias", "production").query(Map.of())
                    .json(Map.of("version", version.path("version").asInt())).call(natives);
            if (!Answers.succeeded(aliased)) {
                return aliased;
            }
        }
        ObjectNode shaped = Answers.object();
        String prefix = name + "/" + version.path("version").asInt() + "/";
        shaped.put("model_id", name);
        shaped.set("model_version_id", version.path("version"));
        shaped.put("model_path", prefix + version.path("model_file").asText());
        ArrayNode artifacts = shaped.putArray("artifact_paths");
        version.path("files").forEach(file -> {
            String fileName = file.path("name").asText();
            if (!fileName.equals(version.path("model_file").asText())) {
                artifacts.add(prefix + "artifacts/" + fileName);
            }
        });
        shaped.put("status", deploy ? "deployed" : "registered");
        return ApiResponse.json(created.status(), shaped);
    }

    /** {@code ?model_name&model_version&<feature>=…} → {@code {"prediction": value}}. */
    private static ApiResponse inference(ApiRequest request, AdaptedRoute.NativeRoutes natives) {
        Map<String, String> query = new LinkedHashMap<>(request.queryParameters());
        String name = required(request, "model_name");
        query.remove("model_name");
        String version = query.remove("model_version");
        query.put("model", version == null || version.isBlank() ? name : name + ":" + version.trim());
        return Answers.reshape(NativeCall.of(request, "GET /predict").query(query).call(natives), answer -> {
            JsonNode first = answer.path("predictions").path(0);
            return Map.of("prediction", first.has("value") ? first.get("value") : first.path("label"));
        });
    }

    private static String required(ApiRequest request, String name) {
        return request.query(name).orElseThrow(() -> InvalidInput.field(name, "is required in the query string"));
    }
}
