package dev.mlapi.core.http;

import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.Unauthorized;
import dev.mlapi.core.error.ApiException.UnsupportedMediaType;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.requestlog.RequestLogFields;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One decoded HTTP API request, independent of Lambda types: what a route handler reads.
 *
 * <p>Header names are case-insensitive; the body is raw bytes (base64 already decoded).
 */
public final class ApiRequest {

    private final String requestId;
    private final String routeKey;
    private final String method;
    private final String path;
    private final Map<String, String> headers;
    private final Map<String, String> queryParameters;
    private final Map<String, String> pathParameters;
    private final byte[] body;
    private final String sourceIp;
    private final Instant receivedAt;
    private final RequestLogFields logFields;
    private final List<Offered> afterAnswer;
    private Principal principal;

    public ApiRequest(String requestId, String routeKey, String method, String path, Map<String, String> headers,
            Map<String, String> queryParameters, Map<String, String> pathParameters, byte[] body, String sourceIp,
            Instant receivedAt) {
        this(requestId, routeKey, method, path, headers, queryParameters, pathParameters, body, sourceIp, receivedAt,
                new RequestLogFields(), Collections.synchronizedList(new ArrayList<>()));
    }

    private ApiRequest(String requestId, String routeKey, String method, String path, Map<String, String> headers,
            Map<String, String> queryParameters, Map<String, String> pathParameters, byte[] body, String sourceIp,
            Instant receivedAt, RequestLogFields logFields, List<Offered> afterAnswer) {
        this.logFields = logFields;
        this.afterAnswer = afterAnswer;
        this.requestId = requestId;
        this.routeKey = routeKey;
        this.method = method.toUpperCase(Locale.ROOT);
        this.path = path;
        TreeMap<String, String> caseInsensitive = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            caseInsensitive.putAll(headers);
        }
        this.headers = Collections.unmodifiableMap(caseInsensitive);
        this.queryParameters = queryParameters == null ? Map.of() : Map.copyOf(queryParameters);
        this.pathParameters = pathParameters == null ? Map.of() : Map.copyOf(pathParameters);
        this.body = body == null ? new byte[0] : body;
        this.sourceIp = sourceIp;
        this.receivedAt = receivedAt;
    }

    public String requestId() {
        return requestId;
    }

    /** The matched route, e.g. {@code POST /auth/login}, as API Gateway names it. */
    public String routeKey() {
        return routeKey;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** Every query parameter (API Gateway joins repeated ones with commas). */
    public Map<String, String> queryParameters() {
        return queryParameters;
    }

    public Optional<String> query(String name) {
        return Optional.ofNullable(queryParameters.get(name)).filter(v -> !v.isEmpty());
    }

    /** A query parameter as an int within bounds, or the default; anything else is a 400 naming it. */
    public int queryInt(String name, int defaultValue, int min, int max) {
        Optional<String> raw = query(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value < min || value > max) {
                throw InvalidInput.field(name, "must be between " + min + " and " + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw InvalidInput.field(name, "must be an integer");
        }
    }

    public String pathParameter(String name) {
        String value = pathParameters.get(name);
        if (value == null || value.isEmpty()) {
            throw InvalidInput.field(name, "path parameter is missing");
        }
        return value;
    }

    public Map<String, String> pathParameters() {
        return pathParameters;
    }

    public byte[] body() {
        return body;
    }

    public String sourceIp() {
        return sourceIp;
    }

    public Instant receivedAt() {
        return receivedAt;
    }

    /** The media type without parameters, lower-cased; empty when the request has none. */
    public String mediaType() {
        return header("content-type")
                .map(v -> v.split(";", 2)[0].trim().toLowerCase(Locale.ROOT))
                .orElse("");
    }

    public boolean isJson() {
        String type = mediaType();
        return type.equals("application/json") || type.endsWith("+json");
    }

    public boolean isForm() {
        return mediaType().equals("application/x-www-form-urlencoded");
    }

    public boolean isMultipart() {
        return mediaType().equals("multipart/form-data");
    }

    /**
     * The body as JSON of {@code type}. A missing content type is taken as JSON (curl's
     * {@code --data} habit aside); any other type is a 415.
     */
    public <T> T json(Class<T> type) {
        if (!mediaType().isEmpty() && !isJson()) {
            throw new UnsupportedMediaType("expected Content-Type application/json, got '" + mediaType() + "'");
        }
        return Json.read(body, type);
    }

    /** The body as {@code application/x-www-form-urlencoded} fields (first value wins). */
    public Map<String, String> form() {
        if (!isForm()) {
            throw new UnsupportedMediaType("expected Content-Type application/x-www-form-urlencoded, got '"
                    + mediaType() + "'");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        String text = new String(body, StandardCharsets.UTF_8);
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                fields.putIfAbsent(key, value);
            } catch (IllegalArgumentException e) {
                throw new InvalidInput("malformed form encoding: " + e.getMessage());
            }
        }
        return fields;
    }

    /** The body as {@code multipart/form-data} parts. */
    public List<MultipartPart> multipart() {
        if (!isMultipart()) {
            throw new UnsupportedMediaType("expected Content-Type multipart/form-data, got '" + mediaType() + "'");
        }
        return Multipart.parse(body, header("content-type").orElse(""));
    }

    /** Fields a handler adds to this request's history entry (image URL, model, result…). */
    public RequestLogFields logFields() {
        return logFields;
    }

    /**
     * Leaves optional {@code work} (a shadow model's scoring of a copy) for after this request's
     * answer: {@link ApiPipeline} hands it to {@code AfterResponse#offer} once the answer is a success
     * (never on the caller's path; after the response in Lambda), or runs {@code skipped} instead when
     * the backlog is full; a failed request drops it. As a {@code dev.mlapi.core.runtime.AfterAnswer}:
     * {@code request::afterAnswer}.
     */
    public void afterAnswer(Runnable work, Runnable skipped) {
        afterAnswer.add(new Offered(work, skipped));
    }

    /** The work left for after the answer, in order. */
    List<Offered> offeredAfterAnswer() {
        synchronized (afterAnswer) {
            return List.copyOf(afterAnswer);
        }
    }

    /** One piece of work left for after the answer, and what to do instead if it cannot run. */
    record Offered(Runnable work, Runnable skipped) {
    }

    public Optional<Principal> principal() {
        return Optional.ofNullable(principal);
    }

    /** The authenticated caller; routes that require a user only run when there is one. */
    public Principal requirePrincipal() {
        if (principal == null) {
            throw new Unauthorized("a bearer token is required");
        }
        return principal;
    }

    /** Throws 403 unless the caller is an admin. */
    public Principal requireAdmin() {
        Principal caller = requirePrincipal();
        if (!caller.isAdmin()) {
            throw new Forbidden("this operation requires the admin role");
        }
        return caller;
    }

    /**
     * This request as the native route {@code routeKey} would receive it (an {@link AdaptedRoute}'s
     * translation): new path, headers, query, path parameters and body; the same request id, caller,
     * source and arrival, and the same history fields, so what the native route logs is this request's.
     */
    public ApiRequest derive(String routeKey, String path, Map<String, String> headers,
            Map<String, String> queryParameters, Map<String, String> pathParameters, byte[] body) {
        ApiRequest derived = new ApiRequest(requestId, routeKey, RouteTemplate.parse(routeKey).method(), path, headers,
                queryParameters, pathParameters, body, sourceIp, receivedAt, logFields, afterAnswer);
        derived.principal = principal;
        return derived;
    }

    void authenticate(Principal principal) {
        this.principal = principal;
    }
}
