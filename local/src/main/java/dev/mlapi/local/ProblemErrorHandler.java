package dev.mlapi.local;

import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.ProblemMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every answer Jetty writes on its own (a request line or header it cannot parse, an ambiguous or
 * badly encoded URI, headers too large, a failed handler) as problem+json, like the rest of the
 * API: never Jetty's HTML page, never a stack trace. A 4xx names what Jetty found wrong; a 500
 * names only the request id (the cause goes to the log), another 5xx only its status.
 */
final class ProblemErrorHandler extends ErrorHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemErrorHandler.class);
    /** The path Jetty gives the stand-in request of a request line it could not parse: not the client's. */
    private static final String UNPARSED_REQUEST_PATH = "/badMessage";

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = request.getAttribute(ERROR_STATUS) instanceof Integer code ? code : 500;
        String message = request.getAttribute(ERROR_MESSAGE) instanceof String text ? text : null;
        Throwable cause = request.getAttribute(ERROR_EXCEPTION) instanceof Throwable t ? t : null;
        String path = request.getHttpURI() == null ? null : request.getHttpURI().getPath();
        if (UNPARSED_REQUEST_PATH.equals(path)) {
            path = null;
        }
        String requestId = ApiGatewayRouter.requestId(request);
        ApiResponse problem = problem(status, describe(message, cause), path, requestId)
                .withHeader("x-request-id", requestId);
        if (status == 500 && !(cause instanceof IOException)) {
            LOG.error("request {} ({}) failed outside the functions' error handling", requestId, path, cause);
        } else {
            LOG.debug("request {} ({}) refused with {}: {}", requestId, path, status, message, cause);
        }
        response.setStatus(problem.status());
        HttpFields.Mutable headers = response.getHeaders();
        problem.headers().forEach(headers::put);
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(problem.body()), callback);
        return true;
    }

    /** The problem for an error Jetty found itself, with the slugs and titles the API uses for the same status. */
    static ApiResponse problem(int status, String message, String instance, String requestId) {
        if (status == 500) {
            return ProblemMapper.internalError(instance, requestId);
        }
        String reason = HttpStatus.getMessage(status);
        String detail = status >= 500 || message == null || message.isBlank() || message.equals(reason)
                ? "the HTTP server refused the request: " + reason
                : "the HTTP server refused the request: " + message;
        return switch (status) {
            case 400 -> ProblemMapper.problem(400, "invalid-input", "Invalid input", detail, instance, requestId, List.of());
            case 404 -> ProblemMapper.problem(404, "not-found", "Not found", detail, instance, requestId, List.of());
            case 405 -> ProblemMapper.problem(405, "method-not-allowed", "Method not allowed", detail, instance, requestId,
                    List.of());
            case 413 -> ProblemMapper.problem(413, "payload-too-large", "Payload too large", detail, instance, requestId,
                    List.of());
            default -> ProblemMapper.problem(status, reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-"),
                    capitalized(reason), detail, instance, requestId, List.of());
        };
    }

    /** Jetty's message, or what its parser actually objected to when the message is only "Bad Request". */
    static String describe(String message, Throwable cause) {
        Throwable root = cause;
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof NumberFormatException && String.valueOf(root.getMessage()).startsWith("!hex")) {
            return "the request target is not valid percent-encoding: a '%' is not followed by two hex digits"
                    + " (send a literal '%' as %25)";
        }
        if (root instanceof IllegalArgumentException && root.getMessage() != null && root != cause) {
            return "the request target is not a valid URI path (" + root.getMessage()
                    + "; for example '..' segments that climb above the root)";
        }
        return message;
    }

    /** "Request Header Fields Too Large" becomes "Request header fields too large", like the API's titles. */
    private static String capitalized(String reason) {
        String lower = reason.toLowerCase(Locale.ROOT);
        return lower.isEmpty() ? lower : Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
    }
}
