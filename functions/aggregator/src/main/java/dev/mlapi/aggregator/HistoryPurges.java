package dev.mlapi.aggregator;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import dev.mlapi.core.aws.DynamoDbRequestHistory;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.requestlog.HistoryDeletion;
import dev.mlapi.core.requestlog.RequestHistory;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The background half of {@code DELETE /history}: a deletion recorded in the request log arrives
 * on its stream, and its entries are removed here, a time budget at a time. An unfinished pass
 * updates the deletion, which arrives again as a new record: the next pass continues.
 */
final class HistoryPurges {

    /** Well under the function's timeout, so a pass ends before Lambda stops it. */
    static final Duration PASS_BUDGET = Duration.ofSeconds(20);

    private final RequestHistory history;
    private final Duration budget;

    HistoryPurges(RequestHistory history, Duration budget) {
        this.history = history;
        this.budget = budget;
    }

    /** The unfinished deletion a stream record carries, if it carries one. */
    static Optional<HistoryDeletion> pendingDeletionOf(DynamodbStreamRecord record) {
        if (record.getDynamodb() == null || record.getDynamodb().getNewImage() == null
                || !("INSERT".equals(record.getEventName()) || "MODIFY".equals(record.getEventName()))) {
            return Optional.empty();
        }
        Map<String, AttributeValue> image = record.getDynamodb().getNewImage();
        if (!DynamoDbRequestHistory.KIND_DELETION.equals(string(image, DynamoDbRequestHistory.KIND))) {
            return Optional.empty();
        }
        AttributeValue completed = image.get(DynamoDbRequestHistory.COMPLETED);
        if (completed != null && Boolean.TRUE.equals(completed.getBOOL())) {
            return Optional.empty();
        }
        return Optional.of(new HistoryDeletion(
                string(image, DynamoDbRequestLog.REQUEST_ID).substring(DynamoDbRequestHistory.DELETION_ID_PREFIX.length()),
                Instant.parse(string(image, DynamoDbRequestHistory.BEFORE)),
                Optional.ofNullable(string(image, DynamoDbRequestHistory.DELETED_USER)),
                Instant.parse(string(image, DynamoDbRequestLog.CREATED_AT)),
                string(image, DynamoDbRequestHistory.REQUESTED_BY), false));
    }

    /** Whether a stream record is a deletion (finished or not) rather than a logged request. */
    static boolean isDeletion(DynamodbStreamRecord record) {
        return record.getDynamodb() != null && record.getDynamodb().getNewImage() != null
                && DynamoDbRequestHistory.KIND_DELETION.equals(
                        string(record.getDynamodb().getNewImage(), DynamoDbRequestHistory.KIND));
    }

    /** One pass over the deletion's entries; throws when storage fails, so the record is retried. */
    void purge(HistoryDeletion deletion) {
        history.purge(deletion, budget);
    }

    private static String string(Map<String, AttributeValue> image, String name) {
        AttributeValue value = image.get(name);
        return value == null ? null : value.getS();
    }
}
