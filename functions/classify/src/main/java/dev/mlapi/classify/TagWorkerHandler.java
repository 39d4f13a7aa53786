package dev.mlapi.classify;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.events.EventInvocations;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.imagestore.tagging.TaggingTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    private final TaggingWorker worker;
    private final ClassifyService classifier;
    private final int maxReceives;
    private final EventInvocations invocations = new EventInvocations("tag-worker");

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
        this.worker = worker;
        this.classifier = classifier;
        this.maxReceives = maxReceives;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return invocations.run(context, () -> {
            List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
            for (SQSMessage message : event.getRecords() == null ? List.<SQSMessage>of() : event.getRecords()) {
                if (!handle(message)) {
                    failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                }
            }
            return new SQSBatchResponse(failures);
        });
    }

    /** Whether {@code message} is done with (run, or its job failed for good). */
    private boolean handle(SQSMessage message) {
        TaggingTask task;
        try {
            task = TaggingTask.parse(message.getBody());
        } catch (RuntimeException e) {
            LOG.error("message {} is not a tagging task; it goes to the dead-letter queue: {}", message.getMessageId(),
                    e.toString());
            return false;
        }
        try {
            worker.run(task);
            return true;
        } catch (TaggingWorker.Permanent e) {
            LOG.warn("job {}: {} failed: {}", task.job(), task.describe(), e.getMessage());
            worker.fail(task.job(), task.describe() + " failed: " + e.getMessage());
            return true;
        } catch (RuntimeException e) {
            int receives = receiveCount(message);
            if (receives >= maxReceives) {
                LOG.error("job {}: {} failed on its last receive ({} of {})", task.job(), task.describe(), receives,
                        maxReceives, e);
                worker.fail(task.job(), task.describe() + " failed " + receives + " times; the last error: " + e);
            } else {
                LOG.warn("job {}: {} failed (receive {} of {}); it is retried", task.job(), task.describe(), receives,
                        maxReceives, e);
            }
            return false;
        }
    }

    private static int receiveCount(SQSMessage message) {
        Map<String, String> attributes = message.getAttributes();
        String count = attributes == null ? null : attributes.get("ApproximateReceiveCount");
        try {
            return count == null ? 1 : Integer.parseInt(count);
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /**
     * Loads the default model and classifies once (as classify primes), then runs a message through
     * {@link #handleRequest} for a job no one can have: its read finds nothing, so nothing is written.
     */
    @Override
    public void prime() {
        classifier.prime();
        SQSMessage message = new SQSMessage();
        message.setMessageId("priming");
        message.setBody(TaggingTask.finish("job-" + "0".repeat(32)).body());
        message.setAttributes(Map.of("ApproximateReceiveCount", "1"));
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        if (!handleRequest(event, null).getBatchItemFailures().isEmpty()) {
            throw new IllegalStateException("the priming message failed (see the warning above)");
        }
    }
}
