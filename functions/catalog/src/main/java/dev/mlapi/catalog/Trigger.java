package dev.mlapi.catalog;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What invokes an event function.
 *
 * <p>Code that treats kinds differently (the catalog's grants, the CDK stack, the SAM template,
 * the local server) goes through {@link #match}, one function per kind: a new kind adds a
 * parameter there, so every such place stops compiling until it handles the kind. (Java 17 has
 * no exhaustive {@code switch} over a sealed interface without preview features; this is its
 * equivalent.)
 */
public sealed interface Trigger {

    /** The result of the function given for this trigger's kind. */
    <R> R match(Function<DynamoDbStream, R> onDynamoDbStream, Function<Sqs, R> onSqs, Function<Schedule, R> onSchedule);

    /** Runs the action given for this trigger's kind. */
    default void visit(Consumer<DynamoDbStream> onDynamoDbStream, Consumer<Sqs> onSqs, Consumer<Schedule> onSchedule) {
        match(stream -> {
            onDynamoDbStream.accept(stream);
            return null;
        }, sqs -> {
            onSqs.accept(sqs);
            return null;
        }, schedule -> {
            onSchedule.accept(schedule);
            return null;
        });
    }

    /**
     * A schedule: an EventBridge rule invokes the function with a scheduled event ({@code
     * "detail-type": "Scheduled Event"}) at a rate or on a cron expression, in UTC. Invocations are
     * asynchronous: Lambda retries a failed one twice, and a run that failed for good is only in
     * the function's logs and its error alarm, so a scheduled job must be safe to run again (the
     * next run picks up what this one left). The local server runs the function on a timer.
     *
     * @param expression {@code rate(6 hours)} or {@code cron(15 3 * * ? *)}, checked as EventBridge checks it
     */
    record Schedule(String expression) implements Trigger {

        public Schedule {
            ScheduleExpression.parse(expression);
        }

        @Override
        public <R> R match(Function<DynamoDbStream, R> onDynamoDbStream, Function<Sqs, R> onSqs,
                Function<Schedule, R> onSchedule) {
            return onSchedule.apply(this);
        }

        /** The expression parsed: when the next run is due. */
        public ScheduleExpression parsed() {
            return ScheduleExpression.parse(expression);
        }

        /**
         * The rule's name suffix and the SAM event's name: {@code Schedule}. One schedule per
         * function, so the function's logical name makes it unique ({@code ImageSweeperSchedule}).
         */
        public static final String EVENT_NAME = "Schedule";
    }

    /**
     * An SQS queue of tasks ({@link QueueCatalog}). Lambda (and the local server) receives up to
     * {@code batchSize} messages, invokes the function with them and deletes those not listed
     * in its {@code batchItemFailures} ({@code ReportBatchItemFailures} is always on); a failed
     * message is delivered again after the queue's visibility timeout, and after the queue's
     * {@code maxReceiveCount} receives it moves to the queue's dead-letter queue. An exception
     * thrown by the function fails the whole batch.
     *
     * @param queue             the queue consumed
     * @param batchSize         messages per invocation, 1..10
     * @param maxConcurrency    the event source's maximum concurrent invocations, 2..1000 (Lambda's bounds)
     * @param maxBatchingWindow how long to gather messages before invoking, at most 300 s
     */
    record Sqs(QueueSpec queue, int batchSize, int maxConcurrency, Duration maxBatchingWindow) implements Trigger {

        public Sqs {
            Objects.requireNonNull(queue, "queue");
            Objects.requireNonNull(maxBatchingWindow, "maxBatchingWindow");
            if (batchSize < 1 || batchSize > 10) {
                throw new IllegalArgumentException(queue.logicalId() + ": batch size must be 1..10, got " + batchSize);
            }
            if (maxConcurrency < 2 || maxConcurrency > 1000) {
                throw new IllegalArgumentException(queue.logicalId() + ": maximum concurrency must be 2..1000 (Lambda's"
                        + " bounds), got " + maxConcurrency);
            }
            if (maxBatchingWindow.isNegative() || maxBatchingWindow.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException(queue.logicalId() + ": batching window must be 0..300 s, got "
                        + maxBatchingWindow);
            }
        }

        @Override
        public <R> R match(Function<DynamoDbStream, R> onDynamoDbStream, Function<Sqs, R> onSqs,
                Function<Schedule, R> onSchedule) {
            return onSqs.apply(this);
        }

        /** The queue as a resource to grant on. */
        public Resource resource() {
            return Resource.of(queue);
        }

        /** The actions Lambda's event source mapping needs on the queue, granted to the function's role. */
        public Grant consumeGrant() {
            return Grant.of(resource(), "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                    "sqs:ChangeMessageVisibility");
        }
    }

    /**
     * The stream of a DynamoDB table, from its oldest record. Lambda (and the local server)
     * delivers records in order per shard, in batches; the function reports the first record it
     * could not process ({@code batchItemFailures}) and the batch is retried from there, at most
     * {@code maxRetries} times; then the batch's description goes to the function's on-failure
     * queue and the stream moves on.
     *
     * @param table           a table with {@link TableSpec#streamsNewImages()}
     * @param batchSize       records per invocation, 1..10000
     * @param maxBatchingWindow how long to gather records before invoking, at most 300 s
     * @param maxRetries      retries of a failing batch, 0..10000
     * @param eventNames      the records delivered ({@code INSERT}, {@code MODIFY}, {@code REMOVE});
     *                        empty for all. Others are dropped before the function is invoked (in AWS
     *                        by the event source mapping's filter criteria) and count as handled.
     */
    record DynamoDbStream(TableSpec table, int batchSize, Duration maxBatchingWindow, int maxRetries,
            Set<String> eventNames) implements Trigger {

        private static final Set<String> EVENT_NAMES = Set.of("INSERT", "MODIFY", "REMOVE");

        /** Every record of the stream. */
        public DynamoDbStream(TableSpec table, int batchSize, Duration maxBatchingWindow, int maxRetries) {
            this(table, batchSize, maxBatchingWindow, maxRetries, Set.of());
        }

        public DynamoDbStream {
            Objects.requireNonNull(table, "table");
            eventNames = new TreeSet<>(eventNames);
            if (!EVENT_NAMES.containsAll(eventNames)) {
                throw new IllegalArgumentException("stream event names are " + new TreeSet<>(EVENT_NAMES) + ", got "
                        + eventNames);
            }
            if (!table.streamsNewImages()) {
                throw new IllegalArgumentException(table.logicalId() + " has no stream");
            }
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException("batch size must be 1..10000, got " + batchSize);
            }
            if (maxBatchingWindow.isNegative() || maxBatchingWindow.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("batching window must be 0..300 s, got " + maxBatchingWindow);
            }
            if (maxRetries < 0 || maxRetries > 10_000) {
                throw new IllegalArgumentException("max retries must be 0..10000, got " + maxRetries);
            }
        }

        @Override
        public <R> R match(Function<DynamoDbStream, R> onDynamoDbStream, Function<Sqs, R> onSqs,
                Function<Schedule, R> onSchedule) {
            return onDynamoDbStream.apply(this);
        }

        /** Only the records of these event names, e.g. {@code withEventNames("INSERT")}. */
        public DynamoDbStream withEventNames(String... names) {
            return new DynamoDbStream(table, batchSize, maxBatchingWindow, maxRetries, Set.of(names));
        }

        /** Whether a record of {@code eventName} is delivered to the function. */
        public boolean delivers(String eventName) {
            return eventNames.isEmpty() || eventNames.contains(eventName);
        }

        /**
         * The event source mapping's filter pattern, as Lambda's {@code FilterCriteria} takes it
         * ({@code {"eventName":["INSERT"]}}); empty when every record is delivered.
         */
        public Optional<String> filterPattern() {
            if (eventNames.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of("{\"eventName\":[" + String.join(",", eventNames.stream().map(n -> "\"" + n + "\"").toList())
                    + "]}");
        }

        /** The actions Lambda's event source mapping needs on the stream, granted to the function's role. */
        public Grant streamReadGrant() {
            return Grant.of(streamOf(table), "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams");
        }

        private static Resource streamOf(TableSpec table) {
            for (Resource resource : Resource.values()) {
                if (resource.kind() == Resource.Kind.TABLE_STREAM
                        && resource.logicalId().orElse("").equals(table.logicalId())) {
                    return resource;
                }
            }
            throw new IllegalStateException("no stream resource for " + table.logicalId() + " in Resource");
        }
    }
}
