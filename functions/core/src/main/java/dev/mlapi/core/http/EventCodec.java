package dev.mlapi.core.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/** Decodes API Gateway HTTP API (payload 2.0) events and encodes responses. */
public final class EventCodec {

    private EventCodec() {
    }

    public static ApiRequest decode(APIGatewayV2HTTPEvent event, Instant receivedAt) {
        var context = Optional.ofNullable(event.getRequestContext());
        var http = context.map(APIGatewayV2HTTPEvent.RequestContext::getHttp);
        String requestId = requestId(event);
        String method = http.map(APIGatewayV2HTTPEvent.RequestContext.Http::getMethod).orElse("GET");
        String path = Optional.ofNullable(event.getRawPath())
                .or(() -> http.map(APIGatewayV2HTTPEvent.RequestContext.Http::getPath))
                .orElse("/");
        String routeKey = Optional.ofNullable(event.getRouteKey()).orElse(method + " " + path);
        String sourceIp = http.map(APIGatewayV2HTTPEvent.RequestContext.Http::getSourceIp).orElse(null);
        return new ApiRequest(requestId, routeKey, method, path, event.getHeaders(),
                event.getQueryStringParameters(), event.getPathParameters(), body(event), sourceIp, receivedAt);
    }

    /** The caller's own {@code X-Request-Id} of a safe shape ({@link RequestIds}), else API Gateway's, else a new one. */
    public static String requestId(APIGatewayV2HTTPEvent event) {
        return RequestIds.safe(header(event.getHeaders(), RequestIds.HEADER))
                .or(() -> Optional.ofNullable(event.getRequestContext())
                        .map(APIGatewayV2HTTPEvent.RequestContext::getRequestId).filter(id -> !id.isBlank()))
                .orElseGet(RequestIds::newId);
    }

    private static String header(Map<String, String> headers, String name) {
        if (headers == null) {
            return null;
        }
        return headers.entrySet().stream().filter(e -> e.getKey() != null && e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    private static byte[] body(APIGatewayV2HTTPEvent event) {
        String body = event.getBody();
        if (body == null) {
            return new byte[0];
        }
        if (event.getIsBase64Encoded()) {
            try {
                return Base64.getMimeDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw new InvalidInput("the body is marked base64-encoded but is not valid base64");
            }
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    public static APIGatewayV2HTTPResponse encode(ApiResponse response) {
        boolean text = response.isText();
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(response.status())
                .withHeaders(Map.copyOf(response.headers()))
                .withBody(text ? response.bodyAsString() : Base64.getEncoder().encodeToString(response.body()))
                .withIsBase64Encoded(!text)
                .build();
    }
}
