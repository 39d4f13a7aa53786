package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.mlapi.core.json.Json;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.inference.TinyOnnx;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The five source systems' documented requests (their READMEs' own curl examples, in their
 * order), replayed over real HTTP against the local server with only the base URL changed to
 * {@code <server>/compat/<system>} and credentials substituted: each answers the system's own
 * shape, and each refused example gets a 4xx problem+json saying why and what to send.
 */
class SourceSystemClientsEndToEndTest {

    static final String ADMIN_PASSWORD = "compat-admin-password";
    static final String TINY_MODEL = "compat-tiny";
    @TempDir
    static Path data;
    static LocalServer server;
    static HttpServer images;
    static final HttpClient http = HttpClient.newHttpClient();
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] cat = png(Color.BLUE);
        images.createContext("/ml-engineer/cat.png", exchange -> {
            exchange.getResponseHeaders().add("content-type", "image/png");
            exchange.sendResponseHeaders(200, cat.length);
            exchange.getResponseBody().write(cat);
            exchange.close();
        });
        images.start();
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD, "URL_FETCH_ALLOW_LOOPBACK", "true",
                        "DEFAULT_IMAGE_MODEL", TINY_MODEL + "@production"));
        admin = Json.readTree(call("POST", "/auth/login", Map.of("content-type", "application/json"),
                "{\"username\":\"admin\",\"password\":\"" + ADMIN_PASSWORD + "\"}").body().getBytes(StandardCharsets.UTF_8))
                .get("access_token").asText();
        registerTinyImageModel();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (images != null) {
            images.stop(0);
        }
    }

    // --- 1. Django image classifier (000): djoser token auth ------------------------------------

    @Test
    void django_documentedExamples_answerItsShapes_withTokenAuth() throws Exception {
        String base = "/compat/django";
        // "Create a new user" exactly as documented: its password is shorter than the policy.
        var tooShort = call("POST", base + "/auth/users/", Map.of("Content-Type", "application/json"),
                "{\"username\":\"corey\", \"password\": \"abc123\"}");
        assertRefused(tooShort, 400, "password");

        var created = call("POST", base + "/auth/users/", Map.of("Content-Type", "application/json"),
                "{\"username\":\"corey\", \"password\": \"abc123-longer\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(fields(json(created))).containsExactlyInAnyOrder("email", "username", "id");
        assertThat(json(created).get("email").asText()).isEmpty();
        assertThat(json(created).get("username").asText()).isEqualTo("corey");

        var login = call("POST", base + "/auth/token/login/", Map.of("Content-Type", "application/json"),
                "{\"username\":\"corey\", \"password\": \"abc123-longer\"}");
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        assertThat(fields(json(login))).containsExactlyInAnyOrder("auth_token");
        String token = json(login).get("auth_token").asText();
        Map<String, String> auth = Map.of("Authorization", "Token " + token);

        String imageUrl = "http://127.0.0.1:" + images.getAddress().getPort() + "/ml-engineer/cat.png";
        var anonymous = call("POST", base + "/classify-image", Map.of("Content-Type", "application/json"),
                "{\"image_url\":\"" + imageUrl + "\"}");
        assertRefused(anonymous, 401, "Authorization");
        var classified = call("POST", base + "/classify-image",
                with(auth, "Content-Type", "application/json"), "{\"image_url\":\"" + imageUrl + "\"}");
        assertThat(classified.statusCode()).as(classified.body()).isEqualTo(200);
        assertThat(fields(json(classified))).containsExactlyInAnyOrder("processing_time", "classification", "confidence");
        assertThat(json(classified).get("classification").asText()).isEqualTo("blue");
        assertThat(json(classified).get("confidence").isNumber()).isTrue();

        // "only authorized usernames can access this endpoint": corey is not an admin.
        assertRefused(call("GET", base + "/report", auth, null), 403, "admin");
        Map<String, String> adminAuth = Map.of("Authorization", "Token " + admin);
        await("the report counts the classification", () -> reportRow(base, adminAuth, imageUrl) != null);
        JsonNode row = reportRow(base, adminAuth, imageUrl);
        assertThat(fields(row)).containsExactlyInAnyOrder("image_url", "classification_count", "processing_time_avg",
                "processing_time_max", "processing_time_min");
        assertThat(row.get("classification_count").asInt()).isEqualTo(1);

        var secret = call("GET", base + "/secret", auth, null);
        assertThat(secret.statusCode()).isEqualTo(200);
        assertThat(secret.body()).isEqualTo("Hi corey");

        var me = call("GET", base + "/auth/users/me/", auth, null);
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        assertThat(fields(json(me))).containsExactlyInAnyOrder("email", "id", "username");
        assertThat(json(me).get("id").asText()).isEqualTo(json(created).get("id").asText());

        var changed = call("POST", base + "/auth/password/", with(auth, "Content-Type", "application/json"),
                "{\"current_password\": \"abc123-longer\", \"new_password\": \"xyz123-longer\"}");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(204);
        assertRefused(call("GET", base + "/auth/users/me/", auth, null), 401, "revoked");

        String second = json(call("POST", base + "/auth/token/login/", Map.of("Content-Type", "application/json"),
                "{\"username\":\"corey\", \"password\": \"xyz123-longer\"}")).get("auth_token").asText();
        var logout = call("POST", base + "/auth/token/logout/", Map.of("Authorization", "Token " + second), null);
        assertThat(logout.statusCode()).as(logout.body()).isEqualTo(204);
        assertRefused(call("GET", base + "/secret", Map.of("Authorization", "Token " + second), null), 401, "revoked");
    }

    private JsonNode reportRow(String base, Map<String, String> auth, String imageUrl) throws Exception {
        var report = call("GET", base + "/report", auth, null);
        assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
        for (JsonNode row : json(report)) {
            if (row.get("image_url").asText().equals(imageUrl)) {
                return row;
            }
        }
        return null;
    }

    // --- 2. FastAPI ResNet50 service (002) ------------------------------------------------------

    @Test
    void resnet_documentedExamples_answerItsShapes() throws Exception {
        String base = "/compat/resnet";
        // "Registration" as documented asks for an admin account without an admin's token.
        var selfAdmin = call("POST", base + "/register", Map.of("Content-Type", "application/json"),
                "{\"username\": \"resnet-admin\", \"password\": \"admin123\", \"is_admin\": true}");
        assertRefused(selfAdmin, 403, "admin");
        var registered = call("POST", base + "/register", Map.of("Content-Type", "application/json"),
                "{\"username\": \"resnet-user\", \"password\": \"resnet-password\", \"is_admin\": false}");
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        assertThat(json(registered).get("is_admin").asBoolean()).isFalse();

        var token = call("POST", base + "/token", Map.of("Content-Type", "application/x-www-form-urlencoded"),
                "username=resnet-user&password=resnet-password");
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        assertThat(json(token).get("token_type").asText()).isEqualTo("bearer");
        Map<String, String> auth = Map.of("Authorization", "Bearer " + json(token).get("access_token").asText());

        // "-F image=@/path/to/your/image.jpg" without a token: anonymous classification stays refused.
        Form image = new Form().file("image", "image.png", "image/png", png(Color.BLUE));
        assertRefused(send("POST", base + "/forward", Map.of("Content-Type", image.contentType()), image.publisher()),
                401, "Authorization");
        var forwarded = send("POST", base + "/forward", with(auth, "Content-Type", image.contentType()), image.publisher());
        assertThat(forwarded.statusCode()).as(forwarded.body()).isEqualTo(200);
        JsonNode result = json(forwarded).get("result");
        assertThat(fields(result)).containsExactlyInAnyOrder("predictions", "top_class", "top_probability");
        assertThat(result.get("top_class").asText()).isEqualTo("blue");
        assertThat(fields(result.get("predictions").get(0))).containsExactlyInAnyOrder("class", "probability");

        Form data = new Form().field("data", "{\"text\": \"sample data\", \"value\": 123}");
        var echoed = send("POST", base + "/forward", with(auth, "Content-Type", data.contentType()), data.publisher());
        assertThat(echoed.statusCode()).as(echoed.body()).isEqualTo(200);
        assertThat(json(echoed).get("result").get("message").asText()).isEqualTo("JSON data processed");
        assertThat(json(echoed).get("result").get("received_data"))
                .isEqualTo(Json.readTree("{\"text\": \"sample data\", \"value\": 123}".getBytes(StandardCharsets.UTF_8)));

        Map<String, String> adminAuth = Map.of("Authorization", "Bearer " + admin);
        await("the history shows the image request", () -> historyHasImage(base, adminAuth));
        var history = json(call("GET", base + "/history", adminAuth, null));
        assertThat(history.get("total").asInt()).isEqualTo(history.get("items").size());
        assertThat(fields(history.get("items").get(0))).containsExactlyInAnyOrder("id", "request_type",
                "processing_time", "input_data_size", "image_width", "image_height", "status_code", "result",
                "error_message", "created_at");

        var stats = call("GET", base + "/stats", adminAuth, null);
        assertThat(stats.statusCode()).as(stats.body()).isEqualTo(200);
        assertThat(fields(json(stats))).contains("total_requests", "mean_processing_time", "median_processing_time",
                "percentile_95_processing_time", "percentile_99_processing_time", "average_input_size",
                "average_image_width", "average_image_height");

        var deleted = call("DELETE", base + "/history", adminAuth, null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        var redoc = http.send(HttpRequest.newBuilder(URI.create(server.baseUri().toString().replaceAll("/$", "") + base
                + "/redoc")).GET().build(), BodyHandlers.ofString());
        assertThat(redoc.statusCode()).isEqualTo(302);
        assertThat(redoc.headers().firstValue("location")).hasValue("/docs/");
    }

    private boolean historyHasImage(String base, Map<String, String> auth) throws Exception {
        for (JsonNode item : json(call("GET", base + "/history", auth, null)).get("items")) {
            if (item.get("request_type").asText().equals("image") && item.get("status_code").asInt() == 200) {
                return true;
            }
        }
        return false;
    }

    // --- 3. FastAPI model registry (004) --------------------------------------------------------

    @Test
    void registry_documentedExamples_answerItsShapes_andThePasswordStaysOutOfTheUrl() throws Exception {
        String base = "/compat/registry";
        var inQuery = call("POST", base + "/login?username=admin&password=" + ADMIN_PASSWORD,
                Map.of("accept", "application/json"), null);
        assertRefused(inQuery, 400, "query string");
        var login = call("POST", base + "/login", Map.of("Content-Type", "application/x-www-form-urlencoded"),
                "username=admin&password=" + ADMIN_PASSWORD);
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        Map<String, String> auth = Map.of("Authorization", "Bearer " + json(login).get("access_token").asText());

        var status = call("GET", base + "/status", auth, null);
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        JsonNode health = json(status);
        assertThat(health.get("status").asText()).isEqualTo("healthy");
        assertThat(fields(health.get("memory"))).containsExactlyInAnyOrder("total", "available", "percent", "used", "free");
        assertThat(health.get("cpu_usage").asText()).endsWith("%");
        assertThat(fields(health.get("disk_usage"))).containsExactlyInAnyOrder("total", "used", "free", "percent");

        assertRefused(call("GET", base + "/metrics", Map.of(), null), 401, "Authorization");
        var metrics = call("GET", base + "/metrics", auth, null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("# TYPE");

        // The documented upload is a pickle; here an ONNX model, with its feature names (metadata) as a form field.
        Form upload = new Form().file("model_file", "Model_0.onnx", "application/octet-stream", TabularOnnx.irisTree())
                .file("artifact_files", "config.json", "application/json", "{\"a\":1}".getBytes(StandardCharsets.UTF_8))
                .field("metadata", "{\"feature_names\":[\"sepal_length\",\"sepal_width\",\"petal_length\",\"petal_width\"]}");
        var uploaded = send("POST", base + "/upload_model?model_name=test_model&model_description=This%20is%20a%20test%20model."
                + "&model_version=1&deployment=True", with(auth, "Content-Type", upload.contentType()), upload.publisher());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        JsonNode model = json(uploaded);
        assertThat(fields(model)).containsExactlyInAnyOrder("model_id", "model_version_id", "model_path",
                "artifact_paths", "status");
        assertThat(model.get("model_path").asText()).isEqualTo("test_model/1/Model_0.onnx");
        assertThat(model.get("artifact_paths").get(0).asText()).isEqualTo("test_model/1/artifacts/config.json");
        assertThat(model.get("status").asText()).isEqualTo("deployed");

        var got = call("GET", base + "/get_model?model_name=test_model&model_version=1", auth, null);
        assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
        assertThat(json(got).get("aliases").get(0).asText()).isEqualTo("production");

        var inference = call("GET", base + "/inference?model_name=test_model&model_version=1&sepal_length=5.1"
                + "&sepal_width=3.5&petal_length=1.4&petal_width=0.2", auth, null);
        assertThat(inference.statusCode()).as(inference.body()).isEqualTo(200);
        assertThat(fields(json(inference))).containsExactly("prediction");
        assertThat(json(inference).get("prediction").asText()).isEqualTo("setosa");
    }

    // --- 4. FastAPI train/predict (001) ---------------------------------------------------------

    @Test
    void trainer_documentedExamples_trainOnIris_andPredict() throws Exception {
        String base = "/compat/trainer";
        var created = call("POST", "/auth/users", Map.of("Content-Type", "application/json"),
                "{\"username\":\"test_1\",\"password\":\"testpassword\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var token = call("POST", base + "/request_token", Map.of("Content-Type", "application/json"),
                "{\"username\": \"test_1\", \"password\": \"testpassword\"}");
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        Map<String, String> auth = Map.of("Authorization", "Bearer " + json(token).get("access_token").asText());

        var untrained = json(call("GET", base + "/status", auth, null));
        assertThat(untrained.get("model_trained").asBoolean()).isFalse();

        var trained = call("POST", base + "/train", with(auth, "Content-Type", "application/json"),
                "{\"algorithm\": \"decision_tree\", \"params\": {\"max_depth\": [2, 3]}}");
        assertThat(trained.statusCode()).as(trained.body()).isIn(200, 202);
        if (trained.statusCode() == 200) {
            assertThat(json(trained).get("best_params").has("max_depth")).isTrue();
            assertThat(json(trained).get("best_score").asDouble()).isGreaterThan(0.8);
        } else {
            // longer than the route waits on this machine: the job goes on, /status tells when it is done
            await("the training job ends",
                    () -> json(call("GET", base + "/status", auth, null)).get("model_trained").asBoolean());
        }
        var status = json(call("GET", base + "/status", auth, null));
        assertThat(status.get("model_trained").asBoolean()).isTrue();
        assertThat(status.get("best_params").has("max_depth")).isTrue();
        assertThat(status.get("training_accuracy").asDouble()).isGreaterThan(0.8);

        var predicted = call("POST", base + "/predict", with(auth, "Content-Type", "application/json"),
                "{\"features\": [5.1, 3.5, 1.4, 0.2]}");
        assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
        assertThat(json(predicted).get("prediction").asText()).isEqualTo("setosa");
    }

    // --- the compat routes' access rules are their native routes' ---------------------------------

    @Test
    @SuppressWarnings("unchecked")
    void everyCompatRoute_refusesWhomItsNativeRouteRefuses() throws Exception {
        Map<String, Object> openApi;
        try (var reader = java.nio.file.Files.newBufferedReader(LocalServer.repositoryRoot().resolve("openapi.yaml"))) {
            openApi = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(
                    new org.yaml.snakeyaml.LoaderOptions())).load(reader);
        }
        var created = call("POST", "/auth/users", Map.of("Content-Type", "application/json"),
                "{\"username\":\"access-user\",\"password\":\"access-password\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String user = json(call("POST", "/auth/login", Map.of("Content-Type", "application/json"),
                "{\"username\":\"access-user\",\"password\":\"access-password\"}")).get("access_token").asText();
        int compared = 0;
        for (var path : ((Map<String, Map<String, Object>>) openApi.get("paths")).entrySet()) {
            if (!path.getKey().startsWith("/compat/")) {
                continue;
            }
            // a path template's parameters are called with a placeholder, as the native path's
            String compatPath = path.getKey().replaceAll("\\{[^}]+}", "x");
            for (var operation : path.getValue().entrySet()) {
                if (operation.getKey().equals("parameters")) {
                    continue;
                }
                String method = operation.getKey().toUpperCase(java.util.Locale.ROOT);
                String nativeKey = (String) ((Map<String, Object>) operation.getValue()).get("x-native-route");
                assertThat(nativeKey).as(method + " " + path.getKey() + " names its native route").isNotBlank();
                String nativePath = nativeKey.split(" ", 2)[1].replaceAll("\\{[^}]+}", "x");
                assertThat(nativeKey.split(" ", 2)[0]).as(method + " " + path.getKey()).isEqualTo(method);
                String what = method + " " + path.getKey() + " vs " + nativeKey;
                // anonymous: refused (401) exactly when the native route refuses
                int compat = call(method, compatPath, Map.of(), null).statusCode();
                int nativeStatus = call(method, nativePath, Map.of(), null).statusCode();
                assertThat(compat == 401).as(what + " anonymous: " + compat + " vs " + nativeStatus)
                        .isEqualTo(nativeStatus == 401);
                // a user's token on an admin route: refused (403) before anything runs, as the native route
                if (method.equals("GET") || nativeStatus == 401 && isAdminOnly(nativeKey)) {
                    Map<String, String> auth = Map.of("Authorization", "Bearer " + user);
                    compat = call(method, compatPath, auth, null).statusCode();
                    nativeStatus = call(method, nativePath, auth, null).statusCode();
                    assertThat(compat == 403).as(what + " as a user: " + compat + " vs " + nativeStatus)
                            .isEqualTo(nativeStatus == 403);
                }
                compared++;
            }
        }
        assertThat(compared).isEqualTo(34);
    }

    /** Native routes whose access is ADMIN (a user's token is refused before the route runs). */
    private static boolean isAdminOnly(String nativeKey) {
        return java.util.Set.of("POST /models/{name}/versions", "GET /report", "GET /stats", "GET /auth/users")
                .contains(nativeKey);
    }

    // --- 5. DRF images and tags (003): Django REST framework, its page shape -----------------------

    @Test
    void drf_documentedExamples_answerItsShapes_withBasicAndTokenAuth() throws Exception {
        String base = "/compat/drf";
        // Setup ("create user" in the Django shell): here the native registration.
        var user = call("POST", "/auth/users", Map.of("Content-Type", "application/json"),
                "{\"username\":\"drf-user\",\"password\":\"Pas$w0rd-longer\"}");
        assertThat(user.statusCode()).as(user.body()).isEqualTo(201);
        String basic = "Basic " + java.util.Base64.getEncoder()
                .encodeToString("drf-user:Pas$w0rd-longer".getBytes(StandardCharsets.UTF_8));

        // "create tag" exactly as documented (-u <username>:<password>), as curl sends it.
        var withBasic = call("POST", base + "/api/tags/", Map.of("Content-Type", "application/json", "Authorization", basic),
                "{\"name\": \"brand new tag\"}");
        assertThat(withBasic.statusCode()).as(withBasic.body()).isEqualTo(201);
        assertThat(json(withBasic).get("name").asText()).isEqualTo("brand new tag");
        var listedWithBasic = call("GET", base + "/api/tags/", Map.of("Authorization", basic), null);
        assertThat(listedWithBasic.statusCode()).as(listedWithBasic.body()).isEqualTo(200);
        assertThat(json(listedWithBasic).get("results")).extracting(t -> t.get("name").asText()).contains("brand new tag");
        // a wrong password is a failed login; Basic on a native route stays refused, naming where a token comes from
        String wrong = "Basic " + java.util.Base64.getEncoder()
                .encodeToString("drf-user:not-the-password".getBytes(StandardCharsets.UTF_8));
        assertRefused(call("GET", base + "/api/tags/", Map.of("Authorization", wrong), null), 401,
                "incorrect username or password");
        var basicElsewhere = call("GET", "/tags", Map.of("Authorization", basic), null);
        assertRefused(basicElsewhere, 401, "/compat/drf/api-token-auth/");
        assertThat(json(basicElsewhere).get("detail").asText()).contains("Authorization: Token <token>");

        var token = call("POST", base + "/api-token-auth/", Map.of("Content-Type", "application/json"),
                "{\"username\":\"drf-user\",\"password\":\"Pas$w0rd-longer\"}");
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        assertThat(fields(json(token))).containsExactly("token");
        Map<String, String> auth = Map.of("Authorization", "Token " + json(token).get("token").asText());

        // "create tag", with the token instead of -u.
        for (String name : new String[] {"my tag", "another tag"}) {
            var tag = call("POST", base + "/api/tags/", with(auth, "Content-Type", "application/json"),
                    "{\"name\": \"" + name + "\"}");
            assertThat(tag.statusCode()).as(tag.body()).isEqualTo(201);
            assertThat(fields(json(tag))).containsExactly("name");
            assertThat(json(tag).get("name").asText()).isEqualTo(name);
        }

        // "create image": -F 'image=@test123.jpeg' -F 'tags=my tag' -F 'tags=another tag' -u <username>:<password>.
        Form upload = new Form().file("image", "test123.jpeg", "image/jpeg", jpeg(Color.GREEN))
                .field("tags", "my tag").field("tags", "another tag");
        var image = send("POST", base + "/api/images/", with(Map.of("Authorization", basic), "Content-Type",
                upload.contentType()), upload.publisher());
        assertThat(image.statusCode()).as(image.body()).isEqualTo(201);
        assertThat(fields(json(image))).containsExactlyInAnyOrder("id", "image", "tags", "created_at");
        assertThat(json(image).get("tags")).extracting(JsonNode::asText).containsExactlyInAnyOrder("my tag", "another tag");
        String id = json(image).get("id").asText();

        // "go to http://127.0.0.1:8000/api/ to see the list of available API routes"
        var root = call("GET", base + "/api/", auth, null);
        assertThat(root.statusCode()).as(root.body()).isEqualTo(200);
        assertThat(fields(json(root))).containsExactlyInAnyOrder("images", "tags", "trackings");
        String imagesUrl = json(root).get("images").asText();
        assertThat(imagesUrl).endsWith(base + "/api/images/");
        assertRefused(call("GET", base + "/api/", Map.of(), null), 401, "Authorization");

        var images = http.send(HttpRequest.newBuilder(URI.create(imagesUrl)).header("Authorization", auth.get("Authorization"))
                .GET().build(), BodyHandlers.ofString());
        assertThat(images.statusCode()).as(images.body()).isEqualTo(200);
        assertThat(fields(json(images))).containsExactly("count", "next", "previous", "results");
        assertThat(json(images).get("count").asInt()).isEqualTo(1);
        assertThat(json(images).get("next").isNull()).isTrue();
        assertThat(json(images).get("previous").isNull()).isTrue();
        assertThat(json(images).get("results").get(0).get("id").asText()).isEqualTo(id);

        var tagged = call("GET", base + "/api/images/?tags=my%20tag", auth, null);
        assertThat(tagged.statusCode()).as(tagged.body()).isEqualTo(200);
        assertThat(json(tagged).get("results")).extracting(r -> r.get("id").asText()).containsExactly(id);
        var untagged = call("GET", base + "/api/images/?tags=brand%20new%20tag", auth, null);
        assertThat(json(untagged).get("count").asInt()).isZero();
        var either = call("GET", base + "/api/images/?tags=brand%20new%20tag&tags=another%20tag", auth, null);
        assertThat(json(either).get("results")).extracting(r -> r.get("id").asText()).containsExactly(id);

        var one = call("GET", base + "/api/images/" + id + "/", auth, null);
        assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
        assertThat(fields(json(one))).containsExactlyInAnyOrder("id", "image", "tags", "created_at");

        // Tags page by page: DRF's next link is followed as it is.
        var firstTags = call("GET", base + "/api/tags/?page_size=2", auth, null);
        assertThat(firstTags.statusCode()).as(firstTags.body()).isEqualTo(200);
        assertThat(json(firstTags).get("results")).hasSize(2);
        String next = json(firstTags).get("next").asText();
        assertThat(next).contains(base + "/api/tags/").contains("cursor=");
        var secondTags = http.send(HttpRequest.newBuilder(URI.create(next)).header("Authorization", auth.get("Authorization"))
                .GET().build(), BodyHandlers.ofString());
        assertThat(secondTags.statusCode()).as(secondTags.body()).isEqualTo(200);
        assertThat(json(secondTags).get("next").isNull()).isTrue();
        java.util.List<String> names = new java.util.ArrayList<>();
        json(firstTags).get("results").forEach(t -> names.add(t.get("name").asText()));
        json(secondTags).get("results").forEach(t -> names.add(t.get("name").asText()));
        assertThat(names).containsExactly("another tag", "brand new tag", "my tag");
        var tag = call("GET", base + "/api/tags/my%20tag/", auth, null);
        assertThat(tag.statusCode()).as(tag.body()).isEqualTo(200);
        assertThat(json(tag).get("name").asText()).isEqualTo("my tag");

        // "trackings DB records are created automatically when user interact with API"
        await("the trackings show the image upload", () -> {
            var trackings = call("GET", base + "/api/trackings/", auth, null);
            assertThat(trackings.statusCode()).as(trackings.body()).isEqualTo(200);
            assertThat(fields(json(trackings))).containsExactly("count", "next", "previous", "results");
            for (JsonNode tracking : json(trackings).get("results")) {
                assertThat(fields(tracking)).containsExactlyInAnyOrder("id", "user", "method", "path", "status_code",
                        "created_at");
                if (tracking.get("method").asText().equals("POST")
                        && tracking.get("path").asText().equals(base + "/api/images")) {
                    assertThat(tracking.get("user").asText()).isEqualTo("drf-user");
                    assertThat(tracking.get("status_code").asInt()).isEqualTo(201);
                    return true;
                }
            }
            return false;
        });

        var deleted = call("DELETE", base + "/api/images/" + id + "/", auth, null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        assertThat(call("GET", base + "/api/images/" + id + "/", auth, null).statusCode()).isEqualTo(404);
    }

    static byte[] jpeg(Color color) throws IOException {
        BufferedImage image = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, 48, 40);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }

    // --- helpers ---------------------------------------------------------------------------------

    static HttpResponse<String> call(String method, String path, Map<String, String> headers, String body)
            throws IOException, InterruptedException {
        return send(method, path, headers, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    }

    static HttpResponse<String> send(String method, String path, Map<String, String> headers,
            HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUri().toString().replaceAll("/$", "") + path))
                .method(method, body);
        headers.forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), BodyHandlers.ofString());
        assertThat(response.headers().firstValue("x-request-id")).as("x-request-id on " + path).isPresent();
        assertThat(response.statusCode()).as(method + " " + path + " → " + response.body()).isLessThan(500);
        return response;
    }

    static void assertRefused(HttpResponse<String> response, int status, String detailMentions) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(json(response).get("detail").asText()).containsIgnoringCase(detailMentions);
    }

    static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return copy;
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static java.util.List<String> fields(JsonNode node) {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            names.add(it.next());
        }
        return names;
    }

    /** A condition that may call the server (and so throw). */
    interface Condition {
        boolean holds() throws Exception;
    }

    static void await(String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.holds()) {
            assertThat(System.nanoTime()).as("within 30 s: " + what).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    static byte[] png(Color color) throws IOException {
        BufferedImage image = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, 48, 40);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** A three-colour classifier as the deployment's default image model ({@code DEFAULT_IMAGE_MODEL}). */
    static void registerTinyImageModel() throws Exception {
        String boundary = "----compat-tiny";
        String metadata = "{\"labels\":[\"red\",\"green\",\"blue\"],\"preprocessing\":{\"resize\":40,\"crop\":32,"
                + "\"scale\":0.00392156862745098,\"mean\":[0,0,0],\"std\":[1,1,1],\"output_is_probability\":false}}";
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nimage_classifier\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + metadata + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model_file\"; filename=\"tiny.onnx\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        form.writeBytes(TinyOnnx.logitsModel());
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        var registered = send("POST", "/models/" + TINY_MODEL + "/versions",
                Map.of("authorization", "Bearer " + admin, "content-type", "multipart/form-data; boundary=" + boundary),
                BodyPublishers.ofByteArray(form.toByteArray()));
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        var alias = call("PUT", "/models/" + TINY_MODEL + "/aliases/production",
                Map.of("authorization", "Bearer " + admin, "content-type", "application/json"),
                "{\"version\":" + json(registered).get("version").asInt() + "}");
        assertThat(alias.statusCode()).as(alias.body()).isEqualTo(200);
    }

    /** A multipart/form-data body, as curl's {@code -F} writes it. */
    static final class Form {
        private final String boundary = "----compat-" + System.nanoTime();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Form field(String name, String value) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                    + "\r\n").getBytes(StandardCharsets.UTF_8));
            return this;
        }

        Form file(String name, String filename, String type, byte[] data) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
                    + filename + "\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(data);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            return this;
        }

        String contentType() {
            return "multipart/form-data; boundary=" + boundary;
        }

        HttpRequest.BodyPublisher publisher() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(body.toByteArray());
            all.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return BodyPublishers.ofByteArray(all.toByteArray());
        }
    }
}
