package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.http.RouteTemplate;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The events the router hands to functions, compared field by field with API Gateway's payload 2.0. */
class ApiGatewayRouterTest {

    static final AtomicReference<APIGatewayV2HTTPEvent> captured = new AtomicReference<>();
    static HttpFront server;
    static URI base;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        ApiGatewayRouter router = new ApiGatewayRouter(List.of(
                new ApiGatewayRouter.Target(RouteTemplate.parse("POST /items/{id}/files"), "Capture", (event, context) -> {
                    captured.set(event);
                    return APIGatewayV2HTTPResponse.builder().withStatusCode(200)
                            .withHeaders(Map.of("content-type", "application/octet-stream"))
                            .withBody(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}))
                            .withIsBase64Encoded(true).build();
                }),
                new ApiGatewayRouter.Target(RouteTemplate.parse("POST /items/special/files"), "Special", (event, context) -> {
                    captured.set(event);
                    return APIGatewayV2HTTPResponse.builder().withStatusCode(204).build();
                })));
        server = HttpFront.start("127.0.0.1", 0, HttpFront.Limits.defaults(), router);
        base = server.baseUri();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void binaryRequest_becomesPayload2EventWithBase64Body_andBinaryResponseIsDecoded() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2};
        var response = http.send(HttpRequest.newBuilder(base.resolve("/items/a%20b/files?tag=x&tag=y&empty="))
                .header("Content-Type", "image/png").header("X-Custom-Header", "Value")
                .header("Cookie", "session=abc; theme=dark")
                .POST(BodyPublishers.ofByteArray(png)).build(), BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).containsExactly(1, 2, 3);
        APIGatewayV2HTTPEvent event = captured.get();
        assertThat(event.getVersion()).isEqualTo("2.0");
        assertThat(event.getRouteKey()).isEqualTo("POST /items/{id}/files");
        assertThat(event.getRawPath()).isEqualTo("/items/a%20b/files");
        assertThat(event.getRawQueryString()).isEqualTo("tag=x&tag=y&empty=");
        assertThat(event.getQueryStringParameters()).containsEntry("tag", "x,y").containsEntry("empty", "");
        assertThat(event.getPathParameters()).containsExactly(Map.entry("id", "a b"));
        assertThat(event.getCookies()).containsExactly("session=abc", "theme=dark");
        assertThat(event.getHeaders()).containsEntry("x-custom-header", "Value").doesNotContainKey("cookie");
        assertThat(event.getHeaders().keySet()).allMatch(k -> k.equals(k.toLowerCase()));
        assertThat(event.getIsBase64Encoded()).isTrue();
        assertThat(Base64.getDecoder().decode(event.getBody())).containsExactly(png);
        var context = event.getRequestContext();
        assertThat(context.getRouteKey()).isEqualTo(event.getRouteKey());
        assertThat(context.getStage()).isEqualTo("$default");
        assertThat(context.getHttp().getMethod()).isEqualTo("POST");
        assertThat(context.getHttp().getPath()).isEqualTo("/items/a%20b/files");
        assertThat(context.getHttp().getSourceIp()).isEqualTo("127.0.0.1");
        assertThat(context.getRequestId()).isNotBlank();
        assertThat(context.getTimeEpoch()).isPositive();
        assertThat(response.headers().firstValue("x-request-id")).isEmpty(); // the function's job, not the router's
    }

    @Test
    void jsonRequest_isPassedAsText_andLiteralRouteWinsOverParameter() throws Exception {
        var response = http.send(HttpRequest.newBuilder(base.resolve("/items/special/files"))
                .header("content-type", "application/json").POST(BodyPublishers.ofString("{\"a\":1}")).build(),
                BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(204);
        APIGatewayV2HTTPEvent event = captured.get();
        assertThat(event.getRouteKey()).isEqualTo("POST /items/special/files");
        assertThat(event.getIsBase64Encoded()).isFalse();
        assertThat(event.getBody()).isEqualTo("{\"a\":1}");
        assertThat(event.getQueryStringParameters()).isNull();
        assertThat(event.getPathParameters()).isNull();
    }

    @Test
    void headersRepeated_areJoinedWithCommas_andXForwardedForDoesNotChangeTheSourceIp() throws Exception {
        var response = http.send(HttpRequest.newBuilder(base.resolve("/items/special/files"))
                .header("X-Forwarded-For", "203.0.113.9").header("Accept", "a/b").header("Accept", "c/d")
                .POST(BodyPublishers.noBody()).build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(204);
        APIGatewayV2HTTPEvent event = captured.get();
        assertThat(event.getHeaders()).containsEntry("accept", "a/b,c/d").containsEntry("x-forwarded-for", "203.0.113.9");
        assertThat(event.getRequestContext().getHttp().getSourceIp()).isEqualTo("127.0.0.1");
        assertThat(event.getRequestContext().getHttp().getProtocol()).isEqualTo("HTTP/1.1");
        assertThat(event.getBody()).isNull();
    }

    @Test
    void stalledUploads_holdNoThread_andAreCutOffAtTheIdleTimeoutWith408() throws Exception {
        List<Socket> stalled = new java.util.ArrayList<>();
        try (HttpFront small = HttpFront.start("127.0.0.1", 0, new HttpFront.Limits(Duration.ofSeconds(2), 8, 64),
                new ApiGatewayRouter(List.of(new ApiGatewayRouter.Target(RouteTemplate.parse("POST /upload"), "Upload",
                        (event, context) -> APIGatewayV2HTTPResponse.builder().withStatusCode(204).build()))))) {
            for (int i = 0; i < 16; i++) {
                stalled.add(StalledUploads.open(small.baseUri(), "/upload"));
            }
            // twice as many stalled uploads as threads, and still an answer before any of them times out
            var answer = http.send(HttpRequest.newBuilder(small.baseUri().resolve("/upload"))
                    .timeout(Duration.ofMillis(1500)).POST(BodyPublishers.ofString("done")).build(),
                    BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(204);

            for (Socket socket : stalled) {
                socket.setSoTimeout(15_000);
                String cutOff = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(cutOff).startsWith("HTTP/1.1 408").containsIgnoringCase("content-type: application/problem+json")
                        .containsIgnoringCase("connection: close");
            }
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    @Test
    void functionSlowerThanTheIdleTimeout_isStillAnswered() throws Exception {
        try (HttpFront small = HttpFront.start("127.0.0.1", 0, new HttpFront.Limits(Duration.ofSeconds(1), 8, 64),
                new ApiGatewayRouter(List.of(new ApiGatewayRouter.Target(RouteTemplate.parse("POST /slow"), "Slow",
                        (event, context) -> {
                            try {
                                Thread.sleep(2500);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return APIGatewayV2HTTPResponse.builder().withStatusCode(200).withBody("done").build();
                        }))))) {
            var answer = http.send(HttpRequest.newBuilder(small.baseUri().resolve("/slow"))
                    .POST(BodyPublishers.ofString("{}")).build(), BodyHandlers.ofString());

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("done");
        }
    }
}
