package dev.mlapi.classify;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.queue.QueueWorker;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.imagestore.tagging.TaggingTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * tag-worker: runs batch tagging's tasks from the image tasks queue ({@link TaggingWorker}), each
 * message on its own. A task that cannot succeed (the pinned model is gone) fails its job with
 * the reason and is consumed; any other failure is reported ({@code batchItemFailures}) so the
 * queue delivers it again, and on its last receive the job is first recorded failed naming the
 * batch's images and the error, so the message lands in the dead-letter queue and the job never
 * stays running.
 */
public final class TagWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Primer {

    private static final Logger LOG = LoggerFactory.getLogger(TagWorkerHandler.class);

    private final ClassifyService classifier;
    private final QueueWorker<TaggingTask> tasks;

    /** Lambda's entry point: configuration from the environment, primed during init (and before a snapshot). */
    public TagWorkerHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(this);
    }

    public TagWorkerHandler(Wiring wiring) {
        this(TaggingComponents.create(wiring));
    }

    private TagWorkerHandler(TaggingComponents components) {
        this(components.worker(), components.classifier(), TaggingComponents.MAX_RECEIVES);
    }

    TagWorkerHandler(TaggingWorker worker, ClassifyService classifier, int maxReceives) {
        this.classifier = classifier;
        this.tasks = new QueueWorker<>("tag-worker", worker, maxReceives, LOG);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return tasks.handle(event, context);
    }

    /**
     * Loads the default model and classifies once (as classify primes), then runs a message through
     * the worker for a job no one can have: its read finds nothing, so nothing is written.
     */
    @Override
    public void prime() {
        classifier.prime();
        tasks.prime(TaggingTask.finish(QueueWorker.PRIMING_JOB).body());
    }
}
