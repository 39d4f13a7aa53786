package dev.mlapi.core.compat.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.compat.Answers;
import dev.mlapi.core.compat.NativeCall;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.core.http.AdaptedRoute;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The FastAPI train/predict service's routes ({@code /request_token}, {@code /train},
 * {@code /predict}, {@code /status}) under {@code /compat/trainer}. Its {@code /train} searched a
 * grid on its built-in dataset: here Fisher's iris (the copy scikit-learn ships, UCI Machine
 * Learning Repository, CC BY 4.0), trained as a native job into the caller's own model
 * {@code compat-iris-<username>}, and waited for up to {@link #WAIT} so the answer is the result.
 */
public final class TrainerRoutes {

    public static final String BASE = "/compat/trainer";

    /** How long /train waits for its job: under API Gateway's 30 s; a longer job answers 202 with its status URL. */
    static final Duration WAIT = Duration.ofSeconds(25);

    private static final String DATASET = "iris.csv";

    public static final List<AdaptedRoute> ROUTES = List.of(
            new AdaptedRoute("POST " + BASE + "/request_token", "POST /auth/login", (request, natives) ->
                    NativeCall.of(request, "POST /auth/login").call(natives)),
            new AdaptedRoute("POST " + BASE + "/train", "POST /train", TrainerRoutes::train),
            new AdaptedRoute("GET " + BASE + "/status", "GET /train", TrainerRoutes::status),
            new AdaptedRoute("POST " + BASE + "/predict", "POST /predict", TrainerRoutes::predict));

    private TrainerRoutes() {
    }

    /** The caller's model: one per user, so no two users' /train claim the same name. */
    static String modelName(ApiRequest request) {
        return "compat-iris-" + request.requirePrincipal().username();
    }

    /** {@code {algorithm, params?}} → the job on the built-in dataset; its result when done in time. */
    private static ApiResponse train(ApiRequest request, AdaptedRoute.NativeRoutes natives) {
        JsonNode sent = Json.readTree(request.body());
        if (!sent.isObject()) {
            throw new InvalidInput("the request body must be a JSON object {algorithm, params}");
        }
        ObjectNode job = Answers.object();
        job.put("model_name", modelName(request));
        job.put("task", "classification");
        job.put("target", "species");
        job.putObject("dataset").put("csv", dataset());
        sent.fields().forEachRemaining(field -> {
            switch (field.getKey()) {
                case "algorithm" -> job.set("algorithm", field.getValue());
                case "params" -> {
                    if (!field.getValue().isNull() && !field.getValue().isEmpty()) {
                        job.set("params", asGrid(field.getValue()));
                    }
                }
                default -> throw InvalidInput.field(field.getKey(), "unknown field; expected algorithm, params");
            }
        });
        ApiResponse accepted = NativeCall.of(request, "POST /train").json(job).call(natives);
        if (!Answers.succeeded(accepted)) {
            return accepted;
        }
        String jobId = Answers.body(accepted).path("job_id").asText();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            ApiResponse read = NativeCall.of(request, "GET /train/{job_id}").pathParameter("job_id", jobId)
                    .query(Map.of()).noBody().call(natives);
            if (!Answers.succeeded(read)) {
                return read;
            }
            JsonNode state = Answers.body(read);
            switch (state.path("status").asText()) {
                case "succeeded" -> {
                    return ApiResponse.ok(result(state));
                }
                case "failed", "cancelled" -> throw new Unprocessable("training failed: " + state.path("error").asText(
                        state.path("status").asText()));
                default -> pause();
            }
        }
        return accepted;
    }

    /** The service's grid values may be single values; the native grid takes lists. */
    private static JsonNode asGrid(JsonNode params) {
        if (!params.isObject()) {
            throw InvalidInput.field("params", "must be an object of parameter → value or list of values");
        }
        ObjectNode grid = Answers.object();
        params.fields().forEachRemaining(field -> {
            if (field.getValue().isArray()) {
                grid.set(field.getKey(), field.getValue());
            } else {
                grid.putArray(field.getKey()).add(field.getValue());
            }
        });
        return grid;
    }

    private static Object result(JsonNode job) {
        ObjectNode shaped = Answers.object();
        shaped.set("best_params", job.path("result").path("best_params"));
        shaped.set("best_score", job.path("result").path("best_score"));
        shaped.set("model", job.path("result").path("model"));
        return shaped;
    }

    /** The last model's state: {@code {model_trained, status, best_params, training_accuracy}}. */
    private static ApiResponse status(ApiRequest request, AdaptedRoute.NativeRoutes natives) {
        String model = modelName(request);
        ApiResponse page = NativeCall.of(request, "GET /train").query(Map.of("limit", "100")).call(natives);
        if (!Answers.succeeded(page)) {
            return page;
        }
        JsonNode last = null;
        for (JsonNode job : Answers.body(page).path("items")) {
            if (model.equals(job.path("model_name").asText()) && request.requirePrincipal().username()
                    .equals(job.path("owner").asText(request.requirePrincipal().username()))) {
                last = job;
                break;
            }
        }
        ObjectNode shaped = Answers.object();
        if (last == null) {
            shaped.put("model_trained", false);
            return ApiResponse.ok(shaped);
        }
        shaped.put("model_trained", "succeeded".equals(last.path("status").asText()));
        shaped.set("status", last.path("status"));
        shaped.set("algorithm", last.path("algorithm"));
        if ("succeeded".equals(last.path("status").asText())) {
            ApiResponse read = NativeCall.of(request, "GET /train/{job_id}")
                    .pathParameter("job_id", last.path("job_id").asText()).query(Map.of()).noBody().call(natives);
            if (!Answers.succeeded(read)) {
                return read;
            }
            JsonNode result = Answers.body(read).path("result");
            shaped.set("best_params", result.path("best_params"));
            shaped.set("training_accuracy", result.path("best_score"));
        }
        return ApiResponse.ok(shaped);
    }

    /**
     * Input features as {@code {"features": [4 numbers]}}, a bare list, or named
     * ({@code {"sepal_length": …}}) → {@code {"prediction": "<class>"}} from the caller's model.
     */
    private static ApiResponse predict(ApiRequest request, AdaptedRoute.NativeRoutes natives) {
        JsonNode sent = Json.readTree(request.body());
        JsonNode instance = sent.isObject() && sent.has("features") ? sent.get("features") : sent;
        if (!instance.isArray() && !instance.isObject()) {
            throw new InvalidInput("send the input features as {\"features\": [sepal_length, sepal_width, petal_length,"
                    + " petal_width]} or by name");
        }
        ObjectNode body = Answers.object();
        body.put("model", modelName(request));
        body.putArray("instances").add(instance);
        return Answers.reshape(NativeCall.of(request, "POST /predict").json(body).call(natives),
                answer -> Map.of("prediction", answer.path("predictions").path(0).path("label")));
    }

    static String dataset() {
        try (InputStream in = TrainerRoutes.class.getResourceAsStream(DATASET)) {
            if (in == null) {
                throw new IllegalStateException(DATASET + " is missing beside " + TrainerRoutes.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the training job", e);
        }
    }
}
