package dev.mlapi.train;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.core.events.EventInvocations;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.mlapi.core.jobs.JobKind;
import java.util.logging.Level;

/**
 * The training worker, the planner of a job: an event function fed by the jobs table's stream
 * (inserts only). Each inserted job is planned by {@link TrainingWorker} (its fits sent as tasks
 * to {@code fit-worker}); a record whose job could not be planned for a storage outage is
 * reported failed, so the event source retries it (boundedly) from there.
 */
public final class TrainWorkerHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse>, Primer {

    private static final Logger LOG = LoggerFactory.getLogger(TrainWorkerHandler.class);
    /** Tribuo logs every tree it builds (java.util.logging, INFO): thousands of lines per job. Held, so it stays set. */
    private static final java.util.logging.Logger TRIBUO_LOG = quiet("org.tribuo");

    private final TrainingWorker worker;
    private final EventInvocations invocations = new EventInvocations("train-worker");

    /** Lambda's entry point: configuration from the environment, primed during init (and before a snapshot). */
    public TrainWorkerHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(this);
    }

    public TrainWorkerHandler(Wiring wiring) {
        this(TrainComponents.worker(wiring));
    }

    TrainWorkerHandler(TrainingWorker worker) {
        this.worker = worker;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return invocations.run(context, () -> {
            List<DynamodbStreamRecord> records = event.getRecords() == null ? List.of() : event.getRecords();
            for (DynamodbStreamRecord record : records) {
                Optional<String> jobId = insertedJob(record);
                if (jobId.isEmpty()) {
                    continue;
                }
                try {
                    worker.run(jobId.get(), FitWorkerHandler.workerId(context));
                } catch (RuntimeException e) {
                    LOG.warn("job {} could not be run; its record is retried", jobId.get(), e);
                    return StreamsEventResponse.builder().withBatchItemFailures(List.of(
                            StreamsEventResponse.BatchItemFailure.builder()
                                    .withItemIdentifier(record.getDynamodb().getSequenceNumber()).build())).build();
                }
            }
            return StreamsEventResponse.builder().withBatchItemFailures(List.of()).build();
        });
    }

    /**
     * Runs the path a stream record takes, through {@link #handleRequest}: a batch inserting a job
     * no one can have ({@link PrimingBatch}), whose claim (a conditional update) fails without
     * creating an item and whose settling reads it back and finds nothing. No write takes effect.
     */
    @Override
    public void prime() {
        StreamsEventResponse response = handleRequest(PrimingBatch.jobInserted(), null);
        if (!response.getBatchItemFailures().isEmpty()) {
            throw new IllegalStateException("the priming record failed (see the warning above)");
        }
    }

    /** The training job a record inserted; empty for anything else (a dataset, a batch job, a modification the filter let through). */
    static Optional<String> insertedJob(DynamodbStreamRecord record) {
        if (!"INSERT".equals(record.getEventName()) || record.getDynamodb() == null
                || record.getDynamodb().getNewImage() == null) {
            return Optional.empty();
        }
        Map<String, AttributeValue> image = record.getDynamodb().getNewImage();
        AttributeValue kind = image.get(TrainingTable.KIND);
        AttributeValue id = image.get(TrainingTable.ID);
        if (kind == null || !TrainingTable.JOB.equals(kind.getS()) || id == null || id.getS() == null) {
            return Optional.empty();
        }
        // Batch scoring and tagging jobs live in the same table; their work runs in batch-worker.
        AttributeValue jobKind = image.get(TrainingTable.JOB_KIND);
        if (jobKind != null && !JobKind.TRAIN.value().equals(jobKind.getS())) {
            return Optional.empty();
        }
        return Optional.of(id.getS());
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(Level.WARNING);
        return logger;
    }
}
