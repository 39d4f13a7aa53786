package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.http.RouteTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Raw request lines over a socket, as an attacker sends them: every answer is problem+json,
 * whether the router gives it or Jetty refuses the request before any handler runs (a request
 * line it cannot parse, a URI it will not accept, headers too large). Never an HTML page, never
 * a stack trace.
 */
class RequestLineTest {

    static HttpFront server;

    @BeforeAll
    static void start() throws Exception {
        ApiGatewayRouter router = new ApiGatewayRouter(List.of(new ApiGatewayRouter.Target(
                RouteTemplate.parse("GET /boom"), "Boom", (event, context) -> {
                    throw new IllegalStateException("a function that fails outside its pipeline");
                }), new ApiGatewayRouter.Target(
                RouteTemplate.parse("GET /models"), "Echo", (event, context) -> APIGatewayV2HTTPResponse.builder()
                        .withStatusCode(200).withHeaders(Map.of("content-type", "application/json"))
                        .withBody("{\"query\":\"" + event.getQueryStringParameters() + "\"}").build())));
        server = HttpFront.start("127.0.0.1", 0, new HttpFront.Limits(Duration.ofSeconds(2), 8, 64), router);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String send(String requestLine) throws IOException {
        return sendRaw(requestLine + "\r\nHost: local\r\nConnection: close\r\n\r\n");
    }

    static String sendRaw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.baseUri().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void requestLines_thatReachTheRouter_areAnsweredWithProblemJson() throws IOException {
        assertThat(send("GET /models?cursor=%25%25%25 HTTP/1.1")).startsWith("HTTP/1.1 200").contains("{cursor=%%%}");
        for (String line : List.of("GET /nope HTTP/1.1", "GET /models/a/b/c HTTP/1.1", "GET /models/..%2F..%2Fetc HTTP/1.1",
                "GET /MODELS HTTP/1.1", "DELETE /models HTTP/1.1", "GET http://local/nope HTTP/1.1")) {
            assertProblem(send(line), line, "40[45]");
        }
    }

    @Test
    void handler_whenItThrowsOutsideItsPipeline_isAnswered500ProblemJson_notAClosedConnection() throws IOException {
        String answer = send("GET /boom HTTP/1.1");

        assertProblem(answer, "boom", "500");
        assertThat(answer).doesNotContain("IllegalStateException", "a function that fails");
    }

    @Test
    void query_thatIsNotPercentEncoding_is400ProblemJsonNamingTheBadEscape() throws IOException {
        String answer = send("GET /models?cursor=%%% HTTP/1.1");

        assertProblem(answer, "%%%", "400");
        assertThat(answer).contains("percent-encoding", "'%' at character 8 is not followed by two hex digits");
    }

    /** Over Lambda's limit, a body is refused for its size before anything reads what it says: 413, whatever it holds. */
    @Test
    void body_overTheLimit_thatIsNotPercentEncoding_is413NotA400() throws IOException {
        String body = "%zz".repeat(11 * 1024 * 1024 / 3);
        for (String target : List.of("/models", "/models?cursor=%%%")) {
            String answer = sendRaw("POST " + target + " HTTP/1.1\r\nHost: local\r\nConnection: close\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);

            assertProblem(answer, target, "413");
            assertThat(answer).contains(Integer.toString(ApiGatewayRouter.MAX_BODY_BYTES));
        }
    }

    /**
     * Routes match the path as sent, never normalised: {@code //models} is an unknown route (a 404
     * naming it), not {@code /models}. How API Gateway's HTTP API routes an empty segment is not
     * documented; passing the raw path to route matching (as it passes {@code rawPath} to the
     * function) and answering "no route" is the answer that hides nothing and guesses nothing.
     */
    @Test
    void pathWithEmptySegment_is404ProblemJsonNamingThePath() throws IOException {
        String answer = send("GET //models HTTP/1.1");

        assertProblem(answer, "//models", "404");
        assertThat(answer).contains("no route for GET //models");
    }

    @Test
    void requestsJettyRefusesBeforeAnyHandler_areProblemJsonToo() throws IOException {
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("bad escape in the path", "GET /models/%zz HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n");
        refused.put("bad UTF-8 in the path", "GET /models/%C0%AF HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n");
        refused.put("bad escape, method without an error page", "DELETE /models/%zz HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n");
        refused.put("garbage request line", "HELLO\r\n\r\n");
        refused.put("space in the target", "GET /mo dels HTTP/1.1\r\nHost: local\r\n\r\n");
        refused.put("control character", "GET /models\u0001 HTTP/1.1\r\nHost: local\r\n\r\n");
        refused.put("absolute target naming another host", "GET http://evil.example/nope HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n");
        refused.put("no Host header", "GET /models HTTP/1.1\r\n\r\n");
        refused.put("header without a colon", "GET /models HTTP/1.1\r\nHost: local\r\nbroken\r\n\r\n");
        refused.put("headers too large", "GET /models HTTP/1.1\r\nHost: local\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n");
        refused.put("two content lengths", "POST /models HTTP/1.1\r\nHost: local\r\nContent-Length: 1\r\n"
                + "Content-Length: 2\r\n\r\nab");
        refused.put("target too long", "GET /models?q=" + "a".repeat(64 * 1024) + " HTTP/1.1\r\nHost: local\r\n\r\n");
        refused.put("dot segments above the root", "GET /../../etc/passwd HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n");
        for (var request : refused.entrySet()) {
            assertProblem(sendRaw(request.getValue()), request.getKey(), "4\\d\\d");
        }
        assertThat(sendRaw(refused.get("bad escape in the path"))).startsWith("HTTP/1.1 400")
                .contains("not valid percent-encoding: a '%' is not followed by two hex digits");
        assertThat(sendRaw(refused.get("headers too large"))).startsWith("HTTP/1.1 431");
        assertThat(sendRaw(refused.get("target too long"))).startsWith("HTTP/1.1 414");
        assertProblem(send("GET /models HTTP/7.0"), "unknown major version", "505");
    }

    private static void assertProblem(String answer, String what, String statusPattern) {
        assertThat(answer).as(what).matches("(?s)HTTP/1.1 " + statusPattern + " .*")
                .containsIgnoringCase("content-type: application/problem+json")
                .containsIgnoringCase("x-request-id: ")
                .contains("\"type\":\"https://mlapi.dev/problems/", "\"title\":", "\"status\":", "\"detail\":")
                .doesNotContainIgnoringCase("<html").doesNotContain("at org.eclipse", "Exception");
    }
}
