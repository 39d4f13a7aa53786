package dev.mlapi.aggregator;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.requestlog.HistoryDeletion;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds a batch of the request log's stream records to the per-day counters, in stream order.
 *
 * <p>Consecutive records of one day become one atomic update. When an update fails, the batch
 * reports the first record of that run as failed: Lambda (and the local server) retries from
 * there, so runs before it are not counted twice and nothing after it is skipped. Records that
 * are not new request-log entries (a removal by TTL, an entry without a day) count nothing. A
 * recorded history deletion starts (or continues) the removal of the entries it covers.
 */
public final class RequestLogAggregator {

    private static final Logger LOG = LoggerFactory.getLogger(RequestLogAggregator.class);

    private final RequestStats stats;
    private final Optional<HistoryPurges> purges;

    /** An aggregator that only counts (deletions recorded in the log are left alone). */
    public RequestLogAggregator(RequestStats stats) {
        this(stats, Optional.empty());
    }

    RequestLogAggregator(RequestStats stats, Optional<HistoryPurges> purges) {
        this.stats = stats;
        this.purges = purges;
    }

    public StreamsEventResponse aggregate(List<DynamodbStreamRecord> records) {
        int runStart = 0;
        DayTotals run = null;
        for (int i = 0; i < records.size(); i++) {
            if (HistoryPurges.isDeletion(records.get(i))) {
                // Counts before the deletion are written first, so a retry from here counts nothing twice.
                if (run != null && !write(run)) {
                    return failedFrom(records.get(runStart));
                }
                run = null;
                if (!purge(records.get(i))) {
                    return failedFrom(records.get(i));
                }
                continue;
            }
            Optional<Entry> entry = entryOf(records.get(i));
            if (entry.isEmpty()) {
                continue;
            }
            if (run != null && !run.day().equals(entry.get().day())) {
                if (!write(run)) {
                    return failedFrom(records.get(runStart));
                }
                run = null;
            }
            if (run == null) {
                run = DayTotals.empty(entry.get().day());
                runStart = i;
            }
            run = run.plus(entry.get().status(), entry.get().seconds());
        }
        if (run != null && !write(run)) {
            return failedFrom(records.get(runStart));
        }
        return StreamsEventResponse.builder().withBatchItemFailures(List.of()).build();
    }

    private boolean write(DayTotals totals) {
        try {
            stats.add(totals);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("could not add {} requests to {}; the batch is retried from there", totals.requests(),
                    totals.day(), e);
            return false;
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

    private record Entry(String day, int status, double seconds) {
    }

    private static Optional<Entry> entryOf(DynamodbStreamRecord record) {
        if (!"INSERT".equals(record.getEventName()) || record.getDynamodb() == null
                || record.getDynamodb().getNewImage() == null) {
            return Optional.empty();
        }
        Map<String, AttributeValue> image = record.getDynamodb().getNewImage();
        try {
            String day = image.get(DynamoDbRequestLog.DAY).getS();
            int status = Integer.parseInt(image.get(DynamoDbRequestLog.STATUS_CODE).getN());
            AttributeValue time = image.get(DynamoDbRequestLog.PROCESSING_TIME);
            double seconds = time == null || time.getN() == null ? 0 : Double.parseDouble(time.getN());
            return day == null ? Optional.empty() : Optional.of(new Entry(day, status, seconds));
        } catch (RuntimeException malformed) {
            // A record that can never be counted must not stop the stream: log it and go on.
            LOG.warn("skipping request-log record {}: not an entry this aggregator can read ({})",
                    record.getDynamodb().getSequenceNumber(), malformed.toString());
            return Optional.empty();
        }
    }
}
