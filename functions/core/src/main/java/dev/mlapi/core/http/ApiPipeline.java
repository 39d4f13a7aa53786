package dev.mlapi.core.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.auth.Authenticator;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.util.Lazy;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.MethodNotAllowed;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.error.Redaction;
import dev.mlapi.core.error.ApiException.Unauthorized;
import dev.mlapi.core.observability.RequestLogContext;
import dev.mlapi.core.observability.RequestMeasurement;
import dev.mlapi.core.observability.Telemetry;
import dev.mlapi.core.requestlog.RequestLog;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.runtime.AfterResponse;
import dev.mlapi.core.runtime.Primer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * The one place where a request meets the cross-cutting concerns: decoding, routing,
 * authentication and roles, problem+json for every failure, the {@code X-Request-Id} header,
 * exactly one request-log entry per request — also for 400/401/403/404 answers — structured log
 * lines keyed by the Lambda context, route and user, and one metrics record per request.
 *
 * <p>A function's handler declares its routes here (like Javalin's one route table) and
 * delegates {@code handleRequest} to {@link #handle(APIGatewayV2HTTPEvent, Context)}. As a
 * {@link Primer} it runs one synthetic request through itself (see {@link #prime()}).
 */
public final class ApiPipeline implements Primer {

    private static final Logger LOG = LoggerFactory.getLogger(ApiPipeline.class);

    /** Who a priming request claims to be: no account can have this name ({@code Usernames}), so its lookup finds nothing. */
    public static final String PRIMING_USERNAME = "~priming";

    /**
     * Runs the storage half of {@link Access#USER_OVERLAPPED} token checks beside the route; daemon
     * threads, so a function's JVM can still end, idle ones retire after a minute.
     */
    private static final ExecutorService TOKEN_CHECKS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "token-check");
        thread.setDaemon(true);
        return thread;
    });

    private final Map<String, Route> routes;
    private final List<Route> declared;
    private final List<Route> bySpecificity;
    private final Supplier<Authenticator> authenticator;
    private final Supplier<RequestLog> requestLog;
    private final Clock clock;
    private final Duration retention;
    private final DependencyFailures dependencyFailures;
    private final Function<Role, Optional<String>> primingToken;
    private final AfterResponse afterResponse;
    private final AtomicBoolean coldStart = new AtomicBoolean(true);

    private ApiPipeline(Builder builder) {
        this.routes = Map.copyOf(builder.routes);
        this.declared = List.copyOf(builder.routes.values());
        this.bySpecificity = builder.routes.values().stream()
                .sorted(Comparator.comparingInt((Route r) -> r.template().specificity()).reversed())
                .toList();
        this.authenticator = builder.authenticator;
        this.requestLog = builder.requestLog;
        this.clock = builder.clock;
        this.retention = builder.retention;
        this.dependencyFailures = builder.dependencyFailures;
        this.primingToken = builder.primingToken;
        this.afterResponse = builder.afterResponse;
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
        return routes.keySet();
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
            afterResponse.settle(invocation.id());
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
        for (APIGatewayV2HTTPEvent event : primingEvents()) {
            Invocation invocation = new Invocation(functionName(null), false, true, null);
            PowertoolsLogging.withLogging(null, () -> Telemetry.inFunction(invocation.function(),
                    () -> EventCodec.encode(respond(event, invocation))));
        }
    }

    private List<APIGatewayV2HTTPEvent> primingEvents() {
        List<APIGatewayV2HTTPEvent> events = new ArrayList<>();
        for (Route route : declared) {
            if (route.template().method().equals("GET")) {
                if (route.access() != Access.ADMIN) {
                    events.add(primingEvent(route.template(), Role.USER));
                }
                if (route.access() != Access.PUBLIC) {
                    events.add(primingEvent(route.template(), Role.ADMIN));
                }
            }
        }
        declared.stream().filter(route -> route.access() != Access.PUBLIC && !route.template().method().equals("GET"))
                .findFirst().ifPresent(route -> events.add(primingEvent(route.template(), Role.USER)));
        if (events.isEmpty()) {
            events.add(primingEvent(RouteTemplate.parse("GET /~priming"), Role.USER));
        }
        return events;
    }

    private Optional<String> primingToken(Role role) {
        try {
            return primingToken.apply(role);
        } catch (RuntimeException e) {
            LOG.info("priming without a token: {}", e.toString());
            return Optional.empty();
        }
    }

    private APIGatewayV2HTTPEvent primingEvent(RouteTemplate template, Role role) {
        Optional<String> token = primingToken(role);
        String path = template.path().replaceAll("\\{[^/]+}", "priming");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        token.ifPresent(value -> headers.put("authorization", "Bearer " + value));
        return APIGatewayV2HTTPEvent.builder()
                .withRouteKey(template.routeKey())
                .withRawPath(path)
                .withHeaders(headers)
                .withPathParameters(template.matchPath(path).orElse(Map.of()))
                .withBody(template.method().equals("GET") ? null : "{}")
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId("priming-" + UUID.randomUUID())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(template.method()).withPath(path).withSourceIp("127.0.0.1").build())
                        .build())
                .build();
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
                return finish(invocation, request, RequestMeasurement.UNMATCHED,
                        ProblemMapper.render(e, request.path(), request.requestId()), Optional.of(e.detail()), started);
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
                Route route = resolve(request);
                routeKey = route.template().routeKey();
                log.route(routeKey);
                TokenCheck check = authorize(route.access(), request, invocation.rehearsal());
                request.principal().ifPresent(principal -> log.user(principal.username()));
                response = run(route, request, check);
            } catch (ApiException e) {
                response = ProblemMapper.render(e, request.path(), request.requestId());
                error = Optional.of(e.detail());
            } catch (RuntimeException | StackOverflowError e) {
                Optional<ApiException> unavailable = e instanceof RuntimeException runtime
                        ? dependencyFailures.apply(runtime) : Optional.empty();
                if (unavailable.isPresent()) {
                    LOG.warn("dependency unavailable in {} (request {}): {}", request.routeKey(), request.requestId(),
                            e.toString());
                    response = ProblemMapper.render(unavailable.get(), request.path(), request.requestId());
                    error = Optional.of(unavailable.get().detail());
                } else {
                    LOG.error("unhandled error in {} (request {})", request.routeKey(), request.requestId(), e);
                    response = ProblemMapper.internalError(request.path(), request.requestId());
                    error = Optional.of("internal error: " + e.getClass().getSimpleName());
                }
            } catch (OutOfMemoryError e) {
                // The failed allocation is garbage by now: answer, so the caller is not left with a closed socket.
                LOG.error("out of memory in {} (request {})", request.routeKey(), request.requestId(), e);
                ApiException unavailable = new ServiceUnavailable("the server ran out of memory for this request; "
                        + "try a smaller input, or again later (request id " + request.requestId() + ")");
                response = ProblemMapper.render(unavailable, request.path(), request.requestId());
                error = Optional.of("internal error: OutOfMemoryError");
            } catch (Error e) {
                if (e instanceof VirtualMachineError) {
                    throw e;
                }
                // e.g. a LinkageError or an assertion in a library: a bug in this request, not a broken JVM
                LOG.error("unhandled error in {} (request {})", request.routeKey(), request.requestId(), e);
                response = ProblemMapper.internalError(request.path(), request.requestId());
                error = Optional.of("internal error: " + e.getClass().getSimpleName());
            }
            return finish(invocation, request, routeKey, response, error, started);
        }
    }

    private ApiResponse finish(Invocation invocation, ApiRequest request, String routeKey, ApiResponse response,
            Optional<String> error, long started) {
        Duration latency = Duration.ofNanos(System.nanoTime() - started);
        RequestMeasurement measurement = new RequestMeasurement(invocation.function(), routeKey, response.status(),
                latency, invocation.coldStart(), request.requestId());
        if (invocation.rehearsal()) {
            requestLog.get().rehearse(entry(request, response.status(), latency.toNanos() / 1e9, error));
            Telemetry.rehearse(measurement);
            LOG.debug("primed with {} {}: {}", request.method(), request.path(), response.status());
            return response.withHeader("x-request-id", request.requestId());
        }
        afterResponse.defer(invocation.id(), () -> record(request, response.status(), latency.toNanos() / 1e9, error));
        Telemetry.request(measurement);
        LOG.info("{} {} {} {} ms", request.method(), request.path(), response.status(),
                String.format(Locale.ROOT, "%.1f", latency.toNanos() / 1e6));
        return response.withHeader("x-request-id", request.requestId());
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

    /**
     * Which function answers and whether this is its container's first request. Powertools'
     * own cold-start flag counts on-demand initialisations only, so with SnapStart (every
     * container restored from a snapshot) it would never report one; the first request a
     * pipeline serves is what a dashboard means by a cold start, and a snapshot is taken before any.
     * A {@code rehearsal} is {@link #prime()}'s synthetic request. {@code id} is Lambda's request id
     * (null without a context), for the request-log write {@link AfterResponse} may postpone.
     */
    private record Invocation(String function, boolean coldStart, boolean rehearsal, String id) {
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

    private TokenCheck authorize(Access access, ApiRequest request, boolean rehearsal) {
        Optional<String> header = request.header("authorization");
        if (access == Access.PUBLIC) {
            // Public routes ignore a stale or broken token (Swagger UI sends it everywhere).
            try {
                authenticator.get().authenticate(header).ifPresent(request::authenticate);
            } catch (Unauthorized ignored) {
                // anonymous
            }
            return TokenCheck.DONE;
        }
        Authenticator tokens = authenticator.get();
        if (tokens.acceptsBasic(request.routeKey(), header)) {
            // HTTP Basic where the route takes it (DRF's): the stored user, the password and the login throttle, now.
            Principal caller = tokens.authenticateBasic(header.orElseThrow(), Optional.ofNullable(request.sourceIp()));
            request.authenticate(caller);
            if (access == Access.ADMIN && !caller.isAdmin()) {
                throw new Forbidden("this route requires the admin role");
            }
            return TokenCheck.DONE;
        }
        Principal claimed = tokens.verifyToken(header).orElseThrow(ApiPipeline::tokenRequired);
        boolean primingGet = rehearsal && request.method().equals("GET");
        if (access == Access.USER_OVERLAPPED && !primingGet) {
            request.authenticate(claimed);
            return new TokenCheck(CompletableFuture.runAsync(() -> tokens.confirm(claimed), TOKEN_CHECKS));
        }
        confirm(tokens, claimed, primingGet);
        request.authenticate(claimed);
        if (access == Access.ADMIN && !claimed.isAdmin()) {
            throw new Forbidden("this route requires the admin role");
        }
        return TokenCheck.DONE;
    }

    /**
     * The stored half of the token check. For {@link #prime()}'s {@code GET}s the lookup runs and
     * finds no such user; only then, and only for the priming user's token, the request goes on
     * as the principal it claims (owning nothing, with the role its token names).
     */
    private static void confirm(Authenticator tokens, Principal claimed, boolean primingGet) {
        try {
            tokens.confirm(claimed);
        } catch (Unauthorized unknownUser) {
            if (!primingGet || !claimed.username().equals(PRIMING_USERNAME)) {
                throw unknownUser;
            }
        }
    }

    private static Unauthorized tokenRequired() {
        return new Unauthorized("this route requires 'Authorization: Bearer <token>'");
    }

    /**
     * Runs the route, then waits for a token check still under way: its failure outranks the
     * route's answer or error, and the caller learns nothing of what the route computed.
     */
    private static ApiResponse run(Route route, ApiRequest request, TokenCheck check) {
        ApiResponse response;
        try {
            response = route.handler().handle(request);
        } catch (RuntimeException | Error e) {
            check.await(request);
            throw e;
        }
        check.await(request);
        return response;
    }

    /** The storage half of a token check, done or running beside the route. */
    private record TokenCheck(CompletableFuture<Void> lookup) {
        static final TokenCheck DONE = new TokenCheck(CompletableFuture.completedFuture(null));

        /** Returns when the token proved its user; otherwise forgets the caller and what the route logged, and throws. */
        void await(ApiRequest request) {
            try {
                lookup.join();
            } catch (CompletionException e) {
                request.authenticate(null);
                request.logFields().clear();
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                if (e.getCause() instanceof Error cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }

    private void record(ApiRequest request, int status, double seconds, Optional<String> error) {
        RequestLogEntry entry = entry(request, status, seconds, error);
        try {
            requestLog.get().record(entry);
        } catch (RuntimeException e) {
            // The answer is already decided; losing its log entry must not turn it into a 500.
            LOG.error("could not record request {} in the request log", request.requestId(), e);
        }
    }

    private RequestLogEntry entry(ApiRequest request, int status, double seconds, Optional<String> error) {
        var fields = request.logFields();
        return new RequestLogEntry(request.requestId(), request.receivedAt(), request.routeKey(),
                request.method(), request.path(), request.principal().map(Principal::username), status, seconds,
                request.body().length, fields.imageUrl(), fields.imageWidth(), fields.imageHeight(), fields.model(),
                fields.result(), error.map(Redaction::redact).map(ApiPipeline::clip), Optional.ofNullable(request.sourceIp()),
                request.receivedAt().plus(retention), fields.modelRole(), fields.inputCounts());
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
