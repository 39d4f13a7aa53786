package dev.mlapi.local;

import dev.mlapi.catalog.ApiCors;
import dev.mlapi.core.http.RequestIds;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * API Gateway's CORS, with the stack's settings ({@link ApiCors}): a browser's preflight
 * ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}) is answered
 * here with 204 and never reaches a route; every other answer to an allowed origin carries
 * {@code Access-Control-Allow-Origin} and the exposed headers. A preflight from an origin not
 * allowed gets its 204 without them, so the browser refuses the call.
 */
final class CorsHandler implements Request.Handler {

    private final List<String> allowOrigins;
    private final Request.Handler next;

    CorsHandler(List<String> allowOrigins, Request.Handler next) {
        this.allowOrigins = List.copyOf(allowOrigins);
        this.next = next;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String origin = request.getHeaders().get("origin");
        HttpFields.Mutable headers = response.getHeaders();
        boolean allowed = origin != null && (allowOrigins.contains("*") || allowOrigins.contains(origin));
        if (allowed) {
            headers.put("access-control-allow-origin", allowOrigins.contains("*") ? "*" : origin);
            if (!allowOrigins.contains("*")) {
                headers.put("vary", "origin");
            }
        }
        boolean preflight = request.getMethod().equals("OPTIONS") && origin != null
                && request.getHeaders().get("access-control-request-method") != null;
        if (!preflight) {
            if (allowed) {
                headers.put("access-control-expose-headers", String.join(",", ApiCors.EXPOSE_HEADERS));
            }
            return next.handle(request, response, callback);
        }
        if (allowed) {
            headers.put("access-control-allow-methods", String.join(",", ApiCors.ALLOW_METHODS));
            headers.put("access-control-allow-headers", String.join(",", ApiCors.ALLOW_HEADERS));
            headers.put("access-control-max-age", Long.toString(ApiCors.MAX_AGE.toSeconds()));
        }
        headers.put(RequestIds.HEADER, ApiGatewayRouter.requestId(request));
        response.setStatus(204);
        response.write(true, null, callback);
        return true;
    }
}
