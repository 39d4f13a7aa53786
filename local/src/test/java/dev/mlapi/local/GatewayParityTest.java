package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.ApiCors;
import dev.mlapi.core.http.RequestIds;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.server.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the local server does where API Gateway answers before any function runs: CORS with the
 * stack's settings, one request-id format (a caller's safe id kept and echoed), and the body's
 * size checked before anything else.
 */
class GatewayParityTest {

    static final String ADMIN_PASSWORD = "parity-admin-password";
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    @TempDir
    static Path data;
    static LocalServer server;

    @BeforeAll
    static void start() {
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), BodyHandlers.ofString());
    }

    static HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(server.baseUri().resolve(path));
    }

    static String adminToken() throws Exception {
        var response = send(at("/auth/login").header("content-type", "application/x-www-form-urlencoded")
                .POST(BodyPublishers.ofString("username=admin&password=" + ADMIN_PASSWORD)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body().replaceAll(".*\"access_token\":\"([^\"]+)\".*", "$1");
    }

    // --- CORS -----------------------------------------------------------------------------------

    @Test
    void preflight_isAnswered204_withTheStacksCorsSettings_beforeAnyRoute() throws Exception {
        for (String path : List.of("/models", "/auth/login", "/train/some-job", "/metrics")) {
            var response = send(at(path).method("OPTIONS", BodyPublishers.noBody())
                    .header("origin", "https://app.example.com")
                    .header("access-control-request-method", "POST")
                    .header("access-control-request-headers", "authorization,content-type"));
            assertThat(response.statusCode()).as("preflight of " + path + ": " + response.body()).isEqualTo(204);
            var headers = response.headers();
            assertThat(headers.firstValue("access-control-allow-origin")).contains("*");
            assertThat(headers.firstValue("access-control-allow-methods"))
                    .contains(String.join(",", ApiCors.ALLOW_METHODS));
            assertThat(headers.firstValue("access-control-allow-headers"))
                    .contains(String.join(",", ApiCors.ALLOW_HEADERS));
            assertThat(headers.firstValue("access-control-max-age")).contains(Long.toString(ApiCors.MAX_AGE.toSeconds()));
            assertThat(headers.firstValue("x-request-id")).isPresent();
        }
    }

    @Test
    void answerToAnOrigin_carriesAllowOriginAndExposesTheRequestId() throws Exception {
        var ok = send(at("/health").header("origin", "https://app.example.com"));
        var refused = send(at("/models").header("origin", "https://app.example.com"));
        for (var response : List.of(ok, refused)) {
            assertThat(response.headers().firstValue("access-control-allow-origin")).contains("*");
            assertThat(response.headers().firstValue("access-control-expose-headers"))
                    .contains(String.join(",", ApiCors.EXPOSE_HEADERS));
            assertThat(ApiCors.EXPOSE_HEADERS).contains("x-request-id");
        }
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(send(at("/health")).headers().firstValue("access-control-allow-origin")).isEmpty();
    }

    @Test
    void namedOrigins_onlyThoseAreAllowed_andAnotherOriginsPreflightGetsNoCorsHeaders() throws Exception {
        Request.Handler ok = (request, response, callback) -> {
            response.setStatus(200);
            response.write(true, null, callback);
            return true;
        };
        try (HttpFront front = HttpFront.start("127.0.0.1", 0, HttpFront.Limits.defaults(),
                new CorsHandler(ApiCors.origins("https://a.example, https://b.example"), ok))) {
            URI base = front.baseUri();
            var allowed = http.send(HttpRequest.newBuilder(base.resolve("/x")).method("OPTIONS", BodyPublishers.noBody())
                    .header("origin", "https://b.example").header("access-control-request-method", "PUT").build(),
                    BodyHandlers.ofString());
            assertThat(allowed.statusCode()).isEqualTo(204);
            assertThat(allowed.headers().firstValue("access-control-allow-origin")).contains("https://b.example");
            assertThat(allowed.headers().firstValue("vary")).contains("origin");
            var other = http.send(HttpRequest.newBuilder(base.resolve("/x")).method("OPTIONS", BodyPublishers.noBody())
                    .header("origin", "https://evil.example").header("access-control-request-method", "PUT").build(),
                    BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(204);
            assertThat(other.headers().map().keySet()).noneMatch(name -> name.startsWith("access-control-"));
        }
    }

    // --- request ids ----------------------------------------------------------------------------

    @Test
    void safeIncomingRequestId_isKeptAndEchoed_everywhere_andKeysTheHistoryEntry() throws Exception {
        String token = adminToken();
        String id = "client-Req_0123456789";
        Map<String, HttpRequest.Builder> requests = Map.of(
                "a route", at("/health"),
                "a function's refusal", at("/models"),
                "an unknown route", at("/no-such-route"),
                "the metrics endpoint", at("/metrics"),
                "the docs", at("/docs/no-such-file.js"),
                "a preflight", at("/models").method("OPTIONS", BodyPublishers.noBody())
                        .header("origin", "https://app.example.com").header("access-control-request-method", "GET"));
        for (var request : requests.entrySet()) {
            var response = send(request.getValue().header("X-Request-Id", id));
            assertThat(response.headers().firstValue("x-request-id")).as(request.getKey()).contains(id);
            if (response.statusCode() >= 400) {
                assertThat(response.body()).as(request.getKey()).contains("\"request_id\":\"" + id + "\"");
            }
        }
        String logged = "logged-" + RequestIds.newId();
        assertThat(send(at("/auth/users/me").header("authorization", "Bearer " + token).header("x-request-id", logged))
                .statusCode()).isEqualTo(200);
        var entry = send(at("/history/" + logged).header("authorization", "Bearer " + token));
        assertThat(entry.statusCode()).as(entry.body()).isEqualTo(200);
        assertThat(entry.body()).contains("\"request_id\":\"" + logged + "\"", "\"route\":\"GET /auth/users/me\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"short", "has space in it", "semi;colon-abcdef", "slash/abcdefgh", "dots.abcdefgh",
            "0123456789012345678901234567890123456789012345678901234567890123456789"})
    void unsafeIncomingRequestId_isReplaced_byTheOneFormat(String incoming) throws Exception {
        for (String path : List.of("/health", "/metrics", "/no-such-route")) {
            var response = send(at(path).header("x-request-id", incoming));
            String id = response.headers().firstValue("x-request-id").orElseThrow();
            assertThat(id).as(path).isNotEqualTo(incoming).matches("[A-Za-z0-9_-]{16}");
        }
    }

    @Test
    void withoutAnIncomingId_everyAnswer_hasTheSameFormat() throws Exception {
        for (String path : List.of("/health", "/metrics", "/models", "/no-such-route", "/docs/no-such-file.js")) {
            String id = send(at(path)).headers().firstValue("x-request-id").orElseThrow();
            assertThat(id).as(path).matches("[A-Za-z0-9_-]{16}");
        }
    }

    // --- the body's size first ------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "/models/ok/versions?description=%%%",  // a query that is not percent-encoding
            "/no-such-route",                        // no route
            "/models/ok/versions/one/commit",        // a version that is no number, answered by the function
    })
    void bodyOverTheLimit_is413_beforeAnythingElseIsChecked(String target) throws Exception {
        String answer = postRaw(target, 11 * 1024 * 1024);
        assertThat(answer).as(target).startsWith("HTTP/1.1 413").contains("application/problem+json",
                "\"status\":413", "exceeds Lambda's limit");
    }

    /** POSTs {@code size} bytes over a socket and reads the answer, whether or not the server read them all. */
    static String postRaw(String target, int size) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.baseUri().getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + target + " HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + size + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            CompletableFuture<Void> body = CompletableFuture.runAsync(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    for (int sent = 0; sent < size; sent += chunk.length) {
                        out.write(chunk, 0, Math.min(chunk.length, size - sent));
                    }
                    out.flush();
                } catch (IOException closedEarly) {
                    // the server may answer and close before it has read everything
                }
            });
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            body.join();
            return answer;
        }
    }

    // --- the admin's password file --------------------------------------------------------------

    @Test
    void givenAdminPassword_isKeptInTheDataFolder_ownerOnly_likeAGeneratedOne() throws IOException {
        Path file = data.resolve(LocalServer.ADMIN_PASSWORD_FILE);
        assertThat(Files.readString(file).trim()).isEqualTo(ADMIN_PASSWORD);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
}
