package dev.mlapi.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.core.testkit.LocalContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.joda.time.DateTime;
import org.joda.time.DateTimeZone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EventBridge's schedule rule, for one scheduled function in the local server: a timer invokes
 * the function with the event a rule sends ({@code "source": "aws.events"}, {@code "detail-type":
 * "Scheduled Event"}, the rule's ARN in {@code resources}) when the schedule is due. One run at a
 * time: a run still going when the next is due delays it (EventBridge would start a second
 * invocation; the catalog keeps a function's timeout below its rate, so in AWS they do not meet
 * either). A run that throws is logged, and the next runs on time.
 *
 * <p>{@code LOCAL_SCHEDULE_INTERVAL_SECONDS} ({@link LocalSettings#scheduleInterval()}) replaces
 * every schedule by a fixed interval, so a developer (or a test) sees the jobs run within seconds.
 */
final class ScheduleEventSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ScheduleEventSource.class);
    /** The account id in the local events' ARNs, as {@code sam local} uses. */
    static final String LOCAL_ACCOUNT = "123456789012";

    private final FunctionSpec spec;
    private final Trigger.Schedule trigger;
    private final RequestHandler<ScheduledEvent, ?> handler;
    private final String region;
    private final Optional<Duration> interval;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final AtomicInteger runs = new AtomicInteger();
    private volatile boolean running;

    /**
     * @param interval every run this long after the previous one's start instead of the schedule
     *                 ({@code LOCAL_SCHEDULE_INTERVAL_SECONDS}); empty for the schedule itself
     */
    ScheduleEventSource(FunctionSpec spec, Trigger.Schedule trigger, RequestHandler<ScheduledEvent, ?> handler,
            String region, Optional<Duration> interval, Clock clock) {
        this.spec = spec;
        this.trigger = trigger;
        this.handler = handler;
        this.region = region;
        this.interval = interval;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "schedule-" + spec.name());
            thread.setDaemon(true);
            return thread;
        });
    }

    void start() {
        running = true;
        scheduleNext(clock.instant());
    }

    FunctionSpec spec() {
        return spec;
    }

    /** Runs finished (or failed) so far. */
    int runs() {
        return runs.get();
    }

    private void scheduleNext(Instant after) {
        if (!running) {
            return;
        }
        Optional<Instant> next = interval.map(after::plus).or(() -> trigger.parsed().nextAfter(after));
        if (next.isEmpty()) {
            LOG.info("{}: schedule {} never fires again", spec.name(), trigger.expression());
            return;
        }
        long delay = Math.max(0, Duration.between(clock.instant(), next.get()).toMillis());
        timer.schedule(() -> runAt(next.get()), delay, TimeUnit.MILLISECONDS);
    }

    private void runAt(Instant due) {
        try {
            String requestId = UUID.randomUUID().toString();
            Object result = handler.handleRequest(event(due), new LocalContext(requestId, spec.name(),
                    System.currentTimeMillis() + spec.timeout().toMillis()));
            LOG.debug("{}: scheduled run done: {}", spec.name(), result);
        } catch (RuntimeException e) {
            LOG.error("{}: scheduled run failed; the next runs on schedule", spec.name(), e);
        } finally {
            runs.incrementAndGet();
            // The next due time after this run's, or (if the run overran it) after now.
            Instant now = clock.instant();
            scheduleNext(interval.isPresent() ? now : (due.isAfter(now) ? due : now));
        }
    }

    /** The event an EventBridge schedule rule sends its target. */
    ScheduledEvent event(Instant due) {
        ScheduledEvent event = new ScheduledEvent();
        event.setVersion("0");
        event.setId(UUID.randomUUID().toString());
        event.setDetailType("Scheduled Event");
        event.setSource("aws.events");
        event.setAccount(LOCAL_ACCOUNT);
        event.setTime(new DateTime(due.toEpochMilli(), DateTimeZone.UTC));
        event.setRegion(region);
        event.setResources(List.of(ruleArn()));
        event.setDetail(Map.of());
        return event;
    }

    /** The rule's ARN as the stack names it ({@code …:rule/ImageSweeperSchedule}). */
    String ruleArn() {
        return "arn:aws:events:" + region + ":" + LOCAL_ACCOUNT + ":rule/" + spec.logicalName()
                + Trigger.Schedule.EVENT_NAME;
    }

    @Override
    public void close() {
        running = false;
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
