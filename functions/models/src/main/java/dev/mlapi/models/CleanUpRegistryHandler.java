package dev.mlapi.models;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.mlapi.catalog.Env;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.events.EventInvocations;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The registry clean-up: a scheduled function (EventBridge, a timer in the local server) that
 * runs {@link S3ModelRegistry#cleanUp}: expired presigned uploads are discarded, and files no
 * manifest or live upload claims (a registration killed before its manifest) are removed once
 * older than {@code CLEAN_UP_MIN_AGE_SECONDS}.
 */
public final class CleanUpRegistryHandler implements RequestHandler<ScheduledEvent, Map<String, Integer>> {

    private final S3ModelRegistry registry;
    private final Duration minAge;
    private final EventInvocations invocations = new EventInvocations("registry-cleanup");

    public CleanUpRegistryHandler() {
        this(Wiring.fromEnvironment());
    }

    public CleanUpRegistryHandler(Wiring wiring) {
        this(S3ModelRegistry.create(RegistrySettings.from(wiring.config()), wiring.clock()),
                Duration.ofSeconds(wiring.config().environment().number(Env.CLEAN_UP_MIN_AGE_SECONDS,
                        Long.parseLong(Env.DEFAULT_CLEAN_UP_MIN_AGE_SECONDS))));
    }

    CleanUpRegistryHandler(S3ModelRegistry registry, Duration minAge) {
        this.registry = registry;
        this.minAge = minAge;
    }

    /** What the clean-up removed (the invocation's result, for {@code sam local invoke} and the logs). */
    @Override
    public Map<String, Integer> handleRequest(ScheduledEvent event, Context context) {
        return invocations.run(context, () -> {
            S3ModelRegistry.CleanUp cleanUp = registry.cleanUp(minAge);
            Map<String, Integer> removed = new LinkedHashMap<>();
            removed.put("models", cleanUp.models());
            removed.put("removed_keys", cleanUp.removedKeys());
            removed.put("discarded_uploads", cleanUp.discardedUploads());
            return removed;
        });
    }
}
