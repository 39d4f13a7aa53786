package dev.mlapi.train;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamViewType;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * The stream batch the worker primes with: one record inserting a queued job, shaped as Lambda
 * hands the jobs table's stream to the function ({@code events/train-worker-job-inserted.json}),
 * for {@link #JOB_ID}, which no job can have (ids are {@code job-} and hex), so the worker's claim
 * fails its condition and nothing is written.
 */
final class PrimingBatch {

    /** Not an id {@link TrainIds} can make: the claim finds no job, and a failed condition creates no item. */
    static final String JOB_ID = "~priming";

    private PrimingBatch() {
    }

    static DynamodbEvent jobInserted() {
        Map<String, AttributeValue> keys = Map.of(TrainingTable.ID, new AttributeValue().withS(JOB_ID));
        StreamRecord stream = new StreamRecord();
        stream.setApproximateCreationDateTime(new Date());
        stream.setKeys(keys);
        stream.setNewImage(Map.of(TrainingTable.ID, new AttributeValue().withS(JOB_ID),
                TrainingTable.KIND, new AttributeValue().withS(TrainingTable.JOB),
                TrainingTable.STATUS, new AttributeValue().withS(JobStatus.QUEUED.value()),
                TrainingTable.ATTEMPTS, new AttributeValue().withN("0")));
        stream.setSequenceNumber("0");
        stream.setSizeBytes(64L);
        stream.setStreamViewType(StreamViewType.NEW_IMAGE);
        DynamodbStreamRecord record = new DynamodbStreamRecord();
        record.setEventID("priming");
        record.setEventName("INSERT");
        record.setEventVersion("1.1");
        record.setEventSource("aws:dynamodb");
        record.setDynamodb(stream);
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(List.of(record));
        return event;
    }
}
