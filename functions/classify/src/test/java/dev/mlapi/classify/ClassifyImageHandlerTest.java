package dev.mlapi.classify;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.header;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withBinaryBody;
import static dev.mlapi.core.testkit.Events.withBody;
import static dev.mlapi.core.testkit.Events.withJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.observability.Telemetry;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.S3ModelRegistry;
import dev.mlapi.core.testkit.HostileImages;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.core.testkit.Stdout;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.S3ModelRegistry;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Classify end to end through its Lambda handler on a model the build generates itself: the
 * sample events of every input form, model selection, the history entry, and every kind of bad
 * input answered with a 4xx problem while the handler keeps serving. Real DynamoDB Local for auth
 * and the request log; real ONNX Runtime.
 */
class ClassifyImageHandlerTest {

    static TestStack stack;
    static S3ModelRegistry registry;
    static Manifest tinyRgb;
    static Manifest tinyBgr;
    static Manifest tinyFloat16;
    static ClassifyService service;
    static ClassifyImageHandler handler;
    static LoopbackServer images;
    static String token;

    @BeforeAll
    static void start() {
        stack = TestStack.start(Map.of(Config.Env.URL_FETCH_ALLOW_LOOPBACK, "true",
                Config.Env.DEFAULT_IMAGE_MODEL, "tiny@production"));
        registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        // the registry numbers versions; tests use the numbers it gave
        tinyRgb = TestModels.register(registry, TestModels.tiny("tiny", 1), true);
        tinyBgr = TestModels.register(registry, TestModels.tiny("tiny", 2, TestModels.TINY_BGR), true);
        registry.setAlias("tiny", "production", tinyRgb.version(), "tests");
        tinyFloat16 = TestModels.register(registry, TestModels.tinyFloat16("tiny16", 1), true);
        TestModels.register(registry, TestModels.tabular("iris", 1), false);
        TestModels.register(registry, TestModels.mismatched("mismatched", 1), false);
        service = ClassifyService.create(ClassifySettings.from(stack.config().environment()), registry, Clock.systemUTC());
        handler = new ClassifyImageHandler(stack.wiring(), service);
        token = stack.signedIn("carol", Role.USER).token();
        images = LoopbackServer.start()
                .serve("/blue.png", "image/png", TestImages.png(Color.BLUE, 64, 48))
                .serve("/page.html", "text/html", "<html>not an image</html>".getBytes(StandardCharsets.UTF_8))
                .redirect("/moved", 302, "/blue.png");
    }

    @AfterAll
    static void stop() {
        images.close();
        service.close();
        stack.close();
    }

    static APIGatewayV2HTTPResponse call(APIGatewayV2HTTPEvent event) {
        return invoke(handler, event);
    }

    static APIGatewayV2HTTPEvent event(String file) {
        return withBearer(load(file), token);
    }

