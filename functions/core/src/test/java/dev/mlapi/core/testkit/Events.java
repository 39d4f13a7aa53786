package dev.mlapi.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The project's sample API Gateway events ({@code events/*.json}), loaded with the Lambda test
 * library and adjusted per test: body, token, path parameters. Each load gets a fresh request id.
 */
public final class Events {

    private Events() {
    }

    /** The repository's {@code events/} folder, found from the module's working directory upwards. */
    public static Path folder() {
        return repositoryRoot().resolve("events");
    }

    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("template.yaml")) && Files.isDirectory(dir.resolve("events"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no repository root (template.yaml + events/) above " + Path.of("").toAbsolutePath());
    }

    public static APIGatewayV2HTTPEvent load(String file) {
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(folder().resolve(file).toString());
        event.getRequestContext().setRequestId(UUID.randomUUID().toString());
        if (event.getHeaders() != null) {
            event.setHeaders(new HashMap<>(event.getHeaders()));
        } else {
            event.setHeaders(new HashMap<>());
        }
        if (event.getHeaders().containsKey("authorization")) {
            event.getHeaders().remove("authorization");
        }
        return event;
    }

    public static APIGatewayV2HTTPEvent withBearer(APIGatewayV2HTTPEvent event, String token) {
        event.getHeaders().put("authorization", "Bearer " + token);
        return event;
    }

    public static APIGatewayV2HTTPEvent withBody(APIGatewayV2HTTPEvent event, String contentType, String body) {
        if (contentType == null) {
            event.getHeaders().remove("content-type");
        } else {
            event.getHeaders().put("content-type", contentType);
        }
        event.setBody(body);
        event.setIsBase64Encoded(false);
        return event;
    }

    public static APIGatewayV2HTTPEvent withJson(APIGatewayV2HTTPEvent event, Object body) {
        return withBody(event, "application/json", Json.writeString(body));
    }

    public static APIGatewayV2HTTPEvent withBinaryBody(APIGatewayV2HTTPEvent event, String contentType, byte[] body) {
        event.getHeaders().put("content-type", contentType);
        event.setBody(Base64.getEncoder().encodeToString(body));
        event.setIsBase64Encoded(true);
        return event;
    }

    public static APIGatewayV2HTTPEvent withPath(APIGatewayV2HTTPEvent event, String rawPath, Map<String, String> parameters) {
        event.setRawPath(rawPath);
        event.getRequestContext().getHttp().setPath(rawPath);
        event.setPathParameters(parameters);
        return event;
    }

    /**
     * Invokes {@code handler} and checks what every answer must carry: the event's request id in
     * {@code X-Request-Id}, and for errors an RFC 9457 problem whose status matches the response.
     */
    public static APIGatewayV2HTTPResponse invoke(
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler, APIGatewayV2HTTPEvent event) {
        return invoke(handler, event, null);
    }

    /** As {@link #invoke(RequestHandler, APIGatewayV2HTTPEvent)}, with a Lambda context (null: none, as in most tests). */
    public static APIGatewayV2HTTPResponse invoke(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler,
            APIGatewayV2HTTPEvent event, Context context) {
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, context);
        assertThat(header(response, "x-request-id")).isEqualTo(event.getRequestContext().getRequestId());
        if (response.getStatusCode() >= 400) {
            assertThat(header(response, "content-type")).isEqualTo("application/problem+json");
            JsonNode problem = body(response);
            assertThat(problem.get("status").asInt()).isEqualTo(response.getStatusCode());
            assertThat(problem.get("detail").asText()).isNotBlank();
            assertThat(problem.get("type").asText()).startsWith("https://");
        }
        return response;
    }

    public static JsonNode body(APIGatewayV2HTTPResponse response) {
        String body = response.getBody();
        byte[] bytes = response.getIsBase64Encoded() ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        return Json.readTree(bytes);
    }

    public static String header(APIGatewayV2HTTPResponse response, String name) {
        return response.getHeaders().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }
}
