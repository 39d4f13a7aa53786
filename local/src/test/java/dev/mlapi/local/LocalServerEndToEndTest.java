package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.inference.TinyOnnx;
import dev.mlapi.training.GridSearch;
import dev.mlapi.training.ModelTrainerTest;
import dev.mlapi.training.TrainSpec;
import dev.mlapi.training.TreeOnnxExporter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import dev.mlapi.core.testkit.Stdout;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole local server over real HTTP, as a newcomer's curl would use it. */
class LocalServerEndToEndTest {

    static final String ADMIN_PASSWORD = "local-admin-password";
    @TempDir
    static Path data;
    static LocalServer server;
    static HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        // as a plain mkdir leaves .local/ on a fresh clone: readable by everyone
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        server = startServer(data);
    }

    static LocalServer startServer(Path dataDir) {
        return LocalServer.start(new LocalSettings(0, "127.0.0.1", dataDir, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> send(String method, String path, String contentType, String body, String token)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUri().resolve(path))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("content-type", contentType);
        }
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), BodyHandlers.ofString());
        assertThat(response.headers().firstValue("x-request-id")).as("x-request-id on " + path).isPresent();
        assertThat(response.statusCode()).as(method + " " + path + " → " + response.body()).isLessThan(500);
        if (response.statusCode() >= 400) {
            assertThat(response.headers().firstValue("content-type")).contains("application/problem+json");
        }
        return response;
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static String login(String username, String password) throws Exception {
        var response = send("POST", "/auth/login", "application/x-www-form-urlencoded",
                "username=" + username + "&password=" + password, null);
        assertThat(response.statusCode()).isEqualTo(200);
        return json(response).get("access_token").asText();
    }

    @Test
    void dataDir_isReachableByItsOwnerOnly_andSecretsAreOwnerOnlyFiles() throws IOException {
        try (var paths = Files.walk(data)) {
            paths.filter(Files::isDirectory).forEach(dir -> {
                try {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).as(dir.toString())
                            .isEqualTo("rwx------");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("jwt-secret"))))
                .isEqualTo("rw-------");
    }

    @Test
    void storage_listensOnLoopbackOnly() throws IOException {
        var config = server.wiring().config();
        for (URI endpoint : new URI[] {config.dynamoDbEndpoint().orElseThrow(), URI.create(config.environment().string("S3_ENDPOINT").orElseThrow())}) {
            dev.mlapi.core.testkit.Listeners.assertLoopbackOnly(endpoint);
        }
    }

    @Test
    void stalledUploads_doNotStopTheServerAnsweringOthers() throws Exception {
        List<java.net.Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                stalled.add(StalledUploads.open(server.baseUri(), "/auth/login"));
            }
            var health = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/health"))
                    .timeout(java.time.Duration.ofSeconds(20)).GET().build(), BodyHandlers.ofString());

            assertThat(health.statusCode()).isEqualTo(200);
        } finally {
            for (java.net.Socket socket : stalled) {
                socket.close();
            }
        }
    }

    @Test
    void userJourney_registerLoginMePasswordLogout_overHttp() throws Exception {
        var created = send("POST", "/auth/users", "application/json",
                "{\"username\":\"journey\",\"password\":\"journey-pass-1\",\"email\":\"j@example.com\"}", null);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created).get("role").asText()).isEqualTo("user");
        assertThat(send("POST", "/auth/users", "application/json",
                "{\"username\":\"journey\",\"password\":\"journey-pass-1\"}", null).statusCode()).isEqualTo(409);

        String token = login("journey", "journey-pass-1");
        assertThat(json(send("GET", "/auth/users/me", null, null, token)).get("username").asText()).isEqualTo("journey");
        assertThat(send("GET", "/auth/users", null, null, token).statusCode()).isEqualTo(403);

        assertThat(send("POST", "/auth/password", "application/json",
                "{\"current_password\":\"journey-pass-1\",\"new_password\":\"journey-pass-2\"}", token).statusCode())
                .isEqualTo(204);
        assertThat(send("GET", "/auth/users/me", null, null, token).statusCode()).isEqualTo(401);
        String fresh = login("journey", "journey-pass-2");
        assertThat(send("POST", "/auth/logout", null, null, fresh).statusCode()).isEqualTo(204);
        assertThat(send("GET", "/auth/users/me", null, null, fresh).statusCode()).isEqualTo(401);
    }

    @Test
    void admin_fromConfiguration_listsUsers() throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        var users = send("GET", "/auth/users?limit=100", null, null, admin);
        assertThat(users.statusCode()).isEqualTo(200);
        assertThat(json(users).get("items").findValuesAsText("username")).contains("admin");
    }

    @Test
    void router_unknownRoute404_wrongMethod405_hugeBody413_allProblemJson() throws Exception {
        assertThat(send("GET", "/no/such/route", null, null, null).statusCode()).isEqualTo(404);
        assertThat(send("PUT", "/auth/login", "application/json", "{}", null).statusCode()).isEqualTo(405);
        String eleven = "x".repeat(11 * 1024 * 1024);
        var tooLarge = send("POST", "/auth/users", "application/json", eleven, null);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(json(tooLarge).get("detail").asText()).contains("6291456");
        // the server keeps serving
        assertThat(send("GET", "/health", null, null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void badInput_overHttp_isClear4xx() throws Exception {
        assertThat(send("POST", "/auth/users", "application/json", "{\"username\":", null).statusCode()).isEqualTo(400);
        assertThat(send("POST", "/auth/users", "application/json", "", null).statusCode()).isEqualTo(400);
        assertThat(send("POST", "/auth/users", "application/json", "{\"username\":[1],\"password\":true}", null).statusCode())
                .isEqualTo(400);
        assertThat(send("POST", "/auth/users", "application/json", "[".repeat(100_000), null).statusCode()).isEqualTo(400);
        assertThat(send("POST", "/auth/users", "application/xml", "<user/>", null).statusCode()).isEqualTo(415);
        assertThat(send("POST", "/auth/login", "application/x-www-form-urlencoded", "username=%zz", null).statusCode())
                .isEqualTo(400);
    }

    @Test
    void health_asAdmin_listsTheModelClassifyLoadedInThisProcess() throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        String boundary = "----health-e2e";
        String metadata = "{\"labels\":[\"red\",\"green\",\"blue\"],\"preprocessing\":{\"resize\":40,\"crop\":32,"
                + "\"scale\":0.00392156862745098,\"mean\":[0,0,0],\"std\":[1,1,1],\"output_is_probability\":false}}";
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nimage_classifier\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + metadata + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model_file\"; filename=\"tiny.onnx\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        form.writeBytes(TinyOnnx.logitsModel());
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        var registered = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/models/health-tiny/versions"))
                .header("authorization", "Bearer " + admin)
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(BodyPublishers.ofByteArray(form.toByteArray())).build(), BodyHandlers.ofString());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        String version = json(registered).get("version").asText();

        BufferedImage blue = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = blue.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(0, 0, 48, 40);
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(blue, "png", png);
        var classified = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/classify?model=health-tiny:" + version))
                .header("authorization", "Bearer " + admin).header("content-type", "image/png")
                .POST(BodyPublishers.ofByteArray(png.toByteArray())).build(), BodyHandlers.ofString());
        assertThat(classified.statusCode()).as(classified.body()).isEqualTo(200);
        assertThat(json(classified).get("classification").asText()).isEqualTo("blue");

        var health = json(send("GET", "/health", null, null, admin));
        assertThat(health.get("loaded_models")).extracting(JsonNode::asText).contains("health-tiny:" + version);
        assertThat(json(send("GET", "/health", null, null, null)).has("loaded_models")).isFalse();
    }

    @Test
    void predict_withATabularModelMadeElsewhere_uploadedThroughModels_overHttp() throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        String boundary = "----predict-e2e";
        String metadata = "{\"feature_names\":[\"sepal_length\",\"sepal_width\",\"petal_length\",\"petal_width\"]}";
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ntabular\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + metadata + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model_file\"; filename=\"iris.onnx\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        form.writeBytes(TabularOnnx.irisTree());
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        var registered = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/models/e2e-iris/versions"))
                .header("authorization", "Bearer " + admin)
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(BodyPublishers.ofByteArray(form.toByteArray())).build(), BodyHandlers.ofString());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        int version = json(registered).get("version").asInt();

        var batch = json(send("POST", "/predict", "application/json",
                "{\"model\":\"e2e-iris:" + version + "\",\"instances\":[[5.1,3.5,1.4,0.2],"
                        + "{\"sepal_length\":6.7,\"sepal_width\":3.0,\"petal_length\":5.2,\"petal_width\":2.3}]}", admin));
        assertThat(batch.get("predictions").findValuesAsText("label")).containsExactly("setosa", "virginica");
        assertThat(batch.get("predictions").get(1).get("probabilities").get("virginica").asDouble()).isEqualTo(0.98);
        assertThat(batch.get("model").get("version").asInt()).isEqualTo(version);

        var one = json(send("GET", "/predict?model=e2e-iris&sepal_length=6&sepal_width=2.9&petal_length=4.5"
                + "&petal_width=1.5", null, null, admin));
        assertThat(one.get("predictions").get(0).get("label").asText()).isEqualTo("versicolor");

        var bad = send("POST", "/predict", "application/json",
                "{\"model\":\"e2e-iris\",\"instances\":[[5.1,3.5,1.4]]}", admin);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("errors").get(0).get("field").asText()).isEqualTo("instances[0]");
        assertThat(send("POST", "/predict", "application/json", "{\"model\":\"nope\",\"instances\":[[1]]}", admin)
                .statusCode()).isEqualTo(404);
    }

    @Test
    void predict_withAForestTrainedByTheTrainingLibrary_equalsTribuoOnEveryTrainingRow() throws Exception {
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", "bands");
        request.put("algorithm", "random_forest");
        request.put("dataset", Map.of("csv", ModelTrainerTest.generatedCsv(150, 5)));
        request.put("params", Map.of("n_estimators", List.of(30), "max_depth", List.of(5)));
        request.put("cv_folds", 3);
        request.put("seed", 42);
        TrainSpec spec = TrainSpec.parse(Json.write(request));
        var search = GridSearch.run(spec.dataset(), spec.algorithm(), spec.candidates(), 3, 42, (d, t) -> { });
        byte[] onnx = TreeOnnxExporter.export(search.model(), spec.dataset().featureNames(), spec.dataset().classes());

        String admin = login("admin", ADMIN_PASSWORD);
        int version = upload(admin, "bands", onnx, spec.dataset().featureNames());
        List<List<Double>> instances = new ArrayList<>();
        for (double[] row : spec.dataset().rows()) {
            instances.add(List.of(row[0], row[1]));
        }
        var response = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/predict"))
                .header("authorization", "Bearer " + admin).header("content-type", "application/json")
                .POST(BodyPublishers.ofByteArray(Json.write(Map.of("model", "bands:" + version, "instances", instances))))
                .build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode predictions = Json.readTree(response.body().getBytes(StandardCharsets.UTF_8)).get("predictions");

        assertThat(predictions).hasSize(spec.dataset().size());
        for (int i = 0; i < spec.dataset().size(); i++) {
            Prediction<Label> tribuo = search.model().predict(new ArrayExample<>(new Label("?"),
                    spec.dataset().featureNames().toArray(String[]::new), spec.dataset().rows()[i]));
            JsonNode ours = predictions.get(i);
            assertThat(ours.get("label").asText()).as("row %d", i).isEqualTo(tribuo.getOutput().getLabel());
            for (String c : spec.dataset().classes()) {
                Label score = tribuo.getOutputScores().get(c);
                assertThat(ours.get("probabilities").get(c).asDouble()).as("row %d P(%s)", i, c)
                        .isCloseTo(score == null ? 0 : score.getScore(), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    static int upload(String token, String name, byte[] onnx, List<String> features) throws Exception {
        String boundary = "----trained-e2e";
        String metadata = Json.writeString(Map.of("feature_names", features));
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ntabular\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + metadata + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model_file\"; filename=\"model.onnx\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        form.writeBytes(onnx);
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        var registered = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/models/" + name + "/versions"))
                .header("authorization", "Bearer " + token)
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(BodyPublishers.ofByteArray(form.toByteArray())).build(), BodyHandlers.ofString());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        return Json.readTree(registered.body().getBytes(StandardCharsets.UTF_8)).get("version").asInt();
    }

    @Test
    void metrics_forAdmins_isPrometheusTextWithTheRoutesJustCalled_401WithoutToken_403ForUsers() throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        assertThat(send("GET", "/health", null, null, null).statusCode()).isEqualTo(200);

        var metrics = send("GET", "/metrics", null, null, admin);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        assertThat(metrics.body())
                .contains("# TYPE mlapi_requests_total counter")
                .containsPattern("(?m)^mlapi_requests_total\\{function=\"health\",route=\"GET /health\"} [1-9][0-9]*$")
                .containsPattern("(?m)^mlapi_requests_total\\{function=\"login\",route=\"POST /auth/login\"} [1-9]")
                .containsPattern("(?m)^mlapi_latency_seconds_count\\{function=\"health\",route=\"GET /health\"} [1-9]")
                // The registry is the JVM's: other test classes' servers may have started login before.
                .containsPattern("(?m)^mlapi_cold_starts_total\\{function=\"login\"} [1-9][0-9]*$");

        var anonymous = send("GET", "/metrics", null, null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(json(anonymous).get("status").asInt()).isEqualTo(401);
        assertThat(send("GET", "/metrics", null, null, "not-a-token").statusCode()).isEqualTo(401);
        assertThat(send("POST", "/auth/users", "application/json",
                "{\"username\":\"metrics-reader\",\"password\":\"metrics-pass-1\"}", null).statusCode()).isEqualTo(201);
        var user = send("GET", "/metrics", null, null, login("metrics-reader", "metrics-pass-1"));
        assertThat(user.statusCode()).isEqualTo(403);
        assertThat(json(user).get("type").asText()).endsWith("/forbidden");
    }

    @Test
    void logLines_ofTheLocalServer_areForPeople_notJson() throws Exception {
        var printed = Stdout.capture(() -> {
            try {
                return send("GET", "/health", null, null, null);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(printed.value().statusCode()).isEqualTo(200);
        String line = printed.lines().stream().filter(l -> l.contains("GET /health 200")).findFirst().orElseThrow();
        assertThat(line).doesNotStartWith("{").contains("INFO", "[health]", "RequestRecorder");
    }

    @Test
    void docs_serveSwaggerUiAndTheOpenApiFile() throws Exception {
        var index = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/docs/")).build(), BodyHandlers.ofString());
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.body()).contains("SwaggerUIBundle", "/openapi.yaml");
        var bundle = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/docs/swagger-ui-bundle.js")).build(),
                BodyHandlers.ofByteArray());
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.body().length).isGreaterThan(100_000);
        var spec = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/openapi.yaml")).build(), BodyHandlers.ofString());
        assertThat(spec.body()).startsWith("openapi:");
    }

    @Test
    void restart_keepsUsersAndSecrets() throws Exception {
        Path dir = Files.createTempDirectory(data, "restart");
        try (LocalServer first = startServer(dir)) {
            var response = http.send(HttpRequest.newBuilder(first.baseUri().resolve("/auth/users"))
                    .header("content-type", "application/json")
                    .POST(BodyPublishers.ofString("{\"username\":\"survivor\",\"password\":\"survivor-pass\"}")).build(),
                    BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(201);
        }
        assertThat(Files.readString(dir.resolve("jwt-secret")).trim()).hasSizeGreaterThan(32);
        try (LocalServer second = startServer(dir)) {
            var response = http.send(HttpRequest.newBuilder(second.baseUri().resolve("/auth/login"))
                    .header("content-type", "application/json")
                    .POST(BodyPublishers.ofString("{\"username\":\"survivor\",\"password\":\"survivor-pass\"}")).build(),
                    BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
        }
    }
}
