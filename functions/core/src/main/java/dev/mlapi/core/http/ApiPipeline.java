package dev.mlapi.core.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.auth.Authenticator;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.MethodNotAllowed;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.Unauthorized;
import dev.mlapi.core.requestlog.RequestLog;
import dev.mlapi.core.requestlog.RequestLogEntry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a request meets the cross-cutting concerns: decoding, routing,
 * authentication and roles, problem+json for every failure, the {@code X-Request-Id} header, and
 * exactly one request-log entry per request — also for 400/401/403/404 answers.
 *
 * <p>A function's handler declares its routes here (like Javalin's one route table) and
 * delegates {@code handleRequest} to {@link #handle(APIGatewayV2HTTPEvent)}.
 */
public final class ApiPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(ApiPipeline.class);

    private final Map<String, Route> routes;
    private final List<Route> bySpecificity;
    private final Supplier<Authenticator> authenticator;
    private final Supplier<RequestLog> requestLog;
    private final Clock clock;
    private final Duration retention;

    private ApiPipeline(Builder builder) {
        this.routes = Map.copyOf(builder.routes);
        this.bySpecificity = builder.routes.values().stream()
                .sorted(Comparator.comparingInt((Route r) -> r.template().specificity()).reversed())
                .toList();
        this.authenticator = builder.authenticator;
        this.requestLog = builder.requestLog;
        this.clock = builder.clock;
        this.retention = builder.retention;
    }

    public static Builder builder(Wiring wiring) {
        return new Builder(Wiring.memoize(wiring::authenticator), wiring::requestLog, wiring.clock(),
                wiring.config().requestLogRetention());
    }

    /** The route keys this function serves, e.g. {@code POST /auth/login}. */
    public Set<String> routeKeys() {
        return routes.keySet();
    }

    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        Instant receivedAt = clock.instant();
        long started = System.nanoTime();
        ApiRequest request;
        try {
            request = EventCodec.decode(event, receivedAt);
        } catch (ApiException e) {
            request = new ApiRequest(UUID.randomUUID().toString(), String.valueOf(event.getRouteKey()), "POST",
                    String.valueOf(event.getRawPath()), event.getHeaders(), Map.of(), Map.of(), new byte[0], null,
                    receivedAt);
            return EventCodec.encode(finish(request, ProblemMapper.render(e, request.path(), request.requestId()),
                    Optional.of(e.detail()), started));
        }
        return EventCodec.encode(handle(request, started));
    }

    /** Runs one decoded request through routing, auth, the handler and the request log. */
    public ApiResponse handle(ApiRequest request) {
        return handle(request, System.nanoTime());
    }

    private ApiResponse handle(ApiRequest request, long started) {
        ApiResponse response;
        Optional<String> error = Optional.empty();
        try {
            Route route = resolve(request);
            authorize(route.access(), request);
            response = route.handler().handle(request);
        } catch (ApiException e) {
            response = ProblemMapper.render(e, request.path(), request.requestId());
            error = Optional.of(e.detail());
        } catch (RuntimeException | StackOverflowError e) {
            LOG.error("unhandled error in {} (request {})", request.routeKey(), request.requestId(), e);
            response = ProblemMapper.internalError(request.path(), request.requestId());
            error = Optional.of("internal error: " + e.getClass().getSimpleName());
        }
        return finish(request, response, error, started);
    }

    private ApiResponse finish(ApiRequest request, ApiResponse response, Optional<String> error, long started) {
        double seconds = (System.nanoTime() - started) / 1e9;
        record(request, response.status(), seconds, error);
        return response.withHeader("x-request-id", request.requestId());
    }

    private Route resolve(ApiRequest request) {
        Route exact = routes.get(request.routeKey());
        if (exact != null) {
            return exact;
        }
        boolean pathKnown = false;
        for (Route route : bySpecificity) {
            if (route.template().matchPath(request.path()).isPresent()) {
                if (route.template().method().equals(request.method())) {
                    return route;
                }
                pathKnown = true;
            }
        }
        if (pathKnown) {
            throw new MethodNotAllowed(request.method() + " is not allowed on " + request.path());
        }
        throw new NotFound("no route for " + request.method() + " " + request.path());
    }

    private void authorize(Access access, ApiRequest request) {
        Optional<String> header = request.header("authorization");
        if (access == Access.PUBLIC) {
            // Public routes ignore a stale or broken token (Swagger UI sends it everywhere).
            try {
                authenticator.get().authenticate(header).ifPresent(request::authenticate);
            } catch (Unauthorized ignored) {
                // anonymous
            }
            return;
        }
        Principal principal = authenticator.get().authenticate(header)
                .orElseThrow(() -> new Unauthorized("this route requires 'Authorization: Bearer <token>'"));
        request.authenticate(principal);
        if (access == Access.ADMIN && !principal.isAdmin()) {
            throw new Forbidden("this route requires the admin role");
        }
    }

    private void record(ApiRequest request, int status, double seconds, Optional<String> error) {
        var fields = request.logFields();
        RequestLogEntry entry = new RequestLogEntry(request.requestId(), request.receivedAt(), request.routeKey(),
                request.method(), request.path(), request.principal().map(Principal::username), status, seconds,
                request.body().length, fields.imageUrl(), fields.imageWidth(), fields.imageHeight(), fields.model(),
                fields.result(), error.map(ApiPipeline::clip), Optional.ofNullable(request.sourceIp()),
                request.receivedAt().plus(retention));
        try {
            requestLog.get().record(entry);
        } catch (RuntimeException e) {
            // The answer is already decided; losing its log entry must not turn it into a 500.
            LOG.error("could not record request {} in the request log", request.requestId(), e);
        }
    }

    private static String clip(String message) {
        return message.length() <= 1024 ? message : message.substring(0, 1024);
    }

    /** One declared route. */
    public record Route(RouteTemplate template, Access access, RouteHandler handler) {
    }

    /** Declares a function's routes. */
    public static final class Builder {
        private final Map<String, Route> routes = new LinkedHashMap<>();
        private final Supplier<Authenticator> authenticator;
        private final Supplier<RequestLog> requestLog;
        private final Clock clock;
        private final Duration retention;

        Builder(Supplier<Authenticator> authenticator, Supplier<RequestLog> requestLog, Clock clock,
                Duration retention) {
            this.authenticator = authenticator;
            this.requestLog = requestLog;
            this.clock = clock;
            this.retention = retention;
        }

        public Builder route(String routeKey, Access access, RouteHandler handler) {
            RouteTemplate template = RouteTemplate.parse(routeKey);
            if (routes.putIfAbsent(template.routeKey(), new Route(template, access, handler)) != null) {
                throw new IllegalArgumentException("route declared twice: " + routeKey);
            }
            return this;
        }

        public ApiPipeline build() {
            return new ApiPipeline(this);
        }
    }
}
