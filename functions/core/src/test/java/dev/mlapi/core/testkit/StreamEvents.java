package dev.mlapi.core.testkit;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import dev.mlapi.core.events.StreamRecords;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The {@link DynamodbEvent} Lambda hands a stream consumer for items written to a table with a
 * {@code NEW_IMAGE} stream: built by the same {@link StreamRecords}
 * conversion the local server's stream poller applies to DynamoDB Local's stream, for tests and
 * benchmarks that feed a stream function without polling a stream.
 */
public final class StreamEvents {

    private static final String STREAM_ARN =
            "arn:aws:dynamodb:us-east-1:000000000000:table/test/stream/2026-01-01T00:00:00.000";

    private StreamEvents() {
    }

    public static DynamodbEvent eventOf(List<DynamodbStreamRecord> records) {
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records);
        return event;
    }

    /**
     * The INSERT record of {@code item} (SDK attribute values, as written), keyed by {@code keyNames},
     * with stream sequence number {@code sequenceNumber}: the SDK's stream {@link Record} converted
     * by {@link StreamRecords}, as the local server's poller converts DynamoDB Local's.
     */
    public static DynamodbStreamRecord insertOf(Map<String, AttributeValue> item, List<String> keyNames,
            long sequenceNumber) {
        Map<String, AttributeValue> keys = new LinkedHashMap<>();
        keyNames.forEach(name -> keys.put(name, item.get(name)));
        Record record = Record.builder()
                .eventID(Long.toHexString(sequenceNumber))
                .eventName(OperationType.INSERT)
                .eventVersion("1.1")
                .dynamodb(software.amazon.awssdk.services.dynamodb.model.StreamRecord.builder()
                        .approximateCreationDateTime(Instant.now())
                        .keys(keys)
                        .newImage(item)
                        .sequenceNumber(String.format("%021d", sequenceNumber))
                        .sizeBytes((long) item.toString().length())
                        .streamViewType(StreamViewType.NEW_IMAGE)
                        .build())
                .build();
        return StreamRecords.toEventRecord(record, STREAM_ARN, "us-east-1");
    }
}
