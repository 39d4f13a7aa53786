package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.inference.TinyOnnx;
import dev.mlapi.registry.RegistrySettings;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code kill -9} of the local server leaves the S3 store's temporary files ({@code <key>-<uuid>})
 * on disk. After a restart the registry must answer as if they were not there, and the start-up
 * clean-up removes them.
 */
class RegistryCrashRecoveryTest {

    static final String ADMIN_PASSWORD = "local-admin-password";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path data;

    LocalServer start() {
        return LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    static HttpResponse<String> send(LocalServer server, HttpRequest.Builder request, String token) throws Exception {
        HttpResponse<String> response = HTTP.send(request.header("authorization", "Bearer " + token).build(),
                BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isLessThan(500);
        return response;
    }

    static String login(LocalServer server) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(server.baseUri().resolve("/auth/login"))
                .header("content-type", "application/json")
                .POST(BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + ADMIN_PASSWORD + "\"}"))
                .build(), BodyHandlers.ofString());
        return json(response).get("access_token").asText();
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static void register(LocalServer server, String admin, String name) throws Exception {
        String boundary = "----crash-recovery";
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nimage_classifier\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
                + "{\"labels\":[\"red\",\"green\",\"blue\"]}\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model_file\"; filename=\"tiny.onnx\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        form.writeBytes(TinyOnnx.logitsModel());
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> registered = send(server, HttpRequest.newBuilder(
                        server.baseUri().resolve("/models/" + name + "/versions"))
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(BodyPublishers.ofByteArray(form.toByteArray())), admin);
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    }

    @Test
    void restart_afterPartialWritesWereLeftOnDisk_answersAsIfTheyWereNeverThere_andRemovesThem() throws Exception {
        Path model;
        List<Path> partial;
        try (LocalServer server = start()) {
            String admin = login(server);
            register(server, admin, "crashed");
            send(server, HttpRequest.newBuilder(server.baseUri().resolve("/models/crashed/aliases/production"))
                    .header("content-type", "application/json").PUT(BodyPublishers.ofString("{\"version\":1}")), admin);
            model = data.resolve("s3").resolve(RegistrySettings.from(server.wiring().config()).bucket())
                    .resolve("models").resolve("crashed");
        }
        // What the store leaves when killed mid-write: the next manifest, an alias, a pending upload.
        String uuid = "-" + UUID.randomUUID();
        byte[] manifest = Files.readAllBytes(model.resolve("manifests/0000000001.json"));
        partial = List.of(model.resolve("manifests/0000000002.json" + uuid), model.resolve("aliases/staging.json" + uuid),
                model.resolve("pending/0000000003.json" + uuid), model.resolve("claims/0000000004" + uuid));
        Files.createDirectories(model.resolve("pending"));
        Files.write(partial.get(0), manifest);
        Files.write(partial.get(1), Files.readAllBytes(model.resolve("aliases/production.json")));
        Files.writeString(partial.get(2), "{\"format\":1,\"na");
        Files.writeString(partial.get(3), "");

        try (LocalServer server = start()) {
            String admin = login(server);
            HttpResponse<String> detail = send(server, HttpRequest.newBuilder(server.baseUri().resolve("/models/crashed")),
                    admin);

            assertThat(detail.statusCode()).as(detail.body()).isEqualTo(200);
            assertThat(json(detail).get("latest_version").asInt()).isEqualTo(1);
            assertThat(json(detail).get("aliases").has("staging")).isFalse();
            assertThat(json(detail).get("pending_versions")).isEmpty();
            assertThat(partial).noneMatch(Files::exists);
            register(server, admin, "crashed");
            assertThat(json(send(server, HttpRequest.newBuilder(server.baseUri().resolve("/models/crashed")), admin))
                    .get("latest_version").asInt()).as("the partial claim took no number").isEqualTo(2);
        }
    }
}
