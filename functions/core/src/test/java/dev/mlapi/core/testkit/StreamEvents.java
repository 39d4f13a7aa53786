package dev.mlapi.core.testkit;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamViewType;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;

/**
 * The {@link DynamodbEvent} Lambda hands a stream consumer for items written to a table with a
 * {@code NEW_IMAGE} stream: field by field what the local server's stream poller
 * ({@code dev.mlapi.local.StreamRecords}) builds from DynamoDB Local's stream, for tests and
 * benchmarks that feed a stream function without polling a stream.
 */
public final class StreamEvents {

    private StreamEvents() {
    }

    public static DynamodbEvent eventOf(List<DynamodbStreamRecord> records) {
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records);
        return event;
    }

    /**
     * The INSERT record of {@code item} (SDK attribute values, as written), keyed by {@code keyNames},
     * with stream sequence number {@code sequenceNumber}.
     */
    public static DynamodbStreamRecord insertOf(Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item,
            List<String> keyNames, long sequenceNumber) {
        DynamodbStreamRecord record = new DynamodbStreamRecord();
        record.setEventID(Long.toHexString(sequenceNumber));
        record.setEventName("INSERT");
        record.setEventVersion("1.1");
        record.setEventSource("aws:dynamodb");
        record.setAwsRegion("us-east-1");
        record.setEventSourceARN("arn:aws:dynamodb:us-east-1:000000000000:table/test/stream/2026-01-01T00:00:00.000");
        StreamRecord stream = new StreamRecord();
        stream.setApproximateCreationDateTime(Date.from(Instant.now()));
        Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> keys = new LinkedHashMap<>();
        keyNames.forEach(name -> keys.put(name, item.get(name)));
        stream.setKeys(image(keys));
        stream.setNewImage(image(item));
        stream.setSequenceNumber(String.format("%021d", sequenceNumber));
        stream.setSizeBytes((long) item.toString().length());
        stream.setStreamViewType(StreamViewType.NEW_IMAGE);
        record.setDynamodb(stream);
        return record;
    }

    private static Map<String, AttributeValue> image(
            Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
        Map<String, AttributeValue> converted = new LinkedHashMap<>();
        item.forEach((name, value) -> converted.put(name, value(value)));
        return converted;
    }

    private static AttributeValue value(software.amazon.awssdk.services.dynamodb.model.AttributeValue value) {
        AttributeValue converted = new AttributeValue();
        switch (value.type()) {
            case S -> converted.setS(value.s());
            case N -> converted.setN(value.n());
            case B -> converted.setB(value.b().asByteBuffer());
            case SS -> converted.setSS(value.ss());
            case NS -> converted.setNS(value.ns());
            case BS -> converted.setBS(value.bs().stream().map(SdkBytes::asByteBuffer).toList());
            case M -> converted.setM(image(value.m()));
            case L -> converted.setL(value.l().stream().map(StreamEvents::value).toList());
            case BOOL -> converted.setBOOL(value.bool());
            case NUL -> converted.setNULL(true);
            default -> throw new IllegalArgumentException("unknown DynamoDB attribute type " + value.type());
        }
        return converted;
    }
}