    static APIGatewayV2HTTPEvent json(Map<String, ?> body) {
        return withJson(event("classify-image-base64.json"), body);
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static Map<String, AttributeValue> historyOf(APIGatewayV2HTTPEvent event) {
        return stack.wiring().dynamoDb().getItem(r -> r.tableName(stack.config().requestLogTable())
                .key(Map.of("request_id", AttributeValue.fromS(event.getRequestContext().getRequestId()))))
                .item();
    }

    @Test
    void classify_whenBase64JsonEvent_answersTheApiMdShape() {
        var response = call(event("classify-image-base64.json"));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(header(response, "content-type")).startsWith("application/json");
        JsonNode body = body(response);
        assertThat(body.get("classification").asText()).isEqualTo("red");
        assertThat(body.get("confidence").asDouble()).isGreaterThan(0.5);
        assertThat(body.get("predictions")).hasSize(3);
        JsonNode top = body.get("predictions").get(0);
        assertThat(top.get("class_id").asInt()).isZero();
        assertThat(top.get("label").asText()).isEqualTo("red");
        assertThat(top.get("probability").asDouble()).isEqualTo(body.get("confidence").asDouble());
        assertThat(body.get("model").get("name").asText()).isEqualTo("tiny");
        assertThat(body.get("model").get("version").isInt()).isTrue();
        assertThat(body.get("model").get("version").asInt()).isEqualTo(tinyRgb.version());
        assertThat(body.get("image").get("width").asInt()).isEqualTo(8);
        assertThat(body.get("image").get("height").asInt()).isEqualTo(8);
        assertThat(body.get("image").get("bytes").asInt()).isEqualTo(74);
        assertThat(body.get("processing_time").asDouble()).isPositive();
        List<String> fields = new java.util.ArrayList<>();
        body.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("classification", "confidence", "predictions", "model", "image",
                "processing_time");
    }

    @Test
    void classify_whenMultipartEvent_readsTheImageFieldAndTopK() {
        var response = call(event("classify-multipart.json"));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(body(response).get("classification").asText()).isEqualTo("red");
        assertThat(body(response).get("predictions")).hasSize(3);
    }

    @Test
    void classify_whenRawImageEvent_takesTopKFromTheQueryString() {
        var response = call(event("classify-raw-image.json"));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(body(response).get("classification").asText()).isEqualTo("red");
        assertThat(body(response).get("predictions")).hasSize(3);
    }

    @Test
    void classify_whenImageUrlOnLoopbackAllowed_fetchesFollowsRedirectAndRecordsHistory() {
        APIGatewayV2HTTPEvent event = withJson(event("classify-image-url.json"),
                Map.of("image_url", images.url("/moved"), "top_k", 2));

        var response = call(event);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode body = body(response);
        assertThat(body.get("classification").asText()).isEqualTo("blue");
        assertThat(body.get("predictions")).hasSize(2);
        assertThat(body.get("image").get("width").asInt()).isEqualTo(64);
        Map<String, AttributeValue> history = historyOf(event);
        assertThat(history.get("image_url").s()).isEqualTo(images.url("/moved"));
        assertThat(history.get("image_width").n()).isEqualTo("64");
        assertThat(history.get("image_height").n()).isEqualTo("48");
        assertThat(history.get("model").s()).isEqualTo(tinyRgb.ref());
        assertThat(history.get("result").s()).isEqualTo("blue");
        assertThat(history.get("user").s()).isEqualTo("carol");
        assertThat(history.get("status_code").n()).isEqualTo("200");
    }

    /**
     * A half-and-half canary: version 2 reads channels as BGR, so which version really answered shows
     * in the label (red or blue), and it is the one the request id's bucket picks, named in the answer
     * with its role and in the request's log entry.
     */
    @Test
    void classify_throughAnAliasWithACanary_theRequestIdPicksTheVersion_andTheAnswerSaysWhichServed() {
        registry.setAlias("tiny", "halves", new dev.mlapi.registry.AliasTarget(tinyRgb.version(), java.util.Optional.of(
                new dev.mlapi.registry.AliasTarget.CanaryTarget(tinyBgr.version(), 50))), "tests");
        byte[] red = TestImages.png(Color.RED, 20, 20);
        int canaries = 0;
        for (int i = 0; i < 40; i++) {
            String id = "classify-canary-%02d".formatted(i);
            APIGatewayV2HTTPEvent event = json(Map.of("image_base64", base64(red), "model", "tiny@halves"));
            event.getHeaders().put("x-request-id", id);
            event.getRequestContext().setRequestId(id); // as the gateway answers it: the caller's id
            JsonNode body = body(call(event));
            boolean canary = dev.mlapi.registry.ModelRoute.bucket(id) < 50;
            canaries += canary ? 1 : 0;
            assertThat(body.get("model").get("version").asInt()).as(id)
                    .isEqualTo(canary ? tinyBgr.version() : tinyRgb.version());
            assertThat(body.get("model").get("role").asText()).isEqualTo(canary ? "canary" : "stable");
            assertThat(body.get("classification").asText()).as("what the served version sees").isEqualTo(canary ? "blue" : "red");
            var logged = stack.wiring().requestHistory().find(id).orElseThrow();
            assertThat(logged.servedVersion()).hasValue(canary ? tinyBgr.ref() : tinyRgb.ref());
            assertThat(logged.modelRole()).hasValue(canary ? "canary" : "stable");
        }
        assertThat(canaries).as("both sides served").isBetween(1, 39);
    }

    @Test
    void classify_whenModelNamedByVersionAliasOrLatest_servesThatVersion() {
        byte[] red = TestImages.png(Color.RED, 20, 20);
        // version 2 reads channels as BGR: a red image looks blue to it
        var byVersion = call(json(Map.of("image_base64", base64(red), "model", tinyBgr.ref())));
        var byAlias = call(json(Map.of("image_base64", base64(red), "model", "tiny@production")));
        var latest = call(json(Map.of("image_base64", base64(red), "model", "tiny")));

        assertThat(body(byVersion).get("classification").asText()).isEqualTo("blue");
        assertThat(body(byVersion).get("model").get("version").asInt()).isEqualTo(tinyBgr.version());
        assertThat(body(byAlias).get("classification").asText()).isEqualTo("red");
        assertThat(body(byAlias).get("model").get("version").asInt()).isEqualTo(tinyRgb.version());
        assertThat(body(latest).get("model").get("version").asInt()).isEqualTo(tinyBgr.version());
    }

    @Test
    void classify_whenFloat16Model_convertsInputAndOutput() {
        var response = call(json(Map.of("image_base64", base64(TestImages.jpeg(Color.GREEN, 30, 50)),
                "model", tinyFloat16.ref(), "top_k", 1)));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(body(response).get("classification").asText()).isEqualTo("green");
        assertThat(body(response).get("predictions")).hasSize(1);
    }

    @Test
    void classify_whenTopKExceedsTheClasses_returnsEveryClassOnce() {
        var response = call(json(Map.of("image_base64", base64(TestImages.png(Color.RED, 8, 8)), "top_k", 1000)));

        assertThat(body(response).get("predictions").findValuesAsText("label"))
                .containsExactly("red", "green", "blue");
    }

    static Stream<Arguments> badInputs() {
        String png = base64(TestImages.png(Color.RED, 8, 8));
        return Stream.of(
                Arguments.of("not an image", Map.of("image_base64", base64("hello, world".getBytes())), 422),
                Arguments.of("truncated JPEG", Map.of("image_base64", base64(TestImages.truncatedJpeg())), 422),
                Arguments.of("0 bytes", Map.of("image_base64", ""), 400),
                Arguments.of("bad base64", Map.of("image_base64", "!!!not*base64"), 400),
                Arguments.of("decompression bomb", Map.of("image_base64", base64(TestImages.pngClaiming(50_000, 50_000))), 413),
                Arguments.of("too wide", Map.of("image_base64", base64(TestImages.pngClaiming(20_000, 10))), 413),
                Arguments.of("unknown model", Map.of("image_base64", png, "model", "nope"), 404),
                Arguments.of("unknown version", Map.of("image_base64", png, "model", "tiny:999"), 404),
                Arguments.of("malformed model reference", Map.of("image_base64", png, "model", "../etc"), 400),
                Arguments.of("tabular model", Map.of("image_base64", png, "model", "iris"), 400),
                Arguments.of("preprocessing unfit for the graph", Map.of("image_base64", png, "model", "mismatched"), 422),
                Arguments.of("URL to a non-image", Map.of("image_url", images.url("/page.html")), 422),
                Arguments.of("URL answering 404", Map.of("image_url", images.url("/missing.png")), 422),
                Arguments.of("SSRF: metadata service", Map.of("image_url", "http://169.254.169.254/latest/meta-data/"), 400),
                Arguments.of("SSRF: private network", Map.of("image_url", "http://10.0.0.1/cat.jpg"), 400),
                Arguments.of("SSRF: IPv6 loopback", Map.of("image_url", "http://[::1]:" + images.port() + "/blue.png"), 400),
                Arguments.of("SSRF: file scheme", Map.of("image_url", "file:///etc/passwd"), 400),
                Arguments.of("both image_url and image_base64", Map.of("image_url", images.url("/blue.png"), "image_base64", png), 400),
                Arguments.of("neither", Map.of("top_k", 3), 400),
                Arguments.of("top_k 0", Map.of("image_base64", png, "top_k", 0), 400),
                Arguments.of("top_k 1001", Map.of("image_base64", png, "top_k", 1001), 400),
                Arguments.of("top_k as text", Map.of("image_base64", png, "top_k", "five"), 400),
                Arguments.of("top_k fractional", Map.of("image_base64", png, "top_k", 1.5), 400),
                Arguments.of("float TIFF bomb", Map.of("image_base64", base64(TestImages.floatTiffBomb(6000, 6000, 16))), 413),
                Arguments.of("deflate TIFF claiming a 2 GB strip", Map.of("image_base64",
                        base64(HostileImages.tiffClaimingStripBytes("Deflate", HostileImages.TWO_GB))), 422),
                Arguments.of("PNG chunk claiming 2 GB", Map.of("image_base64",
                        base64(HostileImages.pngWithChunkClaiming("iCCP", HostileImages.TWO_GB))), 422),
                Arguments.of("unknown field", Map.of("image_base64", png, "colour", "red"), 400));
    }

    @ParameterizedTest(name = "{0} → {2}")
    @MethodSource("badInputs")
    void classify_whenInputIsBad_answers4xxProblem_andKeepsServing(String what, Map<String, Object> input, int status) {
        APIGatewayV2HTTPEvent event = json(input);
        var response = call(event);

        assertThat(response.getStatusCode()).as(what + ": " + response.getBody()).isEqualTo(status);
        assertThat(historyOf(event).get("status_code").n()).isEqualTo(String.valueOf(status));
        assertThat(historyOf(event).get("error_message").s()).isNotBlank();
        var next = call(event("classify-image-base64.json"));
        assertThat(next.getStatusCode()).isEqualTo(200);
    }

    @Test
    void classify_whenBodyFormsAreBroken_answers4xx() {
        var emptyRaw = call(withBinaryBody(event("classify-raw-image.json"), "image/jpeg", new byte[0]));
        var textRaw = call(withBinaryBody(event("classify-raw-image.json"), "image/png", "GIF89a?".getBytes()));
        var noImageField = call(withBody(event("classify-multipart.json"), "multipart/form-data; boundary=b",
                "--b\r\nContent-Disposition: form-data; name=\"top_k\"\r\n\r\n3\r\n--b--\r\n"));
        var otherType = call(withBody(event("classify-raw-image.json"), "text/plain", "a cat"));
        var malformedJson = call(withBody(event("classify-image-base64.json"), "application/json", "{\"image_url\":"));

        assertThat(emptyRaw.getStatusCode()).isEqualTo(400);
        assertThat(textRaw.getStatusCode()).isEqualTo(422);
        assertThat(noImageField.getStatusCode()).isEqualTo(400);
        assertThat(otherType.getStatusCode()).isEqualTo(415);
        assertThat(malformedJson.getStatusCode()).isEqualTo(400);
    }

    @Test
    void constructor_whenGivenOnlyTheWiring_readsModelsFromTheConfiguredBucket() {
        ClassifyImageHandler fromWiring = new ClassifyImageHandler(stack.wiring());

        var response = fromWiring.handleRequest(event("classify-raw-image.json"), null);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(body(response).get("model").get("name").asText()).isEqualTo("tiny");
    }

    @Test
    void classify_withoutToken_is401() {
        APIGatewayV2HTTPEvent event = load("classify-image-base64.json");

        assertThat(call(event).getStatusCode()).isEqualTo(401);
    }

    /** A registry on a bucket of its own that holds no model. */
    static S3ModelRegistry emptyRegistry() {
        String bucket = "empty-" + UUID.randomUUID().toString().substring(0, 8);
        stack.createBucket(bucket);
        RegistrySettings settings = RegistrySettings.from(stack.config());
        return new S3ModelRegistry(S3Clients.s3(settings), S3Clients.presigner(settings), bucket, Clock.systemUTC(),
                Duration.ofMinutes(5));
    }

    @Test
    void classify_whenNoImageModelIsRegistered_says404AndHowToUploadOne() {
        Config config = Config.fromMap(withEnv(Config.Env.DEFAULT_IMAGE_MODEL, "mobilenetv2@production"));
        try (ClassifyService empty = ClassifyService.create(ClassifySettings.from(config.environment()), emptyRegistry(), Clock.systemUTC())) {
            var response = new ClassifyImageHandler(stack.wiring(), empty)
                    .handleRequest(event("classify-image-base64.json"), null);

            assertThat(response.getStatusCode()).isEqualTo(404);
            assertThat(body(response).get("detail").asText())
                    .contains("no image model is registered", "mobilenetv2@production", "POST /models/{name}/versions");
        }
    }

    @Test
    void classify_withARevokedToken_answers401_andNoPrediction() {
        var issued = stack.signedIn("revoked-dan", Role.USER).issued();
        assertThat(call(withBearer(load("classify-image-base64.json"), issued.token())).getStatusCode()).isEqualTo(200);
        stack.wiring().tokenStore().revoke(issued.tokenId(), issued.expiresAt());

        APIGatewayV2HTTPEvent event = withBearer(load("classify-image-base64.json"), issued.token());
        var response = call(event);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(body(response).get("detail").asText()).contains("revoked");
        assertThat(response.getBody()).doesNotContain("classification", "predictions", "red");
        Map<String, AttributeValue> logged = historyOf(event);
        assertThat(logged.get("status_code").n()).isEqualTo("401");
        assertThat(logged).doesNotContainKeys("user", "result", "model", "image_width");
    }

    @Test
    void classify_whenTheTokensUserWasDeleted_answers401_andNoPrediction() {
        String deleted = stack.signedIn("deleted-erin", Role.USER).token();
        stack.wiring().userStore().delete("deleted-erin");

        var response = call(withBearer(load("classify-image-base64.json"), deleted));

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(response.getBody()).doesNotContain("classification", "predictions");
    }

    @Test
    void prime_classifiesWithTheDefaultModel_andWritesNoHistory() {
        int before = stack.wiring().dynamoDb().scan(r -> r.tableName(stack.config().requestLogTable())).count();

        service.prime();

        assertThat(service.loadedModels()).anySatisfy(model -> assertThat(model).startsWith(tinyRgb.ref() + "#"));
        assertThat(stack.wiring().dynamoDb().scan(r -> r.tableName(stack.config().requestLogTable())).count())
                .isEqualTo(before);
    }

    @Test
    void prime_loadsTheDefaultModel_andSucceedsWithoutOne() {
        Config config = stack.config();
        try (ClassifyService fresh = ClassifyService.create(ClassifySettings.from(config.environment()), registry, Clock.systemUTC());
                ClassifyService empty = ClassifyService.create(ClassifySettings.from(config.environment()), emptyRegistry(), Clock.systemUTC())) {
            fresh.prime();
            empty.prime();

            assertThat(fresh.loadedModels()).singleElement().asString().startsWith(tinyRgb.ref() + "#");
            assertThat(empty.loadedModels()).isEmpty();
        }
    }

    @Test
    void afterRestore_whenAnAliasMovedMeanwhile_servesTheVersionItPointsAtNow() {
        registry.setAlias("tiny", "staging", tinyRgb.version(), "tests");
        Clock frozen = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        try (ClassifyService snapshotted = ClassifyService.create(ClassifySettings.from(stack.config().environment()), registry, frozen)) {
            ClassifyImageHandler restored = new ClassifyImageHandler(stack.wiring(), snapshotted);
            Map<String, String> request = Map.of("image_base64", base64(TestImages.png(Color.RED, 8, 8)),
                    "model", "tiny@staging");
            assertThat(body(restored.handleRequest(json(request), null)).get("classification").asText()).isEqualTo("red");

            registry.setAlias("tiny", "staging", tinyBgr.version(), "tests");
            // the clock stands still, so the remembered resolution would live forever without the restore hook
            assertThat(body(restored.handleRequest(json(request), null)).get("classification").asText()).isEqualTo("red");
            snapshotted.afterRestore();

            assertThat(body(restored.handleRequest(json(request), null)).get("classification").asText()).isEqualTo("blue");
        }
    }

    static Map<String, String> withEnv(String key, String value) {
        Map<String, String> env = new HashMap<>();
        env.put(Config.Env.JWT_SECRET, TestStack.JWT_SECRET);
        env.put(key, value);
        return env;
    }

    @Test
    void classify_inLambda_emitsModelLoadAndInferenceTimesForTheModel() {
        try (ClassifyService coldService = ClassifyService.create(ClassifySettings.from(stack.config().environment()), registry, Clock.systemUTC())) {
            ClassifyImageHandler freshContainer = new ClassifyImageHandler(stack.wiring(), coldService);
            var printed = Stdout.capture(() -> invoke(freshContainer, event("classify-image-base64.json"),
                    new LocalContext("lambda-invocation-1", "classify", System.currentTimeMillis() + 29_000)));
            assertThat(printed.value().getStatusCode()).isEqualTo(200);

            List<JsonNode> emf = printed.lines().stream().filter(line -> line.contains("\"_aws\""))
                    .map(line -> Json.readTree(line.getBytes(StandardCharsets.UTF_8))).toList();
            for (String metric : List.of("model_load_time", "inference_time")) {
                JsonNode record = emf.stream().filter(r -> r.has(metric)).findFirst().orElseThrow(
                        () -> new AssertionError("no EMF record with " + metric + " in " + printed.lines()));
                assertThat(record.get("_aws").get("CloudWatchMetrics").get(0).get("Dimensions").toString())
                        .isEqualTo("[[\"function\",\"model\"]]");
                assertThat(record.get("function").asText()).isEqualTo("classify");
                assertThat(record.get("model").asText()).isEqualTo(tinyRgb.ref());
                assertThat(record.get(metric).asDouble()).isPositive();
            }
            assertThat(Telemetry.registry().prometheusText()).containsPattern(
                    "mlapi_inference_time_seconds_count\\{function=\"classify\",model=\"" + tinyRgb.ref() + "\"} [1-9]");
        }
    }
}
