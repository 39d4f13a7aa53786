package dev.mlapi.core.events;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamViewType;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * DynamoDB Streams records (as the SDK reads them, e.g. from DynamoDB Local's stream) turned into
 * the {@link DynamodbEvent} Lambda hands a stream consumer: the same fields, names and types. The
 * local server's stream poller and the tests and benchmarks that feed a stream function directly
 * both build their events here.
 */
public final class StreamRecords {

    private StreamRecords() {
    }

    public static DynamodbEvent toEvent(List<Record> records, String streamArn, String region) {
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records.stream().map(record -> toEventRecord(record, streamArn, region)).toList());
        return event;
    }

    public static DynamodbStreamRecord toEventRecord(Record record, String streamArn, String region) {
        DynamodbStreamRecord converted = new DynamodbStreamRecord();
        converted.setEventID(record.eventID());
        converted.setEventName(record.eventNameAsString());
        converted.setEventVersion(record.eventVersion());
        converted.setEventSource("aws:dynamodb");
        converted.setAwsRegion(region);
        converted.setEventSourceARN(streamArn);
        var source = record.dynamodb();
        StreamRecord stream = new StreamRecord();
        if (source.approximateCreationDateTime() != null) {
            stream.setApproximateCreationDateTime(Date.from(source.approximateCreationDateTime()));
        }
        stream.setKeys(image(source.keys()));
        if (source.hasNewImage()) {
            stream.setNewImage(image(source.newImage()));
        }
        if (source.hasOldImage()) {
            stream.setOldImage(image(source.oldImage()));
        }
        stream.setSequenceNumber(source.sequenceNumber());
        stream.setSizeBytes(source.sizeBytes());
        if (source.streamViewTypeAsString() != null) {
            stream.setStreamViewType(StreamViewType.fromValue(source.streamViewTypeAsString()));
        }
        converted.setDynamodb(stream);
        return converted;
    }

    private static Map<String, AttributeValue> image(Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
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
            case L -> converted.setL(value.l().stream().map(StreamRecords::value).toList());
            case BOOL -> converted.setBOOL(value.bool());
            case NUL -> converted.setNULL(true);
            default -> throw new IllegalArgumentException("unknown DynamoDB attribute type " + value.type());
        }
        return converted;
    }
}
