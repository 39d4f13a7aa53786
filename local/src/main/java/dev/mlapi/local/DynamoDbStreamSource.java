package dev.mlapi.local;

import dev.mlapi.core.events.StreamRecords;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.core.testkit.LocalContext;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Lambda's DynamoDB event source mapping, for one event function in the local server: polls the
 * table's real stream in DynamoDB Local, hands the function {@link DynamodbEvent}s of up to
 * {@code batchSize} records in shard order (only the trigger's event names, as Lambda's filter
 * criteria would pass), retries from the first record the function reports
 * as failed ({@code batchItemFailures}, or the whole batch when it throws) up to
 * {@code maxRetries} times, then writes the batch's description to the function's on-failure
 * file (the stand-in for the on-failure SQS queue) and moves on. Positions are checkpointed to
 * disk, so a restart resumes where it stopped.
 */
final class DynamoDbStreamSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbStreamSource.class);
    private static final long POLL_MILLIS = 200;

    private final FunctionSpec spec;
    private final Trigger.DynamoDbStream trigger;
    private final RequestHandler<DynamodbEvent, StreamsEventResponse> handler;
    private final DynamoDbClient dynamoDb;
    private final DynamoDbStreamsClient streams;
    private final String tableName;
    private final String region;
    private final Path checkpointFile;
    private final Path failureFile;
    private final Properties checkpoints = new Properties();
    private final Map<String, String> iterators = new HashMap<>();
    /** The table's stream, looked up once (and again after a failure), not on every poll. */
    private String streamArn;
    private final ScheduledExecutorService poller;

    DynamoDbStreamSource(FunctionSpec spec, Trigger.DynamoDbStream trigger,
            RequestHandler<DynamodbEvent, StreamsEventResponse> handler, DynamoDbClient dynamoDb,
            DynamoDbStreamsClient streams, String tableName, String region, Path stateDir) {
        this.spec = spec;
        this.trigger = trigger;
        this.handler = handler;
        this.dynamoDb = dynamoDb;
        this.streams = streams;
        this.tableName = tableName;
        this.region = region;
        this.checkpointFile = stateDir.resolve(spec.name() + ".checkpoints");
        this.failureFile = stateDir.resolve(spec.name() + ".failures.jsonl");
        loadCheckpoints();
        this.poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "stream-" + spec.name());
            thread.setDaemon(true);
            return thread;
        });
    }

    void start() {
        poller.scheduleWithFixedDelay(this::pollSafely, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Where batches that failed every retry are described, one JSON line each. */
    Path failureFile() {
        return failureFile;
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warn("{}: polling the stream of {} failed; trying again", spec.name(), tableName, e);
            iterators.clear();
            streamArn = null;
        }
    }

    /** One pass over every shard: at most one batch per shard. */
    void poll() {
        if (streamArn == null) {
            streamArn = dynamoDb.describeTable(r -> r.tableName(tableName)).table().latestStreamArn();
            if (streamArn == null) {
                return;
            }
        }
        for (Shard shard : shards(streamArn)) {
            String iterator = iterators.computeIfAbsent(shard.shardId(), id -> firstIterator(streamArn, id));
            if (iterator == null) {
                continue;
            }
            GetRecordsResponse response = streams.getRecords(r -> r.shardIterator(iterator).limit(trigger.batchSize()));
            if (response.hasRecords() && !response.records().isEmpty()) {
                deliver(streamArn, shard.shardId(), response.records());
            }
            if (response.nextShardIterator() == null) {
                iterators.remove(shard.shardId());
            } else {
                iterators.put(shard.shardId(), response.nextShardIterator());
            }
        }
    }

    private List<Shard> shards(String streamArn) {
        List<Shard> shards = new ArrayList<>();
        String start = null;
        do {
            String exclusiveStart = start;
            var description = streams.describeStream(r -> r.streamArn(streamArn).exclusiveStartShardId(exclusiveStart))
                    .streamDescription();
            shards.addAll(description.shards());
            start = description.lastEvaluatedShardId();
        } while (start != null);
        return shards;
    }

    private String firstIterator(String streamArn, String shardId) {
        String after = checkpoints.getProperty(shardId);
        return streams.getShardIterator(r -> {
            r.streamArn(streamArn).shardId(shardId);
            if (after == null) {
                r.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
            } else {
                r.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(after);
            }
        }).shardIterator();
    }

    /** Invokes the function until the batch succeeds or its retries are spent, as Lambda does. */
    private void deliver(String streamArn, String shardId, List<Record> fetched) {
        // The event source mapping's filter: records of other event names are dropped, as handled.
        List<Record> batch = fetched.stream().filter(r -> trigger.delivers(r.eventNameAsString())).toList();
        if (batch.isEmpty()) {
            checkpoint(shardId, last(fetched));
            return;
        }
        for (int attempt = 0; ; attempt++) {
            String failedFrom = invoke(StreamRecords.toEvent(batch, streamArn, region));
            if (failedFrom == null) {
                checkpoint(shardId, last(fetched));
                return;
            }
            int failedIndex = indexOf(batch, failedFrom);
            if (failedIndex > 0) {
                checkpoint(shardId, batch.get(failedIndex - 1));
                batch = batch.subList(failedIndex, batch.size());
            }
            if (attempt >= trigger.maxRetries()) {
                LOG.error("{}: {} records from {} failed {} retries; described in {}", spec.name(), batch.size(),
                        sequenceOf(batch.get(0)), trigger.maxRetries(), failureFile);
                recordFailure(streamArn, shardId, batch, attempt + 1);
                checkpoint(shardId, last(fetched));
                return;
            }
            sleep(Math.min(2_000, 100L << Math.min(attempt, 4)));
        }
    }

    /** Runs the handler; the sequence number to retry from, or null when the batch succeeded. */
    private String invoke(DynamodbEvent event) {
        String requestId = UUID.randomUUID().toString();
        try {
            StreamsEventResponse response = handler.handleRequest(event, new LocalContext(requestId, spec.name(),
                    System.currentTimeMillis() + spec.timeout().toMillis()));
            if (response == null || response.getBatchItemFailures() == null || response.getBatchItemFailures().isEmpty()) {
                return null;
            }
            return response.getBatchItemFailures().get(0).getItemIdentifier();
        } catch (RuntimeException e) {
            LOG.warn("{}: invocation {} failed; the whole batch is retried", spec.name(), requestId, e);
            return event.getRecords().get(0).getDynamodb().getSequenceNumber();
        }
    }

    private static int indexOf(List<Record> batch, String sequenceNumber) {
        for (int i = 0; i < batch.size(); i++) {
            if (sequenceOf(batch.get(i)).equals(sequenceNumber)) {
                return i;
            }
        }
        // Lambda treats an identifier that is not in the batch as a failure of the whole batch.
        return 0;
    }

    private static String sequenceOf(Record record) {
        return record.dynamodb().sequenceNumber();
    }

    private static Record last(List<Record> batch) {
        return batch.get(batch.size() - 1);
    }

    private void checkpoint(String shardId, Record record) {
        checkpoints.setProperty(shardId, sequenceOf(record));
        try (Writer writer = Files.newBufferedWriter(checkpointFile, StandardCharsets.UTF_8)) {
            checkpoints.store(writer, spec.name() + ": last stream record handled, per shard");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot checkpoint " + checkpointFile, e);
        }
    }

    private void loadCheckpoints() {
        if (Files.isRegularFile(checkpointFile)) {
            try (Reader reader = Files.newBufferedReader(checkpointFile, StandardCharsets.UTF_8)) {
                checkpoints.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + checkpointFile, e);
            }
        }
    }

    /** What Lambda sends to an on-failure destination for a stream batch: where it is, not the records. */
    private void recordFailure(String streamArn, String shardId, List<Record> batch, int attempts) {
        String line = String.format("{\"function\":\"%s\",\"streamArn\":\"%s\",\"shardId\":\"%s\","
                        + "\"startSequenceNumber\":\"%s\",\"endSequenceNumber\":\"%s\",\"batchSize\":%d,"
                        + "\"attempts\":%d,\"failedAt\":\"%s\"}%n",
                spec.name(), streamArn, shardId, sequenceOf(batch.get(0)), sequenceOf(last(batch)), batch.size(),
                attempts, Instant.now());
        try {
            Files.writeString(failureFile, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + failureFile, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying a batch", e);
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
        try {
            poller.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
