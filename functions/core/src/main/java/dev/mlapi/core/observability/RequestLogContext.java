package dev.mlapi.core.observability;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.MDC;

/**
 * The request's fields on every log line while it runs: what the JSON layout writes beside
 * Powertools' Lambda fields (and the local server's plain layout prints). Opened by the request
 * pipeline around the handler call; closing it removes exactly the keys it set.
 */
public final class RequestLogContext implements AutoCloseable {

    /** The API's request id ({@code X-Request-Id}), in Powertools' correlation-id field. */
    public static final String CORRELATION_ID = "correlation_id";
    /** Overrides Powertools' value, which is false in every SnapStart-restored container. */
    public static final String COLD_START = "cold_start";
    public static final String ROUTE = "route";
    public static final String USER = "user";

    private final List<String> keys = new ArrayList<>();

    private RequestLogContext() {
    }

    public static RequestLogContext open(String requestId, boolean coldStart) {
        RequestLogContext context = new RequestLogContext();
        context.put(CORRELATION_ID, requestId);
        context.put(COLD_START, Boolean.toString(coldStart));
        return context;
    }

    /** The declared route key, e.g. {@code POST /auth/login}. */
    public void route(String routeKey) {
        put(ROUTE, routeKey);
    }

    /** The authenticated caller's username. */
    public void user(String username) {
        put(USER, username);
    }

    private void put(String key, String value) {
        MDC.put(key, value);
        keys.add(key);
    }

    @Override
    public void close() {
        keys.forEach(MDC::remove);
    }
}
