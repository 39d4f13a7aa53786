package dev.mlapi.core.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.auth.Authenticator;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.observability.RequestLogContext;
import dev.mlapi.core.observability.RequestMeasurement;
import dev.mlapi.core.observability.Telemetry;
import dev.mlapi.core.requestlog.RequestLog;
import dev.mlapi.core.runtime.AfterResponse;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.util.Lazy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * The one place where a request meets the cross-cutting concerns: decoding, routing,
 * authentication and roles, problem+json for every failure, the {@code X-Request-Id} header,
 * exactly one request-log entry per request — also for 400/401/403/404 answers — structured log
 * lines keyed by the Lambda context, route and user, and one metrics record per request.
 *
 * <p>It runs each request through its collaborators, one concern each: {@link RouteTable}
 * (routing: 404, 405), {@link RouteAuthorization} (the route's {@link Access} rule, with its own
 * thread pool for token checks that run beside the route), {@link FailureAnswers} (every error as
 * problem+json), {@link RequestRecorder} (request log, metrics, log line) and, for {@link #prime()},
 * {@link PrimingRequests}.
 *
 * <p>A function's handler ({@link HttpFunction}) declares its routes here (like Javalin's one route
 * table) and delegates {@code handleRequest} to {@link #handle(APIGatewayV2HTTPEvent, Context)}. As
 * a {@link Primer} it runs synthetic requests through itself (see {@link #prime()}).
 */
public final class ApiPipeline implements Primer {

    /** Who a priming request claims to be: no account can have this name ({@code Usernames}), so its lookup finds nothing. */
    public static final String PRIMING_USERNAME = "~priming";

    private final RouteTable routes;
    private final RouteAuthorization authorization;
    private final FailureAnswers failures;
    private final RequestRecorder recorder;
    private final PrimingRequests priming;
    private final Clock clock;
    private final AtomicBoolean coldStart = new AtomicBoolean(true);

    private ApiPipeline(Builder builder) {
        this.routes = new RouteTable(builder.routes.values());
        this.authorization = new RouteAuthorization(builder.authenticator);
        this.failures = new FailureAnswers(builder.dependencyFailures);
        this.recorder = new RequestRecorder(builder.requestLog, builder.retention, builder.afterResponse);
        this.priming = new PrimingRequests(builder.primingToken);
        this.clock = builder.clock;
    }

    /**
     * Starts a function's route table over what the pipeline uses: the token check, the request
     * log, the clock and how long log entries live. {@code Wiring.pipeline()} passes the
     * function's own.
     */
    public static Builder builder(Supplier<Authenticator> authenticator, Supplier<RequestLog> requestLog, Clock clock,
            Duration retention) {
        return new Builder(Lazy.of(authenticator), requestLog, clock, retention);
    }

    /**
     * Tells a failing dependency (throttled, unavailable, timed out) from a bug: what it returns is
     * answered as such (503 or 429 with Retry-After); everything else escaping a route is a 500.
     * The pipeline does not know the SDK; {@code Wiring.pipeline()} passes its translator.
     */
    @FunctionalInterface
    public interface DependencyFailures extends Function<RuntimeException, Optional<ApiException>> {
        DependencyFailures NONE = e -> Optional.empty();
    }

    /** The route keys this function serves, e.g. {@code POST /auth/login}. */
    public Set<String> routeKeys() {
        return routes.routeKeys();
    }

    /** Every route this function serves with its access rule, in declaration order (adapted routes last). */
    public List<Route> routes() {
        return routes.routes();
    }

    /** Handles an event without a Lambda context (tests): as {@link #handle(APIGatewayV2HTTPEvent, Context)} with none. */
    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        return handle(event, null);
    }

    /**
     * Handles one invocation. Powertools' logging scope keys every log line to the Lambda
     * {@code context} (request id, function, cold start); {@code context} may be null outside
     * Lambda. The request's route and user join the log lines once known, and one metrics record
     * is emitted per request.
     */
    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Context context) {
        Invocation invocation = new Invocation(functionName(context), coldStart.getAndSet(false), false,
                context == null ? null : context.getAwsRequestId());
        try {
            return PowertoolsLogging.withLogging(context, () -> Telemetry.inFunction(invocation.function(),
                    () -> EventCodec.encode(respond(event, invocation))));
        } finally {
            recorder.settle(invocation);
        }
    }

    /**
     * Runs synthetic requests through the whole pipeline as Lambda events would go: decoding,
     * routing, the token check (a token signed with the real key for {@link #PRIMING_USERNAME},
     * a user that cannot exist, so the signature is verified and the user looked up), the route,
     * problem+json, encoding.
     * <ul>
     * <li>Every {@code GET} route, in declaration order, reaches its code: the lookup finds no
     * such user, and for these synthetic requests only (never for an event) the pipeline lets the
     * token's claimed principal through, owning nothing: a user route once as a {@code user} and
     * once as an {@code admin} (who often takes another path), an admin route as an admin. So a
     * list route runs its real queries and answers an empty page, an item route answers 404, an
     * admin report reads. {@code GET}s read; nothing else is run past the token check.</li>
     * <li>The first route of another method that needs a token is refused at the token check, as
     * an unknown user is; a function without routes gets an unknown path.</li>
     * </ul>
     * Nothing a user could see: the request-log write is only {@link RequestLog#rehearse
     * rehearsed}, no metrics record, and the next real request is still the cold one.
     */
    @Override
    public void prime() {
        for (APIGatewayV2HTTPEvent event : priming.events(routes.routes())) {
            Invocation invocation = new Invocation(functionName(null), false, true, null);
            PowertoolsLogging.withLogging(null, () -> Telemetry.inFunction(invocation.function(),
                    () -> EventCodec.encode(respond(event, invocation))));
        }
    }

    private ApiResponse respond(APIGatewayV2HTTPEvent event, Invocation invocation) {
        Instant receivedAt = clock.instant();
        long started = System.nanoTime();
        ApiRequest request;
        try {
            request = EventCodec.decode(event, receivedAt);
        } catch (ApiException e) {
            request = new ApiRequest(EventCodec.requestId(event), String.valueOf(event.getRouteKey()), "POST",
                    String.valueOf(event.getRawPath()), event.getHeaders(), Map.of(), Map.of(), new byte[0], null,
                    receivedAt);
            try (RequestLogContext log = RequestLogContext.open(request.requestId(), invocation.coldStart())) {
                FailureAnswers.Answer answer = failures.problem(e, request);
                return recorder.finish(invocation, request, RequestMeasurement.UNMATCHED, answer.response(),
                        Optional.of(answer.error()), started);
            }
        }
        return respond(request, started, invocation);
    }

    /** Runs one decoded request through routing, auth, the handler and the request log. */
    public ApiResponse handle(ApiRequest request) {
        return respond(request, System.nanoTime(),
                new Invocation(functionName(null), coldStart.getAndSet(false), false, null));
    }

    private ApiResponse respond(ApiRequest request, long started, Invocation invocation) {
        try (RequestLogContext log = RequestLogContext.open(request.requestId(), invocation.coldStart())) {
            String routeKey = RequestMeasurement.UNMATCHED;
            ApiResponse response;
            Optional<String> error = Optional.empty();
            try {
                Route route = routes.resolve(request);
                routeKey = route.template().routeKey();
                log.route(routeKey);
                RouteAuthorization.TokenCheck check = authorization.authorize(route.access(), request,
                        invocation.rehearsal());
                request.principal().ifPresent(principal -> log.user(principal.username()));
                response = check.run(route.handler(), request);
            } catch (RuntimeException | Error e) {
                FailureAnswers.Answer answer = failures.answer(e, request);
                response = answer.response();
                error = Optional.of(answer.error());
            }
            return recorder.finish(invocation, request, routeKey, response, error, started);
        }
    }

    /**
     * The {@code function} of metrics: the service name in AWS ({@code POWERTOOLS_SERVICE_NAME},
     * the catalog's name, where Lambda's own function name is a generated physical name); the
     * context's function name where no service is set (the local server, tests).
     */
    private static String functionName(Context context) {
        return Telemetry.serviceName()
                .or(() -> Optional.ofNullable(context).map(Context::getFunctionName))
                .orElse("unknown");
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
        private DependencyFailures dependencyFailures = DependencyFailures.NONE;
        private Function<Role, Optional<String>> primingToken = role -> Optional.empty();
        private AfterResponse afterResponse = AfterResponse.inline();
        private List<AdaptedRoute> adaptedRoutes = List.of();

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

        /** How to recognise a failing dependency; without it every unexpected exception is a 500. */
        public Builder optDependencyFailures(DependencyFailures dependencyFailures) {
            this.dependencyFailures = dependencyFailures;
            return this;
        }

        /**
         * The token {@link #prime()} sends with a role: signed with the function's real key for
         * {@link #PRIMING_USERNAME}, so priming verifies a signature and looks a user up. A new
         * one per priming (it carries the time). Without it, priming sends no token.
         */
        public Builder optPrimingToken(Function<Role, String> primingToken) {
            this.primingToken = role -> Optional.of(primingToken.apply(role));
            return this;
        }

        /**
         * Where the request-log write runs: {@link AfterResponse#inline() before the answer} by
         * default; in Lambda, {@code Wiring.pipeline()} passes {@link AfterResponse#fromEnvironment()},
         * which writes it after the answer.
         */
        public Builder optAfterResponse(AfterResponse afterResponse) {
            this.afterResponse = afterResponse;
            return this;
        }

        /**
         * Routes in other systems' shapes ({@code Wiring.pipeline()} passes the compatibility
         * groups): {@link #build()} declares each one whose native route this function declares,
         * with that route's access rule, so the function serves them and no other.
         */
        public Builder optAdaptedRoutes(List<AdaptedRoute> adaptedRoutes) {
            this.adaptedRoutes = List.copyOf(adaptedRoutes);
            return this;
        }

        public ApiPipeline build() {
            Map<String, Route> natives = Map.copyOf(routes);
            AdaptedRoute.NativeRoutes handlers = routeKey -> {
                Route nativeRoute = natives.get(RouteTemplate.parse(routeKey).routeKey());
                if (nativeRoute == null) {
                    throw new IllegalStateException("an adapter calls " + routeKey + ", which this function does not declare");
                }
                return nativeRoute.handler();
            };
            for (AdaptedRoute adapted : adaptedRoutes) {
                Route nativeRoute = natives.get(adapted.nativeRouteKey());
                if (nativeRoute != null) {
                    route(adapted.routeKey(), nativeRoute.access(), request -> adapted.adapter().serve(request, handlers));
                }
            }
            return new ApiPipeline(this);
        }
    }
}
