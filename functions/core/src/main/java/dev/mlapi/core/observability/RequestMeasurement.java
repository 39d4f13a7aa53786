package dev.mlapi.core.observability;

import java.time.Duration;

/**
 * What the request pipeline measured for one request.
 *
 * @param function  the function that answered ({@code login}, {@code classify}…)
 * @param route     the declared route key ({@code POST /auth/login}), or {@link #UNMATCHED}
 * @param status    the HTTP status of the answer
 * @param latency   from receiving the event to the encoded answer
 * @param coldStart whether this was the first request of the function's container
 * @param requestId the API's request id ({@code X-Request-Id})
 */
public record RequestMeasurement(String function, String route, int status, Duration latency, boolean coldStart,
        String requestId) {

    /** The route of a request that matched none, so metrics never carry a raw path. */
    public static final String UNMATCHED = "unmatched";

    public boolean clientError() {
        return status >= 400 && status < 500;
    }

    public boolean serverError() {
        return status >= 500;
    }
}
