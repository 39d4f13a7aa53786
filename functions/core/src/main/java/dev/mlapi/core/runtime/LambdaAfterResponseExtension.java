package dev.mlapi.core.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The internal Lambda extension behind {@link AfterResponse#fromEnvironment()}: registered in the
 * function's own JVM through the Extensions API during init (events: {@code INVOKE} only, which is
 * all an internal extension may ask for), then a daemon thread that, for each invocation, waits
 * until the handler has settled it and its deferred work is done, and only then asks for the next
 * event. Lambda sends the runtime's response to the caller as soon as the runtime posts it and
 * freezes the container only after every extension has asked for its next event, so the deferred
 * work runs after the answer and before the freeze (and is billed, as
 * {@code PostRuntimeExtensionsDuration}).
 *
 * <p>The wait is bounded by the invocation's deadline less {@link #MARGIN}: an unfinished write is
 * then logged and the container may freeze or be reset. With SnapStart the registration and the
 * first blocked {@code event/next} happen before the snapshot; a restored container carries on
 * from there.
 *
 * <p>Protocol (AWS Lambda Extensions API, {@code 2020-01-01}): {@code POST /extension/register}
 * with {@code Lambda-Extension-Name} and {@code {"events":["INVOKE"]}} answers the
 * {@code Lambda-Extension-Identifier}; {@code GET /extension/event/next} with it blocks until the
 * next event, {@code {"eventType":"INVOKE","requestId":…,"deadlineMs":…}}.
 */
final class LambdaAfterResponseExtension {

    private static final Logger LOG = LoggerFactory.getLogger(LambdaAfterResponseExtension.class);

    static final String NAME = "mlapi-after-response";
    static final String RUNTIME_API = "AWS_LAMBDA_RUNTIME_API";
    static final Duration MARGIN = Duration.ofMillis(300);
    /** Consecutive failed calls (about half a minute of back-off) after which the Runtime API is taken for gone. */
    private static final int MAX_FAILURES = 30;

    private static AfterResponse shared;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;
    private final AfterResponse work;

    private LambdaAfterResponseExtension(String runtimeApi, AfterResponse work) {
        this.base = URI.create("http://" + runtimeApi + "/2020-01-01/extension/");
        this.work = work;
    }

    /** The JVM's one instance: registered on first use in Lambda, inline elsewhere. */
    static synchronized AfterResponse shared() {
        if (shared == null) {
            shared = start(System.getenv(RUNTIME_API));
        }
        return shared;
    }

    /**
     * Registers the extension with the Runtime API at {@code runtimeApi} ({@code host:port}) and
     * starts its event loop; inline when there is no API or registering fails (then the request
     * log is written before the answer, as outside Lambda).
     */
    static AfterResponse start(String runtimeApi) {
        if (runtimeApi == null || runtimeApi.isBlank()) {
            return AfterResponse.inline();
        }
        AfterResponse work = AfterResponse.background();
        LambdaAfterResponseExtension extension = new LambdaAfterResponseExtension(runtimeApi.trim(), work);
        String id;
        try {
            id = extension.register();
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not register the {} extension; the request log is written before each answer: {}", NAME,
                    e.toString());
            return AfterResponse.inline();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AfterResponse.inline();
        }
        Thread loop = new Thread(() -> extension.loop(id), NAME);
        loop.setDaemon(true);
        loop.start();
        return work;
    }

    private String register() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("register"))
                .header("Lambda-Extension-Name", NAME)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"events\":[\"INVOKE\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("register answered " + response.statusCode() + ": " + response.body());
        }
        return response.headers().firstValue("Lambda-Extension-Identifier")
                .orElseThrow(() -> new IOException("register answered no Lambda-Extension-Identifier"));
    }

    private void loop(String id) {
        HttpRequest next = HttpRequest.newBuilder(base.resolve("event/next"))
                .header("Lambda-Extension-Identifier", id).GET().build();
        long backoffMs = 10;
        int failures = 0;
        while (true) {
            try {
                // no timeout: the next event may be hours away (or a snapshot's restore)
                HttpResponse<String> response = http.send(next, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IOException("event/next answered " + response.statusCode() + ": " + response.body());
                }
                JsonNode event = Json.mapper().readTree(response.body());
                if ("INVOKE".equals(event.path("eventType").asText())) {
                    Duration left = Duration.between(Instant.now(), Instant.ofEpochMilli(event.path("deadlineMs").asLong()))
                            .minus(MARGIN);
                    work.awaitSettled(event.path("requestId").asText(), left);
                } else if ("SHUTDOWN".equals(event.path("eventType").asText())) {
                    return;
                }
                backoffMs = 10;
                failures = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                if (++failures > MAX_FAILURES) {
                    LOG.error("{} extension: the Runtime API failed {} times in a row; giving up", NAME, MAX_FAILURES);
                    return;
                }
                LOG.warn("{} extension: {}; asking again in {} ms", NAME, e.toString(), backoffMs);
                sleep(backoffMs);
                backoffMs = Math.min(1_000, backoffMs * 2);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
