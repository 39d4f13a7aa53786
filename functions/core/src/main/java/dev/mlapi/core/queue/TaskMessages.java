package dev.mlapi.core.queue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * How a job's queue worker takes a batch of task messages, with Lambda's SQS semantics (one
 * message at a time, {@code ReportBatchItemFailures}): a message that is not a task goes back and
 * on to the dead-letter queue; a task that cannot succeed ({@link Permanent}) fails its job with the
 * reason and is consumed; any other failure is reported so the queue delivers it again, and on its
 * last receive the job is first recorded failed naming the task and the error, so the message
 * lands in the dead-letter queue and the job never stays running.
 *
 * @param <T> the worker's task
 */
public final class TaskMessages<T> {

    /** A task failure no retry can mend (bad rows, a model that cannot take them): its job fails now. */
    public static class Permanent extends RuntimeException {
        public Permanent(String message) {
            super(message);
        }
    }

    /** What one kind of worker knows of its tasks. */
    public interface Worker<T> {
        /** The task in a message's body; throws for a body that is not one. */
        T parse(String body);

        /** The job a task belongs to. */
        String job(T task);

        /** The task in words, for the job's failure reason ("chunk 3 (rows 61–80)"). */
        String describe(T task);

        /** Runs the task; {@link Permanent} for a failure no retry can mend. */
        void run(T task);

        /** Records job {@code job} failed for {@code reason}; false if it had already finished. */
        boolean fail(String job, String reason);
    }

    private final Worker<T> worker;
    private final int maxReceives;
    private final Logger log;

    public TaskMessages(Worker<T> worker, int maxReceives, Logger log) {
        this.worker = worker;
        this.maxReceives = maxReceives;
        this.log = log;
    }

    /** Every message of {@code event} handled; the ones to deliver again listed. */
    public SQSBatchResponse handle(SQSEvent event) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSMessage message : event.getRecords() == null ? List.<SQSMessage>of() : event.getRecords()) {
            if (!handle(message)) {
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }

    /** Whether {@code message} is done with (run, or its job failed for good). */
    private boolean handle(SQSMessage message) {
        T task;
        try {
            task = worker.parse(message.getBody());
        } catch (RuntimeException e) {
            log.error("message {} is not a task of this worker; it goes to the dead-letter queue: {}",
                    message.getMessageId(), e.toString());
            return false;
        }
        String job = worker.job(task);
        String described = worker.describe(task);
        try {
            worker.run(task);
            return true;
        } catch (Permanent e) {
            log.warn("job {}: {} failed: {}", job, described, e.getMessage());
            worker.fail(job, described + " failed: " + e.getMessage());
            return true;
        } catch (RuntimeException e) {
            int receives = receiveCount(message);
            if (receives >= maxReceives) {
                log.error("job {}: {} failed on its last receive ({} of {})", job, described, receives, maxReceives, e);
                worker.fail(job, described + " failed " + receives + " times; the last error: " + e);
            } else {
                log.warn("job {}: {} failed (receive {} of {}); it is retried", job, described, receives, maxReceives,
                        e);
            }
            return false;
        }
    }

    /** The message's {@code ApproximateReceiveCount}; 1 when it has none. */
    public static int receiveCount(SQSMessage message) {
        Map<String, String> attributes = message.getAttributes();
        String count = attributes == null ? null : attributes.get("ApproximateReceiveCount");
        try {
            return count == null ? 1 : Integer.parseInt(count);
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** An event of one first-time message with {@code body}: what a worker's priming sends itself. */
    public static SQSEvent primingEvent(String body) {
        SQSMessage message = new SQSMessage();
        message.setMessageId("priming");
        message.setBody(body);
        message.setAttributes(Map.of("ApproximateReceiveCount", "1"));
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        return event;
    }
}
