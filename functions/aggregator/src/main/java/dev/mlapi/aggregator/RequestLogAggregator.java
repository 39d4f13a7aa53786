package dev.mlapi.aggregator;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.drift.DriftCounts;
import dev.mlapi.core.requestlog.HistoryDeletion;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.rollup.RequestRollups;
import dev.mlapi.core.rollup.RollupsIncomplete;
import dev.mlapi.core.runtime.Primer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges a batch of the request log's stream records into the hourly rollups, in stream order.
 *
 * <p>The batch's entries are merged into few writes ({@link RequestRollups#applyAll}: one
 * transaction for dozens of entries, not one per entry), each entry exactly once, so when a write
 * fails the batch reports its first record not rolled up as failed: Lambda (and the local server)
 * retries from there, and records applied before it, if delivered again, change nothing. Records
 * that are not new request-log entries (a removal by TTL or purge, an unreadable image) count nothing. A
 * recorded history deletion starts (or continues) the removal of the entries it covers.
 */
public final class RequestLogAggregator implements Primer {

    private static final Logger LOG = LoggerFactory.getLogger(RequestLogAggregator.class);

    private final RequestRollups rollups;
    private final Optional<HistoryPurges> purges;
    private final Optional<DriftCounts> drift;
    private final Optional<GuardrailEvaluator> guardrails;

    /** An aggregator that only rolls up (deletions recorded in the log are left alone). */
    public RequestLogAggregator(RequestRollups rollups) {
        this(rollups, Optional.empty());
    }

    RequestLogAggregator(RequestRollups rollups, Optional<HistoryPurges> purges) {
        this(rollups, purges, Optional.empty());
    }

    /** An aggregator that also adds the served inputs' bucket counts up per version and hour ({@link DriftCounts}). */
    RequestLogAggregator(RequestRollups rollups, Optional<HistoryPurges> purges, Optional<DriftCounts> drift) {
        this(rollups, purges, drift, Optional.empty());
    }

    /**
     * @param drift adds the served inputs' bucket counts up per version and hour
     * @param guardrails judges the canaries that served in each batch, once the batch is rolled up
     */
    RequestLogAggregator(RequestRollups rollups, Optional<HistoryPurges> purges, Optional<DriftCounts> drift,
            Optional<GuardrailEvaluator> guardrails) {
        this.rollups = rollups;
        this.purges = purges;
        this.drift = drift;
        this.guardrails = guardrails;
    }

    /**
     * Reads a synthetic stream record as a real one and rehearses its rollup transaction, which
     * DynamoDB refuses: the conversion, the sketch and the transaction's path warm, nothing written.
     */
    @Override
    public void prime() {
        entryOf(primingRecord()).ifPresent(rollups::rehearse);
    }

    private static DynamodbStreamRecord primingRecord() {
        String now = Instant.now().toString();
        Map<String, AttributeValue> image = new HashMap<>();
        image.put(DynamoDbRequestLog.REQUEST_ID, new AttributeValue().withS("priming-" + UUID.randomUUID()));
        image.put(DynamoDbRequestLog.CREATED_AT, new AttributeValue().withS(now));
        image.put(DynamoDbRequestLog.DAY, new AttributeValue().withS(now.substring(0, 10)));
        image.put(DynamoDbRequestLog.ROUTE, new AttributeValue().withS("GET /health"));
        image.put(DynamoDbRequestLog.METHOD, new AttributeValue().withS("GET"));
        image.put(DynamoDbRequestLog.PATH, new AttributeValue().withS("/health"));
        image.put(DynamoDbRequestLog.STATUS_CODE, new AttributeValue().withN("200"));
        image.put(DynamoDbRequestLog.PROCESSING_TIME, new AttributeValue().withN("0.001"));
        image.put(DynamoDbRequestLog.INPUT_SIZE, new AttributeValue().withN("0"));
        image.put(DynamoDbRequestLog.EXPIRES_AT, new AttributeValue().withN("0"));
        DynamodbStreamRecord record = new DynamodbStreamRecord();
        record.setEventName("INSERT");
        record.setDynamodb(new StreamRecord().withNewImage(image).withSequenceNumber("0"));
        return record;
    }

    public StreamsEventResponse aggregate(List<DynamodbStreamRecord> records) {
        List<DynamodbStreamRecord> requests = new ArrayList<>();
        for (DynamodbStreamRecord record : records) {
            if (!HistoryPurges.isDeletion(record)) {
                requests.add(record);
                continue;
            }
            // The requests before a deletion are counted before it removes what it covers.
            Optional<DynamodbStreamRecord> failed = rollUp(requests).or(() -> purge(record) ? Optional.empty()
                    : Optional.of(record));
            if (failed.isPresent()) {
                return failedFrom(failed.get());
            }
            requests.clear();
        }
        return rollUp(requests).map(RequestLogAggregator::failedFrom)
                .orElseGet(() -> StreamsEventResponse.builder().withBatchItemFailures(List.of()).build());
    }

