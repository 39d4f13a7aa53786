package dev.mlapi.train;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.events.EventInvocations;
import dev.mlapi.core.queue.TaskMessages;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.core.runtime.Priming;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.logging.Level;

/**
 * The fit worker: an event function fed by the training tasks queue
 * ({@link QueueCatalog#TRAINING_TASKS}). Each message is one {@link TrainingTask} run by
 * {@link FitWorker}; a task that fails is reported as a batch item failure, so SQS delivers it
 * again, and after {@link dev.mlapi.catalog.QueueSpec#maxReceiveCount()} receives moves it to the
 * dead-letter queue (its job failed with the reason on that last receive).
 */
public final class FitWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Primer {

    private static final Logger LOG = LoggerFactory.getLogger(FitWorkerHandler.class);
    /** Tribuo logs every tree it builds (java.util.logging, INFO): thousands of lines per job. Held, so it stays set. */
    private static final java.util.logging.Logger TRIBUO_LOG = quiet("org.tribuo");
    private static final Duration NO_CONTEXT_TIME = Duration.ofMinutes(15);
    private static final int LAST_RECEIVE = QueueCatalog.TRAINING_TASKS.maxReceiveCount();

    private final FitWorker worker;
    private final EventInvocations invocations = new EventInvocations("fit-worker");

    /** Lambda's entry point: configuration from the environment, primed during init (and before a snapshot). */
    public FitWorkerHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(this);
    }

    public FitWorkerHandler(Wiring wiring) {
        this(TrainComponents.fitWorker(wiring, Runtime.getRuntime().availableProcessors()));
    }

    FitWorkerHandler(FitWorker worker) {
        this.worker = worker;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return invocations.run(context, () -> {
            List<SQSMessage> messages = event.getRecords() == null ? List.of() : event.getRecords();
            List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
            for (SQSMessage message : messages) {
                int receives = TaskMessages.receiveCount(message);
                try {
                    worker.run(TrainingTask.parse(message.getBody()), receives >= LAST_RECEIVE, workerId(context),
                            timeLeft(context));
                } catch (RuntimeException e) {
                    LOG.warn("task {} failed (receive {} of {}); {}", message.getMessageId(), receives, LAST_RECEIVE,
                            receives >= LAST_RECEIVE ? "it goes to the dead-letter queue" : "it is delivered again", e);
                    failures.add(SQSBatchResponse.BatchItemFailure.builder()
                            .withItemIdentifier(message.getMessageId()).build());
                }
            }
            return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
        });
    }

    /**
     * Runs the path a message takes through {@link #handleRequest}: a fit task of a job no one can
     * have ({@link PrimingBatch#JOB_ID}), which finds no running job and starts nothing.
     */
    @Override
    public void prime() {
        SQSEvent event = TaskMessages.primingEvent(TrainingTask.fits(PrimingBatch.JOB_ID,
                List.of(new TrainingTask.Fit(0, 0)), "training/jobs/none/data.csv", "").toJson());
        if (!handleRequest(event, null).getBatchItemFailures().isEmpty()) {
            throw new IllegalStateException("the priming task failed (see the warning above)");
        }
    }

    /** The Lambda log stream (one per execution environment); outside Lambda, the local worker thread. */
    static String workerId(Context context) {
        String stream = context == null ? null : context.getLogStreamName();
        return stream == null || stream.isBlank() || stream.equals("local")
                ? "local:" + Thread.currentThread().getName() : stream;
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(Level.WARNING);
        return logger;
    }

    private static Duration timeLeft(Context context) {
        return context == null ? NO_CONTEXT_TIME : Duration.ofMillis(context.getRemainingTimeInMillis());
    }
}
