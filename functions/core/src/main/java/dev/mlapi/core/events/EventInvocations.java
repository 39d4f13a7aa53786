package dev.mlapi.core.events;

import com.amazonaws.services.lambda.runtime.Context;
import dev.mlapi.core.observability.RequestLogContext;
import dev.mlapi.core.observability.Telemetry;
import dev.mlapi.core.runtime.Priming;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * The cross-cutting part of an event function's invocation, as {@code ApiPipeline} is for HTTP
 * functions: Powertools' logging scope keyed by the Lambda {@code context} (null outside Lambda),
 * the invocation id and cold start on every log line, and timings attributed to the function. A
 * batch run while {@link Priming} primes does not count as the cold start.
 */
public final class EventInvocations {

    private final String function;
    private final AtomicBoolean coldStart = new AtomicBoolean(true);

    public EventInvocations(String function) {
        this.function = function;
    }

    public <T> T run(Context context, Supplier<T> work) {
        // A priming batch (run during init) leaves the first real invocation its cold start.
        boolean cold = Priming.inProgress() ? coldStart.get() : coldStart.getAndSet(false);
        String invocationId = Optional.ofNullable(context).map(Context::getAwsRequestId)
                .orElseGet(() -> UUID.randomUUID().toString());
        return PowertoolsLogging.withLogging(context, () -> Telemetry.inFunction(
                Telemetry.serviceName().orElse(function), () -> {
                    try (RequestLogContext ignored = RequestLogContext.open(invocationId, cold)) {
                        return work.get();
                    }
                }));
    }
}
