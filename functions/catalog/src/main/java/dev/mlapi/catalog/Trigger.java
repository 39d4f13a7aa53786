package dev.mlapi.catalog;

import java.time.Duration;
import java.util.Objects;

/** What invokes an event function. */
public sealed interface Trigger {

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
     */
    record DynamoDbStream(TableSpec table, int batchSize, Duration maxBatchingWindow, int maxRetries)
            implements Trigger {

        public DynamoDbStream {
            Objects.requireNonNull(table, "table");
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
