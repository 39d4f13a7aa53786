package dev.mlapi.predict;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.queue.QueueWorker;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.core.runtime.Priming;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * batch-worker: runs batch scoring's tasks from the batch tasks queue ({@link BatchWorker}), each
 * message on its own. A message whose task cannot succeed (bad rows, a model that cannot take
 * them) fails its job with the reason and is consumed; any other failure is reported
 * ({@code batchItemFailures}) so the queue delivers it again, and on its last receive the job is
 * first recorded failed naming the chunk and the error, so the message lands in the dead-letter
 * queue and the job never stays running.
 */
public final class BatchWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Primer {

    private static final Logger LOG = LoggerFactory.getLogger(BatchWorkerHandler.class);

    private final PredictService predict;
    private final QueueWorker<BatchTask> tasks;

    /** Lambda's entry point: configuration from the environment, primed during init (and before a snapshot). */
    public BatchWorkerHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(this);
    }

    public BatchWorkerHandler(Wiring wiring) {
        this(BatchComponents.create(wiring));
    }

    private BatchWorkerHandler(BatchComponents components) {
        this(components.worker(), components.predict(), BatchComponents.MAX_RECEIVES);
    }

    BatchWorkerHandler(BatchWorker worker, PredictService predict, int maxReceives) {
        this.predict = predict;
        this.tasks = new QueueWorker<>("batch-worker", worker, maxReceives, LOG);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return tasks.handle(event, context);
    }

    /**
     * Starts ONNX Runtime and predicts once with the bundled tree (as predict primes), then runs a
     * message through the worker for a job no one can have: its read finds nothing, so
     * nothing is written.
     */
    @Override
    public void prime() {
        predict.prime();
        tasks.prime(BatchTask.plan(QueueWorker.PRIMING_JOB).body());
    }
}
