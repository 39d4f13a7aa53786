package dev.mlapi.core.queue;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.mlapi.core.events.EventInvocations;
import org.slf4j.Logger;

/**
 * A job's queue worker as its Lambda handler runs it: each batch of task messages through
 * {@link TaskMessages} inside the function's {@link EventInvocations} scope, and priming as one
 * message for a job no one can have ({@link #PRIMING_JOB}: its read finds nothing, so nothing is written).
 *
 * @param <T> the worker's task
 */
public final class QueueWorker<T> {

    /** A job id no job has: a priming task for it reads nothing and writes nothing. */
    public static final String PRIMING_JOB = "job-" + "0".repeat(32);

    private final TaskMessages<T> messages;
    private final EventInvocations invocations;

    /** {@code function} names the invocations ({@code tag-worker}); {@code log} is the handler's. */
    public QueueWorker(String function, TaskMessages.Worker<T> worker, int maxReceives, Logger log) {
        this.messages = new TaskMessages<>(worker, maxReceives, log);
        this.invocations = new EventInvocations(function);
    }

    /** Every message of {@code event} handled; the ones to deliver again listed ({@code context}: null outside Lambda). */
    public SQSBatchResponse handle(SQSEvent event, Context context) {
        return invocations.run(context, () -> messages.handle(event));
    }

    /** Runs one first-time message with {@code body} (a task of {@link #PRIMING_JOB}); throws if it failed. */
    public void prime(String body) {
        SQSBatchResponse primed = handle(TaskMessages.primingEvent(body), null);
        if (!primed.getBatchItemFailures().isEmpty()) {
            throw new IllegalStateException("the priming message failed (see the warning above)");
        }
    }
}
