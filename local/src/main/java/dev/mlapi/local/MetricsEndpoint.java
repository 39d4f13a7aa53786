package dev.mlapi.local;

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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * {@code GET /metrics}: every function's request, error, latency, cold-start and model timings
 * in Prometheus' text format, for admins only (the same bearer tokens as the API). The local
 * server's stand-in for the CloudWatch metrics the functions emit in AWS.
 */
final class MetricsEndpoint implements Request.Handler {

    static final String PATH = "/metrics";

    /** The FastAPI model registry's {@code /metrics} under its compatibility base path: the same endpoint. */
    static final String COMPAT_PATH = "/compat/registry/metrics";

    static boolean serves(String path) {
        return path.equals(PATH) || path.equals(COMPAT_PATH);
    }

    private final Supplier<Authenticator> authenticator;
    private final MetricsRegistry registry;

    MetricsEndpoint(Supplier<Authenticator> authenticator, MetricsRegistry registry) {
        this.authenticator = authenticator;
        this.registry = registry;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String requestId = ApiGatewayRouter.requestId(request);
        String path = request.getHttpURI().getPath();
        ApiResponse answer;
        try {
            requireAdmin(request, path);
            answer = new ApiResponse(200, Map.of("content-type", MetricsRegistry.CONTENT_TYPE),
                    registry.prometheusText().getBytes(StandardCharsets.UTF_8));
        } catch (ApiException e) {
            answer = ProblemMapper.render(e, path, requestId);
        } catch (SdkException e) {
            ApiException unavailable = SdkErrors.transientFailure(e).orElseThrow(() -> e);
            answer = ProblemMapper.render(unavailable, path, requestId);
        }
        answer.withHeader("x-request-id", requestId).headers().forEach(response.getHeaders()::put);
        response.setStatus(answer.status());
        response.write(true, ByteBuffer.wrap(answer.body()), callback);
        return true;
    }

    private void requireAdmin(Request request, String path) {
        if (!serves(path)) {
            throw new NotFound("no route for " + request.getMethod() + " " + path);
        }
        if (!request.getMethod().equals("GET")) {
            throw new MethodNotAllowed(request.getMethod() + " is not allowed on " + PATH);
        }
        Optional<String> header = Optional.ofNullable(request.getHeaders().get("authorization"));
        Principal principal = authenticator.get().authenticate(header)
                .orElseThrow(() -> new Unauthorized(PATH + " requires 'Authorization: Bearer <token>' of an admin"));
        if (!principal.isAdmin()) {
            throw new Forbidden(PATH + " requires the admin role");
        }
    }
}
