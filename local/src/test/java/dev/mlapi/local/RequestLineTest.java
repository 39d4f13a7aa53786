package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpServer;
import dev.mlapi.core.http.RouteTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Raw request lines over a socket, as an attacker sends them: every request the JDK server hands
 * to the router is answered with problem+json. A request target that is not a URI at all
 * ({@code %%%}) or has no path ({@code //models}) is refused by the JDK server itself, before any
 * context, filter or handler runs (its {@code ServerImpl} writes a fixed HTML answer); the README
 * says so, and this test tells when that changes.
 */
class RequestLineTest {

    static HttpServer server;

    @BeforeAll
    static void start() throws IOException {
        ApiGatewayRouter router = new ApiGatewayRouter(List.of(new ApiGatewayRouter.Target(
                RouteTemplate.parse("GET /boom"), "Boom", (event, context) -> {
                    throw new IllegalStateException("a function that fails outside its pipeline");
                }), new ApiGatewayRouter.Target(
                RouteTemplate.parse("GET /models"), "Echo", (event, context) -> APIGatewayV2HTTPResponse.builder()
                        .withStatusCode(200).withHeaders(Map.of("content-type", "application/json"))
                        .withBody("{\"query\":\"" + event.getQueryStringParameters() + "\"}").build())));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", router);
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    static String send(String requestLine) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + "\r\nHost: local\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void requestLines_thatReachTheRouter_areAnsweredWithProblemJson() throws IOException {
        assertThat(send("GET /models?cursor=%25%25%25 HTTP/1.1")).startsWith("HTTP/1.1 200").contains("{cursor=%%%}");
        for (String line : List.of("GET /nope HTTP/1.1", "GET /models/a/b/c HTTP/1.1", "GET /models/..%2F..%2Fetc HTTP/1.1",
                "GET /MODELS HTTP/1.1", "DELETE /models HTTP/1.1", "GET http://evil.example/nope HTTP/1.1")) {
            String answer = send(line);
            assertThat(answer).as(line).matches("(?s)HTTP/1.1 40[45] .*")
                    .containsIgnoringCase("content-type: application/problem+json");
        }
    }

    @Test
    void handler_whenItThrowsOutsideItsPipeline_isAnswered500ProblemJson_notAClosedConnection() throws IOException {
        String answer = send("GET /boom HTTP/1.1");

        assertThat(answer).startsWith("HTTP/1.1 500").containsIgnoringCase("content-type: application/problem+json");
    }

    @Test
    void requestTargets_thatAreNotAUriWithAPath_areRefusedByTheJdkServerBeforeAnyHandler() throws IOException {
        assertThat(send("GET /models?cursor=%%% HTTP/1.1")).startsWith("HTTP/1.1 400")
                .containsIgnoringCase("content-type: text/html");
        assertThat(send("GET //models HTTP/1.1")).startsWith("HTTP/1.1 404")
                .containsIgnoringCase("content-type: text/html");
    }
}
