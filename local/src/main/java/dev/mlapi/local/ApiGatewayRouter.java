package dev.mlapi.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.ProblemMapper;
import dev.mlapi.core.http.RouteTemplate;
import dev.mlapi.core.testkit.LocalContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays API Gateway (HTTP API, payload format 2.0) in front of the functions: matches the route
 * from {@code template.yaml}, builds the event exactly as API Gateway does ({@code routeKey},
 * {@code rawPath}, {@code rawQueryString}, {@code cookies}, lower-cased {@code headers},
 * {@code pathParameters}, {@code requestContext.http}, base64 bodies for binary content), invokes
 * the function's handler and writes its response back. Like API Gateway, it answers unknown
 * routes (404), wrong methods (405) and bodies over Lambda's 6 MB limit (413) itself, all as
 * problem+json. A request target that is not a URI ({@code %%%}) or has no path ({@code //x})
 * never reaches it: the JDK server refuses those itself with a fixed HTML answer (see README).
 */
final class ApiGatewayRouter implements HttpHandler {

    /** Lambda's synchronous invocation payload limit. */
    static final int MAX_BODY_BYTES = 6 * 1024 * 1024;
    /** Beyond this, an oversized upload is cut off rather than read to its end. */
    static final long MAX_DISCARD_BYTES = 64L * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(ApiGatewayRouter.class);
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One route and the function behind it, named by its module (also its Lambda context's function name). */
    record Target(RouteTemplate route, String functionName,
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
    }

    /** How long a client may take to send a request body, like API Gateway's own limit on an idle upload. */
    static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "local-read-deadlines");
        thread.setDaemon(true);
        return thread;
    });

    private final List<Target> targets;
    private final Duration readTimeout;

    ApiGatewayRouter(List<Target> targets) {
        this(targets, DEFAULT_READ_TIMEOUT);
    }

    ApiGatewayRouter(List<Target> targets, Duration readTimeout) {
        this.targets = targets.stream()
                .sorted(Comparator.comparingInt((Target t) -> t.route().specificity()).reversed())
                .toList();
        this.readTimeout = readTimeout;
    }

    List<Target> targets() {
        return targets;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String requestId = newRequestId();
        // try/finally rather than try-with-resources: a catch clause would run after the close,
        // and the 500 below could no longer be written.
        try {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String rawPath = exchange.getRequestURI().getRawPath();
            Optional<Match> match = match(method, rawPath);
            if (match.isEmpty()) {
                boolean pathKnown = targets.stream().anyMatch(t -> t.route().matchPath(rawPath).isPresent());
                ApiException error = pathKnown
                        ? new ApiException.MethodNotAllowed(method + " is not allowed on " + rawPath)
                        : new ApiException.NotFound("no route for " + method + " " + rawPath);
                write(exchange, ProblemMapper.render(error, rawPath, requestId).withHeader("x-request-id", requestId));
                return;
            }
            Optional<byte[]> body;
            try (ReadDeadline deadline = new ReadDeadline(readTimeout)) {
                body = readBody(exchange);
            } catch (IOException e) {
                // a stalled or vanished client: its connection is closed, nobody is left to answer
                LOG.info("request {} {} {}: the body was not received within {} s ({})", requestId, method, rawPath,
                        readTimeout.toSeconds(), e.toString());
                return;
            }
            if (body.isEmpty()) {
                var tooLarge = new ApiException.PayloadTooLarge("the request body exceeds Lambda's limit of "
                        + MAX_BODY_BYTES + " bytes; upload large files with a presigned URL");
                write(exchange, ProblemMapper.render(tooLarge, rawPath, requestId).withHeader("x-request-id", requestId));
                return;
            }
            Target target = match.get().target();
            APIGatewayV2HTTPEvent event = toEvent(exchange, target.route(), match.get().pathParameters(), body.get(),
                    requestId);
            APIGatewayV2HTTPResponse response = target.handler().handleRequest(event,
                    new LocalContext(requestId, target.functionName(), System.currentTimeMillis() + 29_000));
            write(exchange, response);
        } catch (RuntimeException e) {
            LOG.error("function failed outside its error handling (request {})", requestId, e);
            write(exchange, ProblemMapper.internalError(exchange.getRequestURI().getRawPath(), requestId));
        } finally {
            exchange.close();
        }
    }

    private record Match(Target target, Map<String, String> pathParameters) {
    }

    private Optional<Match> match(String method, String rawPath) {
        for (Target target : targets) {
            if (target.route().method().equals(method)) {
                var parameters = target.route().matchPath(rawPath);
                if (parameters.isPresent()) {
                    return Optional.of(new Match(target, parameters.get()));
                }
            }
        }
        return Optional.empty();
    }

    static APIGatewayV2HTTPEvent toEvent(HttpExchange exchange, RouteTemplate route, Map<String, String> pathParameters,
            byte[] body, String requestId) {
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> cookies = new ArrayList<>();
        exchange.getRequestHeaders().forEach((name, values) -> {
            String key = name.toLowerCase(Locale.ROOT);
            if (key.equals("cookie")) {
                values.forEach(v -> cookies.addAll(List.of(v.split(";\\s*"))));
            } else {
                headers.put(key, String.join(",", values));
            }
        });
        String rawQuery = Optional.ofNullable(exchange.getRequestURI().getRawQuery()).orElse("");
        String contentType = headers.getOrDefault("content-type", "");
        boolean base64 = body.length > 0 && !isText(contentType);
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        String sourceIp = exchange.getRemoteAddress().getAddress().getHostAddress();
        String path = exchange.getRequestURI().getRawPath();

        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(route.routeKey())
                .withRawPath(path)
                .withRawQueryString(rawQuery)
                .withCookies(cookies.isEmpty() ? null : cookies)
                .withHeaders(headers)
                .withQueryStringParameters(queryParameters(rawQuery))
                .withPathParameters(pathParameters.isEmpty() ? null : pathParameters)
                .withBody(body.length == 0 ? null
                        : base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8))
                .withIsBase64Encoded(base64)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withAccountId("000000000000")
                        .withApiId("local")
                        .withDomainName(headers.getOrDefault("host", "127.0.0.1"))
                        .withDomainPrefix("local")
                        .withRequestId(requestId)
                        .withRouteKey(route.routeKey())
                        .withStage("$default")
                        .withTime(REQUEST_TIME.format(now))
                        .withTimeEpoch(now.toInstant().toEpochMilli())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(route.method())
                                .withPath(path)
                                .withProtocol(exchange.getProtocol())
                                .withSourceIp(sourceIp)
                                .withUserAgent(headers.getOrDefault("user-agent", ""))
                                .build())
                        .build())
                .build();
    }

    /** Like API Gateway's HTTP API: repeated parameters are joined with commas; none gives null. */
    static Map<String, String> queryParameters(String rawQuery) {
        if (rawQuery.isEmpty()) {
            return null;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            parameters.merge(key, value, (a, b) -> a + "," + b);
        }
        return parameters;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }

    /** API Gateway passes these content types as text and base64-encodes everything else. */
    static boolean isText(String contentType) {
        String type = contentType.toLowerCase(Locale.ROOT);
        return type.startsWith("text/") || type.contains("json") || type.contains("xml")
                || type.contains("javascript") || type.contains("yaml");
    }

    /**
     * The body, or empty if it is larger than Lambda accepts. An oversized body is still read (up
     * to {@link #MAX_DISCARD_BYTES}) so that the client, still sending, receives the 413 instead of
     * a connection reset.
     */
    private static Optional<byte[]> readBody(HttpExchange exchange) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        try (InputStream in = exchange.getRequestBody()) {
            int read;
            while ((read = in.read(chunk)) != -1) {
                total += read;
                if (total <= MAX_BODY_BYTES) {
                    buffer.write(chunk, 0, read);
                } else if (total > MAX_DISCARD_BYTES) {
                    break;
                }
            }
        }
        return total > MAX_BODY_BYTES ? Optional.empty() : Optional.of(buffer.toByteArray());
    }

    /**
     * Interrupts the reading thread when the body has not arrived in time: the exchange reads from
     * an interruptible socket channel, so the blocked read ends with the connection closed, and
     * the pool thread is free again instead of waiting for a client that sends nothing.
     */
    private static final class ReadDeadline implements AutoCloseable {
        private final Thread reader = Thread.currentThread();
        private final ScheduledFuture<?> timer;
        private boolean done;
        private boolean fired;

        ReadDeadline(Duration timeout) {
            this.timer = DEADLINES.schedule(this::fire, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        private synchronized void fire() {
            if (!done) {
                fired = true;
                reader.interrupt();
            }
        }

        @Override
        public synchronized void close() {
            done = true;
            timer.cancel(false);
            if (fired) {
                Thread.interrupted();
            }
        }
    }

    private static void write(HttpExchange exchange, ApiResponse response) throws IOException {
        response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        send(exchange, response.status(), response.body());
    }

    private static void write(HttpExchange exchange, APIGatewayV2HTTPResponse response) throws IOException {
        if (response.getHeaders() != null) {
            response.getHeaders().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        }
        if (response.getMultiValueHeaders() != null) {
            response.getMultiValueHeaders().forEach((name, values) -> exchange.getResponseHeaders().put(name, values));
        }
        if (response.getCookies() != null) {
            response.getCookies().forEach(cookie -> exchange.getResponseHeaders().add("set-cookie", cookie));
        }
        String body = response.getBody();
        byte[] bytes = body == null ? new byte[0]
                : response.getIsBase64Encoded() ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        send(exchange, response.getStatusCode(), bytes);
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        boolean empty = body.length == 0 || status == 204 || status == 304;
        exchange.sendResponseHeaders(status, empty ? -1 : body.length);
        if (!empty) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** API Gateway's request ids look like {@code JKJaXmPLvHcESHA=}: base64 of random bytes. */
    private static String newRequestId() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
