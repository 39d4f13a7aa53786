package dev.mlapi.models;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.header;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withBinaryBody;
import static dev.mlapi.core.testkit.Events.withBody;
import static dev.mlapi.core.testkit.Events.withJson;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The models function end to end through its Lambda handler: API Gateway events from
 * {@code events/}, tokens of real users, the S3 registry on S3Proxy.
 */
class ManageModelsHandlerTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final byte[] SYNSET = "n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\nn01484850 great white shark\n"
            .getBytes(StandardCharsets.UTF_8);
    static TestStack stack;
    static ManageModelsHandler handler;
    static String admin;
    static String user;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        handler = new ManageModelsHandler(stack.wiring());
        admin = stack.signedIn("root", Role.ADMIN).token();
        user = stack.signedIn("bob", Role.USER).token();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    /** Runs one event; every answer carries the request id, every error is problem+json with a detail. */
    static APIGatewayV2HTTPResponse call(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        assertThat(header(response, "x-request-id")).isEqualTo(event.getRequestContext().getRequestId());
        assertThat(response.getStatusCode()).as(response.getBody()).isNotEqualTo(500);
        if (response.getStatusCode() >= 400) {
            assertThat(header(response, "content-type")).isEqualTo("application/problem+json");
            JsonNode problem = body(response);
            assertThat(problem.get("status").asInt()).isEqualTo(response.getStatusCode());
            assertThat(problem.get("detail").asText()).isNotBlank();
        } else if (response.getStatusCode() != 204) {
            assertThat(header(response, "content-type")).startsWith("application/json");
            assertSnakeCase(body(response));
        }
        return response;
    }

    static void assertSnakeCase(JsonNode node) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                boolean userKeys = Stream.of("metrics", "parameters", "aliases", "headers")
                        .anyMatch(field.getKey()::equals);
                if (!userKeys) {
                    assertThat(field.getKey()).as("JSON field name").matches("[a-z0-9_]+");
                    assertSnakeCase(field.getValue());
                }
            }
        } else if (node.isArray()) {
            node.forEach(ManageModelsHandlerTest::assertSnakeCase);
        }
    }

    static APIGatewayV2HTTPEvent event(String file, String token, String rawPath, Map<String, String> parameters) {
        APIGatewayV2HTTPEvent event = withPath(load(file), rawPath, parameters);
        return token == null ? event : withBearer(event, token);
    }

    static APIGatewayV2HTTPResponse registerMultipart(String token, String name, MultipartBody form) {
        return call(withBinaryBody(event("models-register-multipart.json", token, "/models/" + name + "/versions",
                Map.of("name", name)), form.contentType(), form.bytes()));
    }

    static MultipartBody tabularForm(int features) {
        return new MultipartBody().field("kind", "tabular").field("description", "test model")
                .file("model_file", "model.onnx", TestModels.tabular(features, 2));
    }

    static APIGatewayV2HTTPResponse reserve(String name, Object body) {
        return call(withJson(event("models-register-presigned.json", admin, "/models/" + name + "/versions",
                Map.of("name", name)), body));
    }

    static APIGatewayV2HTTPResponse commit(String name, int version) {
        return call(event("models-commit.json", admin, "/models/" + name + "/versions/" + version + "/commit",
                Map.of("name", name, "version", String.valueOf(version))));
    }

    static APIGatewayV2HTTPResponse getVersion(String token, String name, String version) {
        return call(event("models-get-version.json", token, "/models/" + name + "/versions/" + version,
                Map.of("name", name, "version", version)));
    }

    static APIGatewayV2HTTPResponse setAlias(String name, String alias, Object body) {
        return call(withJson(event("models-set-alias.json", admin, "/models/" + name + "/aliases/" + alias,
                Map.of("name", name, "alias", alias)), body));
    }

    static APIGatewayV2HTTPResponse delete(String token, String name, int version) {
        return call(event("models-delete-version.json", token, "/models/" + name + "/versions/" + version,
                Map.of("name", name, "version", String.valueOf(version))));
    }

    static int put(JsonNode upload, byte[] data) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upload.get("url").asText()))
                .method(upload.get("method").asText(), HttpRequest.BodyPublishers.ofByteArray(data));
        upload.get("headers").fields().forEachRemaining(h -> request.header(h.getKey(), h.getValue().asText()));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static Map<String, Object> declared(String name, byte[] data) {
        return Map.of("name", name, "size", data.length, "sha256", ModelFile.sha256Hex(data));
    }

    @Test
    void register_whenMultipartImageClassifierWithSynset_201AndListedDescribedDownloadable() throws Exception {
        byte[] model = TestModels.tabular(3, 3);
        MultipartBody form = new MultipartBody().field("kind", "image_classifier").field("description", "fish")
                .file("model_file", "fish.onnx", model).file("artifact_files", "synset.txt", SYNSET);

        APIGatewayV2HTTPResponse created = registerMultipart(admin, "fish", form);

        assertThat(created.getStatusCode()).as(created.getBody()).isEqualTo(201);
        assertThat(header(created, "location")).isEqualTo("/models/fish/versions/1");
        JsonNode manifest = body(created);
        assertThat(manifest.get("ref").asText()).isEqualTo("fish:1");
        assertThat(manifest.get("model_file").asText()).isEqualTo("fish.onnx");
        assertThat(manifest.get("labels")).extracting(JsonNode::asText).containsExactly("tench", "goldfish",
                "great white shark");
        assertThat(manifest.at("/preprocessing/color_order").asText()).isEqualTo("RGB");
        assertThat(manifest.at("/inputs/0/shape").toString()).isEqualTo("[-1,3]");
        assertThat(manifest.get("files")).hasSize(2);

        JsonNode listing = body(call(event("models-list.json", user, "/models", Map.of())));
        assertThat(listing.get("items")).anySatisfy(item -> {
            assertThat(item.get("name").asText()).isEqualTo("fish");
            assertThat(item.get("latest_version").asInt()).isEqualTo(1);
        });

        JsonNode detail = body(call(event("models-describe.json", user, "/models/fish", Map.of("name", "fish"))));
        assertThat(detail.get("latest_version").asInt()).isEqualTo(1);
        assertThat(detail.at("/versions/0/labels_count").asInt()).isEqualTo(3);
        assertThat(detail.at("/versions/0/kind").asText()).isEqualTo("image_classifier");

        APIGatewayV2HTTPResponse version = getVersion(user, "fish", "1");
        assertThat(version.getStatusCode()).isEqualTo(200);
        JsonNode download = body(version).get("downloads").findValues("url").stream()
                .filter(u -> u.asText().contains("fish.onnx")).findFirst().orElseThrow();
        HttpResponse<byte[]> fetched = HTTP.send(HttpRequest.newBuilder(URI.create(download.asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.body()).isEqualTo(model);
    }

    @Test
    void sampleEvents_whenSentWithAnAdminToken_runTheirRoutes() throws Exception {
        List<String> inOrder = List.of("models-register-multipart.json", "models-register-presigned.json",
                "models-commit.json", "models-get-version.json", "models-describe.json", "models-list.json",
                "models-set-alias.json", "models-set-alias-canary.json", "models-get-alias.json",
                "models-list-alias-events.json", "models-get-drift.json", "models-delete-version.json");
        try (Stream<Path> files = Files.list(Events.folder())) {
            // The compatibility routes' events (models-compat-*) are replayed by SourceSystemClientsEndToEndTest.
            assertThat(files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("models-") && !n.startsWith("models-compat-")))
                    .containsExactlyInAnyOrderElementsOf(inOrder);
        }
        Map<String, Integer> statuses = new LinkedHashMap<>();
        for (String file : inOrder) {
            statuses.put(file, call(withBearer(load(file), admin)).getStatusCode());
        }
        assertThat(statuses).containsExactly(
                Map.entry("models-register-multipart.json", 201),
                Map.entry("models-register-presigned.json", 202),
                Map.entry("models-commit.json", 400), // its files were never uploaded
                Map.entry("models-get-version.json", 200),
                Map.entry("models-describe.json", 200),
                Map.entry("models-list.json", 200),
                Map.entry("models-set-alias.json", 200),
                Map.entry("models-set-alias-canary.json", 400), // its canary, version 2, is still an upload
                Map.entry("models-get-alias.json", 200),
                Map.entry("models-list-alias-events.json", 200),
                Map.entry("models-get-drift.json", 404), // an uploaded version has no drift baseline
                Map.entry("models-delete-version.json", 204)); // abandons the pending upload
        JsonNode iris = body(getVersion(user, "iris", "1"));
        assertThat(iris.get("labels")).extracting(JsonNode::asText).containsExactly("setosa", "versicolor", "virginica");
        assertThat(iris.get("feature_names")).hasSize(4);
        assertThat(iris.get("aliases")).extracting(JsonNode::asText).containsExactly("production");
    }

    @Test
    void adminRoutes_whenCalledWithAUserToken_403_andWithoutAToken_401() {
        assertThat(registerMultipart(user, "forbidden", tabularForm(4)).getStatusCode()).isEqualTo(403);
        assertThat(call(event("models-commit.json", user, "/models/forbidden/versions/1/commit",
                Map.of("name", "forbidden", "version", "1"))).getStatusCode()).isEqualTo(403);
        assertThat(call(withJson(event("models-set-alias.json", user, "/models/forbidden/aliases/production",
                Map.of("name", "forbidden", "alias", "production")), Map.of("version", 1))).getStatusCode())
                .isEqualTo(403);
        assertThat(delete(user, "forbidden", 1).getStatusCode()).isEqualTo(403);
        assertThat(call(event("models-list.json", null, "/models", Map.of())).getStatusCode()).isEqualTo(401);
        assertThat(getVersion(null, "forbidden", "1").getStatusCode()).isEqualTo(401);
        assertThat(getVersion(user, "forbidden", "1").getStatusCode()).isEqualTo(404);
    }

    @Test
    void routes_whenNamesOrVersionsAreNotPathSafe_400() {
        for (String name : List.of("../etc", "a/b", "..", "Upper", ".hidden", "a b")) {
            APIGatewayV2HTTPResponse response = call(event("models-describe.json", user, "/models/x",
                    Map.of("name", name)));
            assertThat(response.getStatusCode()).as(name).isEqualTo(400);
            assertThat(body(response).at("/errors/0/field").asText()).isEqualTo("name");
        }
        for (String version : List.of("0", "-1", "abc", "1.5", "99999999999")) {
            assertThat(getVersion(user, "fine", version).getStatusCode()).as(version).isEqualTo(400);
        }
        assertThat(setAlias("fine", "../prod", Map.of("version", 1)).getStatusCode()).isEqualTo(400);
        MultipartBody traversal = new MultipartBody().field("kind", "tabular")
                .file("model_file", "../../evil.onnx", TestModels.tabular(4, 2));
        APIGatewayV2HTTPResponse response = registerMultipart(admin, "fine", traversal);
        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/errors/0/field").asText()).isEqualTo("model_file");
        APIGatewayV2HTTPResponse declared = reserve("fine", Map.of("kind", "tabular",
                "files", List.of(Map.of("name", "sub/model.onnx", "size", 1, "sha256", "0".repeat(64)))));
        assertThat(declared.getStatusCode()).isEqualTo(400);
    }

    @Test
    void reserve_whenTheSha256IsNotLowerCaseHex_is400NamingTheField() {
        byte[] model = TestModels.tabular(4, 2);
        String upper = ModelFile.sha256Hex(model).toUpperCase(java.util.Locale.ROOT);
        APIGatewayV2HTTPResponse response = reserve("upper", Map.of("kind", "tabular",
                "files", List.of(Map.of("name", "model.onnx", "size", model.length, "sha256", upper))));
        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/errors/0/field").asText()).isEqualTo("files[0].sha256");
    }

    @Test
    void register_whenInputIsBad_4xxNamingTheProblem() {
        assertThat(registerMultipart(admin, "bad", new MultipartBody().field("kind", "tabular")).getStatusCode())
                .as("no model file").isEqualTo(400);
        assertThat(registerMultipart(admin, "bad", new MultipartBody()
                .file("model_file", "m.onnx", TestModels.tabular(4, 2))).getStatusCode()).as("no kind").isEqualTo(400);
        assertThat(registerMultipart(admin, "bad", tabularForm(4).field("kind", "tabular")).getStatusCode())
                .as("kind twice").isEqualTo(400);
        assertThat(registerMultipart(admin, "bad", new MultipartBody().field("kind", "regression")
                .file("model_file", "m.onnx", TestModels.tabular(4, 2))).getStatusCode()).isEqualTo(400);
        assertThat(registerMultipart(admin, "bad", new MultipartBody().field("kind", "tabular")
                .file("model_file", "m.onnx", "not onnx".getBytes(StandardCharsets.UTF_8))).getStatusCode())
                .as("not an ONNX graph").isEqualTo(400);

        APIGatewayV2HTTPResponse badMetadata = registerMultipart(admin, "bad", tabularForm(4)
                .field("metadata", "{\"inputs\":[{\"name\":\"x\",\"type\":\"float33\",\"shape\":[-1,4]}]}"));
        assertThat(badMetadata.getStatusCode()).isEqualTo(400);
        assertThat(body(badMetadata).at("/errors/0/field").asText()).isEqualTo("inputs[0].type");
        APIGatewayV2HTTPResponse unknownField = registerMultipart(admin, "bad", tabularForm(4)
                .field("metadata", "{\"colour\":\"red\"}"));
        assertThat(unknownField.getStatusCode()).isEqualTo(400);
        assertThat(body(unknownField).at("/errors/0/field").asText()).isEqualTo("metadata.colour");
        assertThat(registerMultipart(admin, "bad", tabularForm(4).field("metadata", "{not json")).getStatusCode())
                .isEqualTo(400);

        byte[] large = new byte[ModelRequests.MAX_DIRECT_UPLOAD_BYTES + 1];
        assertThat(registerMultipart(admin, "bad", new MultipartBody().field("kind", "tabular")
                .file("model_file", "m.onnx", large)).getStatusCode()).isEqualTo(413);
        assertThat(call(withBody(event("models-register-presigned.json", admin, "/models/bad/versions",
                Map.of("name", "bad")), "text/plain", "hello")).getStatusCode()).isEqualTo(415);
        assertThat(reserve("bad", Map.of("kind", "tabular")).getStatusCode()).as("no files").isEqualTo(400);

        assertThat(getVersion(user, "bad", "1").getStatusCode()).as("nothing was registered").isEqualTo(404);
    }

    @Test
    void presignedUpload_whenFilesArePutAndCommitted_theVersionBecomesResolvable() throws Exception {
        byte[] model = TestModels.tabular(4, 3);
        byte[] labels = "a\nb\nc\n".getBytes(StandardCharsets.UTF_8);
        APIGatewayV2HTTPResponse reserved = reserve("big", Map.of("kind", "tabular", "description", "large model",
                "files", List.of(declared("model.onnx", model), declared("classes.txt", labels)),
                "metadata", Map.of("labels_file", "classes.txt", "feature_names", List.of("w", "x", "y", "z"))));

        assertThat(reserved.getStatusCode()).as(reserved.getBody()).isEqualTo(202);
        JsonNode pending = body(reserved);
        assertThat(pending.get("status").asText()).isEqualTo("pending");
        assertThat(pending.get("commit_url").asText()).isEqualTo("/models/big/versions/1/commit");
        assertThat(getVersion(user, "big", "1").getStatusCode()).as("pending is never resolvable").isEqualTo(404);
        JsonNode detail = body(call(event("models-describe.json", user, "/models/big", Map.of("name", "big"))));
        assertThat(detail.get("pending_versions")).hasSize(1);
        assertThat(detail.get("versions")).isEmpty();

        for (JsonNode upload : pending.get("uploads")) {
            byte[] data = upload.get("file").asText().equals("model.onnx") ? model : labels;
            assertThat(put(upload, data)).isEqualTo(200);
        }
        APIGatewayV2HTTPResponse committed = commit("big", 1);

        assertThat(committed.getStatusCode()).as(committed.getBody()).isEqualTo(200);
        assertThat(body(committed).get("labels")).extracting(JsonNode::asText).containsExactly("a", "b", "c");
        assertThat(getVersion(user, "big", "1").getStatusCode()).isEqualTo(200);
        assertThat(commit("big", 1).getStatusCode()).as("idempotent").isEqualTo(200);
    }

    @Test
    void commit_whenDeclaredSha256IsWrong_400AndNothingResolvable() throws Exception {
        byte[] model = TestModels.tabular(4, 2);
        Map<String, Object> wrong = Map.of("name", "model.onnx", "size", model.length,
                "sha256", ModelFile.sha256Hex("something else".getBytes(StandardCharsets.UTF_8)));
        JsonNode pending = body(reserve("wrong", Map.of("kind", "tabular", "files", List.of(wrong))));

        int status = put(pending.at("/uploads/0"), model);
        APIGatewayV2HTTPResponse committed = commit("wrong", 1);

        assertThat(status).as("storage refuses bytes that differ from the signed checksum").isBetween(400, 499);
        assertThat(committed.getStatusCode()).isEqualTo(400);
        assertThat(body(committed).at("/errors/0/field").asText()).isEqualTo("files[0]");
        assertThat(getVersion(user, "wrong", "1").getStatusCode()).isEqualTo(404);
        assertThat(body(call(event("models-list.json", user, "/models", Map.of()))).get("items"))
                .noneSatisfy(item -> assertThat(item.get("name").asText()).isEqualTo("wrong"));
    }

    @Test
    void setAlias_whenMovedAndRolledBack_followsTheVersion_andBadBodies400() {
        registerMultipart(admin, "rollout", tabularForm(4));
        registerMultipart(admin, "rollout", tabularForm(5));

        JsonNode first = body(setAlias("rollout", "production", Map.of("version", "1")));
        assertThat(first.get("version").asInt()).isEqualTo(1);
        assertThat(first.has("previous_version")).isFalse();
        JsonNode moved = body(setAlias("rollout", "production", Map.of("version", 2)));
        assertThat(moved.get("previous_version").asInt()).isEqualTo(1);
        assertThat(body(getVersion(user, "rollout", "2")).get("aliases")).extracting(JsonNode::asText)
                .containsExactly("production");
        JsonNode rolledBack = body(setAlias("rollout", "production", Map.of("version", "1")));
        assertThat(rolledBack.get("previous_version").asInt()).isEqualTo(2);
        JsonNode detail = body(call(event("models-describe.json", user, "/models/rollout", Map.of("name", "rollout"))));
        assertThat(detail.at("/aliases/production").asInt()).isEqualTo(1);
        assertThat(detail.get("latest_version").asInt()).isEqualTo(2);

        for (Object bad : List.of(Map.of("version", "abc"), Map.of("version", true), Map.of(), Map.of("version", 0),
                Map.of("version", 1.5), Map.of("version", 1, "extra", 2))) {
            assertThat(setAlias("rollout", "production", bad).getStatusCode()).as(bad.toString()).isEqualTo(400);
        }
        assertThat(setAlias("rollout", "production", Map.of("version", 9)).getStatusCode()).isEqualTo(404);
        assertThat(setAlias("nonexistent", "production", Map.of("version", 1)).getStatusCode()).isEqualTo(404);
    }

    static APIGatewayV2HTTPResponse getAlias(String token, String name, String alias) {
        return call(event("models-get-alias.json", token, "/models/" + name + "/aliases/" + alias,
                Map.of("name", name, "alias", alias)));
    }

    static List<String> fields(APIGatewayV2HTTPResponse response) {
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(400);
        return body(response).get("errors").findValuesAsText("field");
    }

    static Map<String, Object> canaryBody(Object version, Object canaryVersion, Object weight) {
        Map<String, Object> canary = new LinkedHashMap<>();
        canary.put("version", canaryVersion);
        canary.put("weight", weight);
        return Map.of("version", version, "canary", canary);
    }

    @Test
    void setAlias_withACanary_answersTheSplit_andEveryBadCanaryIs400NamingItsField() {
        registerMultipart(admin, "canaried", tabularForm(4));
        registerMultipart(admin, "canaried", tabularForm(4));
        setAlias("canaried", "production", Map.of("version", 1));

        JsonNode set = body(setAlias("canaried", "production", canaryBody(1, "2", 10)));
        assertThat(set.get("version").asInt()).isEqualTo(1);
        assertThat(set.at("/canary/version").asInt()).isEqualTo(2);
        assertThat(set.at("/canary/weight").asInt()).isEqualTo(10);
        assertThat(set.at("/canary/since").asText()).isNotBlank();

        assertThat(fields(setAlias("canaried", "production", canaryBody(1, 2, 0)))).containsExactly("canary.weight");
        assertThat(fields(setAlias("canaried", "production", canaryBody(1, 2, 51)))).containsExactly("canary.weight");
        assertThat(fields(setAlias("canaried", "production", canaryBody(1, 2, "ten")))).containsExactly("canary.weight");
        assertThat(fields(setAlias("canaried", "production", canaryBody(1, 2, 12.5)))).containsExactly("canary.weight");
        assertThat(fields(setAlias("canaried", "production", Map.of("version", 1, "canary", Map.of("version", 2)))))
                .containsExactly("canary.weight");
        assertThat(fields(setAlias("canaried", "production", canaryBody(1, 1, 10)))).containsExactly("canary.version");
        assertThat(fields(setAlias("canaried", "production", canaryBody(1, 9, 10)))).containsExactly("canary.version");
        assertThat(fields(setAlias("canaried", "production", canaryBody(1, "two", 10)))).containsExactly("canary.version");
        assertThat(fields(setAlias("canaried", "production", Map.of("version", 1, "canary", 2))))
                .containsExactly("canary");
        assertThat(fields(setAlias("canaried", "production",
                Map.of("version", 1, "canary", Map.of("version", 2, "weight", 10, "share", 5)))))
                .containsExactly("canary.share");

        MultipartBody image = new MultipartBody().field("kind", "image_classifier").field("description", "fish")
                .file("model_file", "fish.onnx", TestModels.tabular(3, 3)).file("artifact_files", "synset.txt", SYNSET);
        assertThat(registerMultipart(admin, "canaried", image).getStatusCode()).isEqualTo(201);
        APIGatewayV2HTTPResponse otherKind = setAlias("canaried", "production", canaryBody(1, 3, 10));
        assertThat(fields(otherKind)).containsExactly("canary.version");
        assertThat(body(otherKind).get("errors").get(0).get("message").asText()).contains("image_classifier");

        JsonNode unchanged = body(getAlias(admin, "canaried", "production"));
        assertThat(unchanged.at("/canary/weight").asInt()).as("refused changes changed nothing").isEqualTo(10);
        JsonNode plain = body(setAlias("canaried", "production", Map.of("version", 1)));
        assertThat(plain.has("canary")).as("a plain version ends the canary").isFalse();
    }

    static APIGatewayV2HTTPResponse aliasEvents(String token, String name, String alias, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = event("models-list-alias-events.json", token,
                "/models/" + name + "/aliases/" + alias + "/events", Map.of("name", name, "alias", alias));
        event.setQueryStringParameters(query);
        event.setRawQueryString("");
        return call(event);
    }

    @Test
    void setAlias_withShadowGuardrailAndPromoteAfter_showsThem_andEveryBadValueIs400NamingItsField() {
        for (int i = 0; i < 3; i++) {
            registerMultipart(admin, "guarded", tabularForm(4));
        }
        Map<String, Object> guardrail = Map.of("max_error_rate_increase", 0.1, "window_minutes", 3);
        Map<String, Object> full = Map.of("version", 1, "canary", Map.of("version", 2, "weight", 10),
                "shadow", Map.of("version", 3), "guardrail", guardrail, "promote_after", Map.of("requests", 500));
        JsonNode set = body(setAlias("guarded", "production", full));
        assertThat(set.at("/shadow/version").asInt()).isEqualTo(3);
        assertThat(set.at("/guardrail/max_error_rate_increase").asDouble()).isEqualTo(0.1);
        assertThat(set.at("/guardrail/max_p95_ratio").asDouble()).as("default").isEqualTo(2.0);
        assertThat(set.at("/guardrail/min_requests").asInt()).as("default").isEqualTo(20);
        assertThat(set.at("/guardrail/window_minutes").asInt()).isEqualTo(3);
        assertThat(set.at("/promote_after/requests").asInt()).isEqualTo(500);
        assertThat(set.at("/promote_after/minutes").asInt()).isZero();

        java.util.function.BiFunction<String, Object, Map<String, Object>> with = (field, value) -> {
            Map<String, Object> body = new LinkedHashMap<>(full);
            body.put(field, value);
            return body;
        };
        assertThat(fields(setAlias("guarded", "production", with.apply("guardrail", Map.of("window_minutes", 61)))))
                .containsExactly("guardrail.window_minutes");
        assertThat(fields(setAlias("guarded", "production", with.apply("guardrail", Map.of("window_minutes", 0)))))
                .containsExactly("guardrail.window_minutes");
        assertThat(fields(setAlias("guarded", "production", with.apply("guardrail", Map.of("min_requests", 0)))))
                .containsExactly("guardrail.min_requests");
        assertThat(fields(setAlias("guarded", "production",
                with.apply("guardrail", Map.of("max_error_rate_increase", -0.1))))).containsExactly(
                        "guardrail.max_error_rate_increase");
        assertThat(fields(setAlias("guarded", "production", with.apply("guardrail", Map.of("max_p95_ratio", 0)))))
                .containsExactly("guardrail.max_p95_ratio");
        assertThat(fields(setAlias("guarded", "production", with.apply("guardrail", Map.of("max_p95_ratio", "x")))))
                .containsExactly("guardrail.max_p95_ratio");
        assertThat(fields(setAlias("guarded", "production", with.apply("guardrail", Map.of("window", 5)))))
                .containsExactly("guardrail.window");
        assertThat(fields(setAlias("guarded", "production", with.apply("promote_after", Map.of("minutes", 5)))))
                .containsExactly("promote_after.requests");
        assertThat(fields(setAlias("guarded", "production", with.apply("promote_after", Map.of("requests", 0)))))
                .containsExactly("promote_after.requests");
        assertThat(fields(setAlias("guarded", "production", with.apply("shadow", Map.of("version", 1)))))
                .containsExactly("shadow.version");
        assertThat(fields(setAlias("guarded", "production", with.apply("shadow", Map.of("version", 2)))))
                .containsExactly("shadow.version");
        assertThat(fields(setAlias("guarded", "production", with.apply("shadow", Map.of("version", 9)))))
                .containsExactly("shadow.version");
        assertThat(fields(setAlias("guarded", "production", with.apply("shadow", 3)))).containsExactly("shadow");

        new dev.mlapi.core.aws.DynamoDbShadowAgreements(stack.wiring().dynamoDb(), stack.config().environment()
                .tableName(dev.mlapi.catalog.TableCatalog.REQUEST_ROLLUPS))
                .record("guarded@production", 3, java.time.Instant.now(), true);
        JsonNode detail = body(getAlias(admin, "guarded", "production"));
        assertThat(detail.at("/shadow/agreement/requests").asInt()).isEqualTo(1);
        assertThat(detail.at("/shadow/agreement/agreed").asInt()).isEqualTo(1);
        assertThat(detail.at("/shadow/agreement/rate").asDouble()).isEqualTo(1.0);
        assertThat(detail.at("/guardrail/window_minutes").asInt()).isEqualTo(3);

        JsonNode events = body(aliasEvents(admin, "guarded", "production", Map.of("limit", "1")));
        assertThat(events.get("items")).hasSize(1);
        assertThat(events.at("/items/0/kind").asText()).isEqualTo("change");
        assertThat(events.at("/items/0/to_version").asInt()).isEqualTo(1);
        assertThat(events.get("next_token")).isNull();
        assertThat(aliasEvents(admin, "guarded", "staging", Map.of()).getStatusCode()).isEqualTo(404);
        assertThat(aliasEvents(user, "guarded", "production", Map.of()).getStatusCode()).isEqualTo(403);
        assertThat(fields(aliasEvents(admin, "guarded", "production", Map.of("next_token", "x"))))
                .containsExactly("next_token");
    }

    @Test
    void getAlias_showsTheSplit_andWhatEachSideServedSinceTheCanaryBegan_fromThePerVersionRollups() {
        registerMultipart(admin, "watched", tabularForm(4));
        registerMultipart(admin, "watched", tabularForm(4));
        JsonNode set = body(setAlias("watched", "production", canaryBody(1, 2, 25)));
        java.time.Instant since = java.time.Instant.parse(set.at("/canary/since").asText());

        // What the aggregator rolls up from the request log: 6 requests served by version 1, 3 by the
        // canary (one failing), and one by another model's version that must not count.
        List<dev.mlapi.core.requestlog.RequestLogEntry> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String model = i < 6 ? "watched:1" : i < 9 ? "watched:2" : "other:2";
            entries.add(new dev.mlapi.core.requestlog.RequestLogEntry("watched-" + UUID.randomUUID(), since,
                    "POST /predict", "POST", "/predict", Optional.of("bob"), i == 8 ? 500 : 200, 0.010 * (i + 1), 40,
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(model), Optional.of("x"),
                    Optional.empty(), Optional.empty(), since.plus(java.time.Duration.ofDays(90)),
                    Optional.of(i < 6 ? "stable" : "canary")));
        }
        stack.wiring().requestRollups().applyAll(entries);

        JsonNode alias = body(getAlias(admin, "watched", "production"));
        assertThat(alias.get("version").asInt()).isEqualTo(1);
        assertThat(alias.at("/split/stable").asInt()).isEqualTo(75);
        assertThat(alias.at("/split/canary").asInt()).isEqualTo(25);
        assertThat(alias.at("/figures/from").asText()).isEqualTo(since.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).toString());
        JsonNode stable = alias.at("/figures/sides/stable");
        assertThat(stable.get("version").asInt()).isEqualTo(1);
        assertThat(stable.get("total_requests").asLong()).isEqualTo(6);
        assertThat(stable.get("error_rate").asDouble()).isZero();
        assertThat(stable.get("max_processing_time").asDouble()).isEqualTo(0.06, org.assertj.core.api.Assertions.within(1e-9));
        JsonNode canary = alias.at("/figures/sides/canary");
        assertThat(canary.get("version").asInt()).isEqualTo(2);
        assertThat(canary.get("total_requests").asLong()).isEqualTo(3);
        assertThat(canary.get("server_error_count").asLong()).isEqualTo(1);
        assertThat(canary.get("min_processing_time").asDouble()).isEqualTo(0.07, org.assertj.core.api.Assertions.within(1e-9));

        assertThat(getAlias(user, "watched", "production").getStatusCode()).isEqualTo(403);
        assertThat(getAlias(admin, "watched", "staging").getStatusCode()).isEqualTo(404);
    }

    @Test
    void delete_whenAliased_409_andAfterTheAliasMoves_204AndGone() {
        registerMultipart(admin, "retire", tabularForm(4));
        registerMultipart(admin, "retire", tabularForm(5));
        setAlias("retire", "production", Map.of("version", 1));

        APIGatewayV2HTTPResponse refused = delete(admin, "retire", 1);
        assertThat(refused.getStatusCode()).isEqualTo(409);
        assertThat(body(refused).get("detail").asText()).contains("production");

        setAlias("retire", "production", Map.of("version", 2));
        assertThat(delete(admin, "retire", 1).getStatusCode()).isEqualTo(204);
        assertThat(getVersion(user, "retire", "1").getStatusCode()).isEqualTo(404);
        assertThat(delete(admin, "retire", 1).getStatusCode()).isEqualTo(404);
        List<Integer> versions = new ArrayList<>();
        body(call(event("models-describe.json", user, "/models/retire", Map.of("name", "retire")))).get("versions")
                .forEach(v -> versions.add(v.get("version").asInt()));
        assertThat(versions).containsExactly(2);
    }

    /**
     * What a {@code kill -9} of the local S3 server leaves: the key of an interrupted write with a
     * dash and a UUID appended, full or partial content. Put straight into the bucket, as the store would.
     */
    static void putStray(String key, String content) {
        RegistrySettings settings = RegistrySettings.from(stack.config());
        try (S3Client s3 = S3Clients.s3(settings)) {
            s3.putObject(r -> r.bucket(settings.bucket()).key(key), RequestBody.fromString(content));
        }
    }

    @Test
    void routes_whenTheBucketHoldsKeysTheRegistryDidNotWrite_ignoreThem() throws Exception {
        registerMultipart(admin, "crashed", tabularForm(4));
        registerMultipart(admin, "crashed", tabularForm(5));
        setAlias("crashed", "production", Map.of("version", 1));
        String uuid = "-" + UUID.randomUUID();
        String manifest = body(getVersion(user, "crashed", "2")).toString();
        putStray("models/crashed/claims/0000000003" + uuid, "{}");
        putStray("models/crashed/manifests/0000000003.json" + uuid, manifest);
        putStray("models/crashed/manifests/3.json", manifest);
        putStray("models/crashed/aliases/staging.json" + uuid, "{\"format\":1,\"model\":\"crashed\",\"alias\":"
                + "\"staging\",\"version\":2,\"updated_at\":\"2026-01-01T00:00:00Z\",\"updated_by\":\"x\"}");
        putStray("models/crashed/pending/0000000004.json" + uuid, "{\"format\":1,\"na");
        putStray("models/crashed/README", "hello");
        putStray("models/Not..A.Name/manifests/0000000001.json", manifest);
        putStray("models/loose-object", "hello");
        putStray("images/cat.png", "not a model");

        JsonNode detail = body(call(event("models-describe.json", user, "/models/crashed", Map.of("name", "crashed"))));
        assertThat(detail.get("latest_version").asInt()).as("no phantom version 3").isEqualTo(2);
        assertThat(detail.get("versions")).extracting(v -> v.get("version").asInt()).containsExactly(2, 1);
        assertThat(detail.get("pending_versions")).isEmpty();
        assertThat(detail.get("aliases").size()).isEqualTo(1);
        APIGatewayV2HTTPEvent list = event("models-list.json", user, "/models", Map.of());
        list.setRawQueryString("limit=100");
        list.setQueryStringParameters(Map.of("limit", "100"));
        JsonNode listing = body(call(list));
        assertThat(listing.get("items")).anySatisfy(item -> {
            assertThat(item.get("name").asText()).isEqualTo("crashed");
            assertThat(item.get("latest_version").asInt()).isEqualTo(2);
            assertThat(item.get("aliases").has("staging")).isFalse();
        });
        assertThat(listing.get("items")).extracting(item -> item.get("name").asText())
                .doesNotContain("Not..A.Name", "loose-object", "images");
        assertThat(getVersion(user, "crashed", "3").getStatusCode()).isEqualTo(404);
        assertThat(delete(admin, "crashed", 2).getStatusCode()).as("no alias blocks it").isEqualTo(204);
        assertThat(body(call(event("models-describe.json", user, "/models/crashed", Map.of("name", "crashed"))))
                .get("latest_version").asInt()).isEqualTo(1);
    }

    static APIGatewayV2HTTPResponse page(String rawPath, Map<String, String> pathParameters, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = event(rawPath.equals("/models") ? "models-list.json" : "models-describe.json",
                user, rawPath, pathParameters);
        event.setQueryStringParameters(query);
        return call(event);
    }

    @Test
    void listings_followTheirSignedCursors_andRefuseForgedOrAlteredOnesWith400() {
        for (String name : List.of("cursor-a", "cursor-b", "cursor-c")) {
            assertThat(registerMultipart(admin, name, tabularForm(2)).getStatusCode()).isEqualTo(201);
        }
        assertThat(registerMultipart(admin, "cursor-a", tabularForm(2)).getStatusCode()).isEqualTo(201);
        java.util.Set<String> names = new java.util.HashSet<>();
        String cursor = null;
        do {
            JsonNode json = body(page("/models", Map.of(),
                    cursor == null ? Map.of("limit", "1") : Map.of("limit", "1", "cursor", cursor)));
            json.get("items").forEach(item -> names.add(item.get("name").asText()));
            cursor = json.hasNonNull("next_cursor") ? json.get("next_cursor").asText() : null;
            assertThat(cursor == null || cursor.contains(".")).as("signed: " + cursor).isTrue();
        } while (cursor != null);
        assertThat(names).contains("cursor-a", "cursor-b", "cursor-c");

        String modelsCursor = body(page("/models", Map.of(), Map.of("limit", "1"))).get("next_cursor").asText();
        String versionsCursor = body(page("/models/cursor-a", Map.of("name", "cursor-a"), Map.of("limit", "1")))
                .get("next_cursor").asText();
        java.util.Base64.Encoder base64 = java.util.Base64.getUrlEncoder().withoutPadding();
        // base64url("cursor-b") and "1": positions anyone can write, which the listings once took as they were.
        String forgedName = base64.encodeToString("cursor-b".getBytes(StandardCharsets.UTF_8));
        for (String forged : List.of(forgedName, forgedName + modelsCursor.substring(modelsCursor.indexOf('.')),
                modelsCursor + "x", versionsCursor)) {
            APIGatewayV2HTTPResponse response = page("/models", Map.of(), Map.of("cursor", forged));
            assertThat(response.getStatusCode()).as(forged).isEqualTo(400);
            assertThat(body(response).get("errors").get(0).get("field").asText()).isEqualTo("cursor");
        }
        for (String forged : List.of("1", modelsCursor, versionsCursor + "x")) {
            assertThat(page("/models/cursor-a", Map.of("name", "cursor-a"), Map.of("cursor", forged)).getStatusCode())
                    .as(forged).isEqualTo(400);
        }
        assertThat(page("/models/cursor-b", Map.of("name", "cursor-b"), Map.of("cursor", versionsCursor))
                .getStatusCode()).as("a cursor of another model's versions").isEqualTo(400);
        JsonNode rest = body(page("/models/cursor-a", Map.of("name", "cursor-a"), Map.of("limit", "1", "cursor", versionsCursor)));
        assertThat(rest.get("versions")).extracting(v -> v.get("version").asInt()).containsExactly(1);
    }

    @Test
    void register_theReadmesMobileNetUpload_readsTheThousandLabelsOfImagenetSynset() throws Exception {
        Optional<Path> shared = TestModels.sharedModels();
        org.junit.jupiter.api.Assumptions.assumeTrue(shared.isPresent(),
                "../shared/models is not on this machine: the README's MobileNetV2 upload is not checked");
        // As the README's curl sends it: -F model_file=@mobilenetv2-12-int8.onnx -F artifact_files=@imagenet-synset.txt
        MultipartBody form = new MultipartBody().field("kind", "image_classifier").field("description", "MobileNetV2 int8")
                .file("model_file", "mobilenetv2-12-int8.onnx", Files.readAllBytes(shared.get().resolve("mobilenetv2-12-int8.onnx")))
                .file("artifact_files", "imagenet-synset.txt", Files.readAllBytes(shared.get().resolve("imagenet-synset.txt")));

        APIGatewayV2HTTPResponse created = registerMultipart(admin, "readme-mobilenet", form);

        assertThat(created.getStatusCode()).as(created.getBody()).isEqualTo(201);
        JsonNode labels = body(created).get("labels");
        assertThat(labels).hasSize(1000);
        assertThat(labels.get(0).asText()).isEqualTo("tench");
        assertThat(labels.get(281).asText()).isEqualTo("tabby");
    }

    @Test
    void register_whenTheLabelsFileHasAnotherLineCountThanTheOutput_400SayingTheCounts() {
        MultipartBody form = new MultipartBody().field("kind", "image_classifier").field("description", "fish")
                .file("model_file", "fish.onnx", TestModels.tabular(3, 4)).file("artifact_files", "fish-names.txt", SYNSET);

        APIGatewayV2HTTPResponse refused = registerMultipart(admin, "miscounted-fish", form);

        assertThat(refused.getStatusCode()).isEqualTo(400);
        assertThat(body(refused).get("detail").asText()).contains("'fish-names.txt' has 3 lines", "has 4 classes");
    }
}
