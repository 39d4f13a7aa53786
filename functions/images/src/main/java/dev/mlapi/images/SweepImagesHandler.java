package dev.mlapi.images;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.mlapi.catalog.Env;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.events.EventInvocations;
import dev.mlapi.imagestore.ImageSweeper;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The image sweeper: a scheduled function (EventBridge, a timer in the local server) that removes
 * what crashed uploads left in the image library ({@link ImageSweeper}): objects without a
 * record, abandoned uploads and expired reservations. Objects younger than
 * {@code CLEAN_UP_MIN_AGE_SECONDS} are left to the writes that may still own them.
 */
public final class SweepImagesHandler implements RequestHandler<ScheduledEvent, Map<String, Integer>> {

    private final ImageSweeper sweeper;
    private final Duration minAge;
    private final EventInvocations invocations = new EventInvocations("image-sweeper");

    public SweepImagesHandler() {
        this(Wiring.fromEnvironment());
    }

    public SweepImagesHandler(Wiring wiring) {
        this(ImageSweeper.create(wiring), Duration.ofSeconds(wiring.config().environment()
                .number(Env.CLEAN_UP_MIN_AGE_SECONDS, Long.parseLong(Env.DEFAULT_CLEAN_UP_MIN_AGE_SECONDS))));
    }

    SweepImagesHandler(ImageSweeper sweeper, Duration minAge) {
        this.sweeper = sweeper;
        this.minAge = minAge;
    }

    /** What the sweep removed, by kind (the invocation's result, for {@code sam local invoke} and the logs). */
    @Override
    public Map<String, Integer> handleRequest(ScheduledEvent event, Context context) {
        return invocations.run(context, () -> {
            ImageSweeper.Sweep sweep = sweeper.sweep(minAge);
            Map<String, Integer> removed = new LinkedHashMap<>();
            removed.put("orphaned_images", sweep.orphanedImages());
            removed.put("abandoned_uploads", sweep.abandonedUploads());
            removed.put("expired_reservations", sweep.expiredReservations());
            return removed;
        });
    }
}