    /** Rolls up the entries these records inserted; the first record not rolled up, if a write failed. */
    private Optional<DynamodbStreamRecord> rollUp(List<DynamodbStreamRecord> records) {
        List<DynamodbStreamRecord> counted = new ArrayList<>();
        List<RequestLogEntry> entries = new ArrayList<>();
        for (DynamodbStreamRecord record : records) {
            entryOf(record).ifPresent(entry -> {
                counted.add(record);
                entries.add(entry);
            });
        }
        if (entries.isEmpty()) {
            return Optional.empty();
        }
        try {
            int applied = rollups.applyAll(entries);
            if (applied < entries.size()) {
                LOG.info("{} of {} requests were already rolled up: a redelivered batch, counted once",
                        entries.size() - applied, entries.size());
            }
            guardrails.ifPresent(g -> g.afterBatch(entries));
        } catch (RollupsIncomplete e) {
            LOG.warn("could not roll up request {}; the batch is retried from there",
                    entries.get(e.applied()).requestId(), e);
            return Optional.of(counted.get(e.applied()));
        } catch (RuntimeException e) {
            LOG.warn("could not roll up request {}; the batch is retried from there", entries.get(0).requestId(), e);
            return Optional.of(counted.get(0));
        }
        return countInputs(counted, entries);
    }

    /**
     * Adds the entries' served input counts to their versions' hours (after the rollups: a retry
     * from a failed record finds the rollups of the records before it applied, and adds nothing twice).
     */
    private Optional<DynamodbStreamRecord> countInputs(List<DynamodbStreamRecord> counted, List<RequestLogEntry> entries) {
        if (drift.isEmpty()) {
            return Optional.empty();
        }
        try {
            drift.get().applyAll(entries);
            return Optional.empty();
        } catch (RollupsIncomplete e) {
            LOG.warn("could not count the inputs of request {}; the batch is retried from there",
                    entries.get(e.applied()).requestId(), e);
            return Optional.of(counted.get(e.applied()));
        }
    }

    private boolean purge(DynamodbStreamRecord record) {
        Optional<HistoryDeletion> deletion = HistoryPurges.pendingDeletionOf(record);
        if (deletion.isEmpty() || purges.isEmpty()) {
            return true;
        }
        try {
            purges.get().purge(deletion.get());
            return true;
        } catch (RuntimeException e) {
            LOG.warn("could not remove the history covered by deletion {}; the batch is retried from there",
                    deletion.get().id(), e);
            return false;
        }
    }

    private static StreamsEventResponse failedFrom(DynamodbStreamRecord record) {
        return StreamsEventResponse.builder()
                .withBatchItemFailures(List.of(StreamsEventResponse.BatchItemFailure.builder()
                        .withItemIdentifier(record.getDynamodb().getSequenceNumber())
                        .build()))
                .build();
    }

    /** The request-log entry a stream record inserted, if it is one this aggregator can read. */
    static Optional<RequestLogEntry> entryOf(DynamodbStreamRecord record) {
        if (!"INSERT".equals(record.getEventName()) || record.getDynamodb() == null
                || record.getDynamodb().getNewImage() == null) {
            return Optional.empty();
        }
        Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item = new HashMap<>();
        record.getDynamodb().getNewImage().forEach((name, value) -> toSdk(value).ifPresent(v -> item.put(name, v)));
        try {
            if (!item.containsKey(DynamoDbRequestLog.STATUS_CODE) || !item.containsKey(DynamoDbRequestLog.DAY)) {
                throw new IllegalArgumentException("no " + DynamoDbRequestLog.STATUS_CODE + " or "
                        + DynamoDbRequestLog.DAY);
            }
            return Optional.of(DynamoDbRequestLog.fromItem(item));
        } catch (RuntimeException malformed) {
            // A record that can never be counted must not stop the stream: log it and go on.
            LOG.warn("skipping request-log record {}: not an entry this aggregator can read ({})",
                    record.getDynamodb().getSequenceNumber(), malformed.toString());
            return Optional.empty();
        }
    }

    private static Optional<software.amazon.awssdk.services.dynamodb.model.AttributeValue> toSdk(AttributeValue value) {
        if (value.getS() != null) {
            return Optional.of(software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(value.getS()));
        }
        if (value.getN() != null) {
            return Optional.of(software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN(value.getN()));
        }
        if (value.getBOOL() != null) {
            return Optional.of(software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromBool(value.getBOOL()));
        }
        return Optional.empty();
    }
}
