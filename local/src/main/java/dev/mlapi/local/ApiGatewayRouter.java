package dev.mlapi.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.ProblemMapper;
import dev.mlapi.core.http.RequestIds;
import dev.mlapi.core.http.RouteTemplate;
import dev.mlapi.core.testkit.LocalContext;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays API Gateway (HTTP API, payload format 2.0) in front of the functions: matches the route
 * from {@code template.yaml}, builds the event exactly as API Gateway does ({@code routeKey},
 * {@code rawPath}, {@code rawQueryString} as sent, {@code cookies}, lower-cased {@code headers},
 * {@code pathParameters}, {@code requestContext.http} with the TCP peer as {@code sourceIp},
 * base64 bodies for binary content), invokes the function's handler and writes its response
 * back. Like API Gateway, it answers a query string that is not valid percent-encoding (400),
 * unknown routes (404, {@code //models} included: routes match the path as sent), wrong methods
 * (405), bodies over Lambda's 6 MB limit (413, checked first, as API Gateway does) and uploads
 * that stall (408) itself, all as problem+json. The body is read without holding a thread; the function then runs on a Jetty
 * thread.
 */
final class ApiGatewayRouter implements Request.Handler {

    /** Lambda's synchronous invocation payload limit. */
    static final int MAX_BODY_BYTES = 6 * 1024 * 1024;
    /** Beyond this, an oversized upload is cut off rather than read to its end. */
    static final long MAX_DISCARD_BYTES = 64L * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(ApiGatewayRouter.class);
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);

    /** One route and the function behind it, named by its module (also its Lambda context's function name). */
    record Target(RouteTemplate route, String functionName,
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
    }

    private final List<Target> targets;

    ApiGatewayRouter(List<Target> targets) {
        this.targets = targets.stream()
                .sorted(Comparator.comparingInt((Target t) -> t.route().specificity()).reversed())
                .toList();
    }

    List<Target> targets() {
        return targets;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String requestId = requestId(request);
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        String rawPath = request.getHttpURI().getPath();
        // Never fatal: a pending body read sees the timeout as a failed read (answered 408), and
        // a function still running keeps its connection, as it would behind API Gateway.
        request.addIdleTimeoutListener(timeout -> false);
        // As API Gateway: the body's size first (413 whatever else is wrong), then the query, then the route.
        new BodyReader(request, body -> {
            if (body.isEmpty()) {
                refuse(response, callback, bodyTooLarge(), rawPath, requestId);
                return;
            }
            // Jetty refuses a bad escape in the path itself, before any handler; the query it passes on as it came.
            Optional<String> badQuery = PercentEncoding.firstError(
                    Optional.ofNullable(request.getHttpURI().getQuery()).orElse(""));
            if (badQuery.isPresent()) {
                refuse(response, callback, new ApiException.InvalidInput("the query string " + badQuery.get()
                        + "; send a literal '%' as %25"), rawPath, requestId);
                return;
            }
            Optional<Match> match = match(method, rawPath);
            if (match.isEmpty()) {
                boolean pathKnown = targets.stream().anyMatch(t -> t.route().matchPath(rawPath).isPresent());
                refuse(response, callback, pathKnown
                        ? new ApiException.MethodNotAllowed(method + " is not allowed on " + rawPath)
                        : new ApiException.NotFound("no route for " + method + " " + rawPath), rawPath, requestId);
                return;
            }
            try {
                write(response, callback, invoke(request, match.get(), body.get(), requestId));
            } catch (RuntimeException e) {
                // e.g. a response whose base64 body does not decode: Jetty's error handler answers 500
                LOG.error("cannot write the response of request {}", requestId, e);
                callback.failed(e);
            }
        }, failure -> bodyNotReceived(request, response, callback, failure, requestId)).read();
        return true;
    }

    static ApiException bodyTooLarge() {
        return new ApiException.PayloadTooLarge("the request body exceeds Lambda's limit of " + MAX_BODY_BYTES
                + " bytes; upload large files with a presigned URL");
    }

    private static void refuse(Response response, Callback callback, ApiException error, String rawPath, String requestId) {
        write(response, callback, ProblemMapper.render(error, rawPath, requestId).withHeader("x-request-id", requestId));
    }

    /** A stalled upload gets a 408 and its connection closed; a client that went away, nothing. */
    private static void bodyNotReceived(Request request, Response response, Callback callback, Throwable failure,
            String requestId) {
        String rawPath = request.getHttpURI().getPath();
        LOG.info("request {} {} {}: the body was not received ({})", requestId, request.getMethod(), rawPath,
                failure.toString());
        if (!(failure instanceof TimeoutException)) {
            callback.failed(failure);
            return;
        }
        long seconds = request.getConnectionMetaData().getConnection().getEndPoint().getIdleTimeout() / 1000;
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        write(response, callback, ProblemMapper.problem(408, "request-timeout", "Request timeout",
                "the request body stopped arriving: nothing was received for " + seconds + " s",
                rawPath, requestId, List.of()).withHeader("x-request-id", requestId));
    }

    private static APIGatewayV2HTTPResponse invoke(Request request, Match match, byte[] body, String requestId) {
        Target target = match.target();
        try {
            APIGatewayV2HTTPEvent event = toEvent(request, target.route(), match.pathParameters(), body, requestId);
            return target.handler().handleRequest(event,
                    new LocalContext(requestId, target.functionName(), System.currentTimeMillis() + 29_000));
        } catch (RuntimeException e) {
            LOG.error("function failed outside its error handling (request {})", requestId, e);
            return toLambdaResponse(ProblemMapper.internalError(request.getHttpURI().getPath(), requestId)
                    .withHeader("x-request-id", requestId));
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

    static APIGatewayV2HTTPEvent toEvent(Request request, RouteTemplate route, Map<String, String> pathParameters,
            byte[] body, String requestId) {
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> cookies = new ArrayList<>();
        for (HttpField field : request.getHeaders()) {
            String key = field.getLowerCaseName();
            if (key.equals("cookie")) {
                cookies.addAll(List.of(field.getValue().split(";\\s*")));
            } else {
                headers.merge(key, field.getValue(), (a, b) -> a + "," + b);
            }
        }
        String rawQuery = Optional.ofNullable(request.getHttpURI().getQuery()).orElse("");
        String contentType = headers.getOrDefault("content-type", "");
        boolean base64 = body.length > 0 && !isText(contentType);
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        // the TCP peer, as API Gateway takes it: a client's own X-Forwarded-For is a header, not its address
        String sourceIp = request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress peer
                ? peer.getAddress().getHostAddress() : "127.0.0.1";
        String path = request.getHttpURI().getPath();

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
                                .withProtocol(request.getConnectionMetaData().getProtocol())
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
     * Reads a request body without blocking a thread: the body, or empty if it is larger than
     * Lambda accepts. An oversized body is still read (up to {@link #MAX_DISCARD_BYTES}) so that
     * the client, still sending, receives the 413 instead of a connection reset. A client that
     * stops sending is failed by the connection's idle timeout.
     */
    private static final class BodyReader implements Runnable {
        private final Request request;
        private final Consumer<Optional<byte[]>> onBody;
        private final Consumer<Throwable> onFailure;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private long total;

        BodyReader(Request request, Consumer<Optional<byte[]>> onBody, Consumer<Throwable> onFailure) {
            this.request = request;
            this.onBody = onBody;
            this.onFailure = onFailure;
        }

        /** Reads what has arrived and asks to be called again when more does; runs as Jetty's demand callback. */
        @Override
        public void run() {
            read();
        }

        void read() {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    onFailure.accept(chunk.getFailure());
                    return;
                }
                ByteBuffer bytes = chunk.getByteBuffer();
                int length = bytes.remaining();
                total += length;
                if (total <= MAX_BODY_BYTES) {
                    byte[] copy = new byte[length];
                    bytes.get(copy);
                    buffer.writeBytes(copy);
                }
                boolean last = chunk.isLast();
                chunk.release();
                if (last || total > MAX_DISCARD_BYTES) {
                    onBody.accept(total > MAX_BODY_BYTES ? Optional.empty() : Optional.of(buffer.toByteArray()));
                    return;
                }
            }
        }
    }

    private static void write(Response response, Callback callback, ApiResponse answer) {
        answer.headers().forEach(response.getHeaders()::put);
        response.setStatus(answer.status());
        response.write(true, ByteBuffer.wrap(answer.body()), callback);
    }

    private static APIGatewayV2HTTPResponse toLambdaResponse(ApiResponse answer) {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(answer.status()).withHeaders(answer.headers())
                .withBody(Base64.getEncoder().encodeToString(answer.body())).withIsBase64Encoded(true).build();
    }

    private static void write(Response response, Callback callback, APIGatewayV2HTTPResponse answer) {
        HttpFields.Mutable headers = response.getHeaders();
        if (answer.getHeaders() != null) {
            answer.getHeaders().forEach(headers::put);
        }
        if (answer.getMultiValueHeaders() != null) {
            answer.getMultiValueHeaders().forEach((name, values) -> headers.put(name, values));
        }
        if (answer.getCookies() != null) {
            answer.getCookies().forEach(cookie -> headers.add("set-cookie", cookie));
        }
        String body = answer.getBody();
        byte[] bytes = body == null ? new byte[0]
                : answer.getIsBase64Encoded() ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(answer.getStatusCode());
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    /** The request's id, one format for every answer of the local server: the caller's own of a safe shape, else a new one ({@link RequestIds}). */
    static String requestId(Request request) {
        HttpFields headers = request.getHeaders();
        return RequestIds.keepOrNew(headers == null ? null : headers.get(RequestIds.HEADER));
    }
}
