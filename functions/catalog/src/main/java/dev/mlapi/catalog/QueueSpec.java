package dev.mlapi.catalog;

import java.time.Duration;
import java.util.Objects;

/**
 * One SQS queue of tasks as the code expects it, with its dead-letter queue. The stack, the SAM
 * template, the local server (ElasticMQ) and the tests create both queues from here.
 *
 * <p>The dead-letter queue is derived: {@link #deadLetterLogicalId()}, {@link #deadLetterLocalName()},
 * kept {@link #DEAD_LETTER_RETENTION}. A message received {@code maxReceiveCount} times without
 * being deleted moves there (SQS's redrive policy).
 *
 * @param logicalId         its CloudFormation logical id in {@code template.yaml} and its CDK construct id
 * @param envVar            the variable that tells a function the queue's URL
 * @param localName         the queue's name in the local server's ElasticMQ (and in tests)
 * @param visibilityTimeout how long a received message stays hidden before it is delivered again;
 *                          at least 6 × the consuming function's timeout, as Lambda recommends
 * @param maxReceiveCount   receives before a message goes to the dead-letter queue
 */
public record QueueSpec(String logicalId, String envVar, String localName, Duration visibilityTimeout,
        int maxReceiveCount) {

    /** How long the dead-letter queue keeps a message: SQS's maximum, time to look and replay. */
    public static final Duration DEAD_LETTER_RETENTION = Duration.ofDays(14);
    /** SQS's longest visibility timeout. */
    public static final Duration MAX_VISIBILITY_TIMEOUT = Duration.ofHours(12);

    public QueueSpec {
        Objects.requireNonNull(logicalId, "logicalId");
        Objects.requireNonNull(envVar, "envVar");
        Objects.requireNonNull(localName, "localName");
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        if (!logicalId.matches("[A-Z][A-Za-z0-9]*")) {
            throw new IllegalArgumentException("queue logical id must be alphanumeric, got " + logicalId);
        }
        // The dead-letter queue's name adds 13 characters; SQS allows 80.
        if (!localName.matches("[a-z][a-z0-9-]{0,66}")) {
            throw new IllegalArgumentException("queue name must be 1..67 of [a-z0-9-], got " + localName);
        }
        if (visibilityTimeout.isNegative() || visibilityTimeout.compareTo(MAX_VISIBILITY_TIMEOUT) > 0) {
            throw new IllegalArgumentException(logicalId + ": visibility timeout must be 0..12 h, got " + visibilityTimeout);
        }
        if (maxReceiveCount < 1 || maxReceiveCount > 1000) {
            throw new IllegalArgumentException(logicalId + ": max receive count must be 1..1000, got " + maxReceiveCount);
        }
    }

    /** The dead-letter queue's logical id: {@code TrainingTasksQueue} → {@code TrainingTasksQueueDeadLetters}. */
    public String deadLetterLogicalId() {
        return logicalId + "DeadLetters";
    }

    /** The dead-letter queue's local name: {@code mlapi-training-tasks} → {@code mlapi-training-tasks-dead-letters}. */
    public String deadLetterLocalName() {
        return localName + "-dead-letters";
    }
}
