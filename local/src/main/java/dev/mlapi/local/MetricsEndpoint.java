package dev.mlapi.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.mlapi.core.auth.Authenticator;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.aws.SdkErrors;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.MethodNotAllowed;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.Unauthorized;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.ProblemMapper;
import dev.mlapi.core.observability.MetricsRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * {@code GET /metrics}: every function's request, error, latency, cold-start and model timings
 * in Prometheus' text format, for admins only (the same bearer tokens as the API). The local
 * server's stand-in for the CloudWatch metrics the functions emit in AWS.
 */
final class MetricsEndpoint implements HttpHandler {

    static final String PATH = "/metrics";

    private final Supplier<Authenticator> authenticator;
    private final MetricsRegistry registry;

    MetricsEndpoint(Supplier<Authenticator> authenticator, MetricsRegistry registry) {
        this.authenticator = authenticator;
        this.registry = registry;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        String path = exchange.getRequestURI().getRawPath();
        ApiResponse response;
        try {
            requireAdmin(exchange, path);
            response = new ApiResponse(200, Map.of("content-type", MetricsRegistry.CONTENT_TYPE),
                    registry.prometheusText().getBytes(StandardCharsets.UTF_8));
        } catch (ApiException e) {
            response = ProblemMapper.render(e, path, requestId);
        } catch (SdkException e) {
            ApiException unavailable = SdkErrors.transientFailure(e).orElseThrow(() -> e);
            response = ProblemMapper.render(unavailable, path, requestId);
        }
        try (exchange) {
            response.withHeader("x-request-id", requestId).headers()
                    .forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
            if (response.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        }
    }

    private void requireAdmin(HttpExchange exchange, String path) {
        if (!path.equals(PATH)) {
            throw new NotFound("no route for " + exchange.getRequestMethod() + " " + path);
        }
        if (!exchange.getRequestMethod().equals("GET")) {
            throw new MethodNotAllowed(exchange.getRequestMethod() + " is not allowed on " + PATH);
        }
        Optional<String> header = Optional.ofNullable(exchange.getRequestHeaders().getFirst("authorization"));
        Principal principal = authenticator.get().authenticate(header)
                .orElseThrow(() -> new Unauthorized(PATH + " requires 'Authorization: Bearer <token>' of an admin"));
        if (!principal.isAdmin()) {
            throw new Forbidden(PATH + " requires the admin role");
        }
    }
}
