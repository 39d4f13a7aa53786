package dev.mlapi.train;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.aws.SdkErrors;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * The training table in DynamoDB: jobs and datasets, one item each ({@link #KIND}), listed newest
 * first through {@link TableCatalog#TRAINING_BY_OWNER} (one owner's) and
 * {@link TableCatalog#TRAINING_BY_KIND} (everyone's). Every change of a job's status is a
 * conditional update on the status it leaves (and, for a worker, on its own attempt number), so a
 * redelivered or superseded worker, a cancellation and a staleness check can never overwrite each
 * other's outcome.
 */
final class TrainingTable {

    static final String ID = TableCatalog.TRAINING_JOBS.partitionKey();
    static final String KIND = "kind";
    static final String OWNER = "owner";
    static final String OWNER_KIND = "owner_kind";
    static final String CREATED_AT = "created_at";
    static final String EXPIRES_AT = TableCatalog.TRAINING_JOBS.ttlAttribute().orElseThrow();
    static final String STATUS = "status";
    static final String MODEL_NAME = "model_name";
    static final String ALGORITHM = "algorithm";
    static final String TASK = "task";
    static final String REQUEST = "request";
    static final String DATASET_KEY = "dataset_key";
    static final String DATASET_ID = "dataset_id";
    static final String STARTED_AT = "started_at";
    static final String FINISHED_AT = "finished_at";
    static final String DONE = "done";
    static final String TOTAL = "total";
    static final String ATTEMPTS = "attempts";
    static final String ATTEMPT_STARTED_AT = "attempt_started_at";
    static final String HEARTBEAT_AT = "heartbeat_at";
    static final String ERROR = "error";
    static final String RESULT = "result";
    static final String NAME = "name";
    static final String SIZE = "size";
    static final String SHA256 = "sha256";
    static final String OBJECT_KEY = "object_key";

    static final String JOB = "job";
    static final String DATASET = "dataset";

    /** Fixed width, so that string order is time order in the indexes. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** Where a listing stopped: the last item's creation time and id. */
    record Position(String createdAt, String id) {
    }

    /** A page of a listing. */
    record Slice<T>(List<T> items, Optional<Position> next) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;

    TrainingTable(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    // ---------------------------------------------------------------- jobs

    void createJob(TrainingJob job, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ID, s(job.id()));
        item.put(KIND, s(JOB));
        item.put(OWNER, s(job.owner()));
        item.put(OWNER_KIND, s(job.owner() + "#" + JOB));
        item.put(CREATED_AT, s(time(job.createdAt())));
        item.put(EXPIRES_AT, n(expiresAt.getEpochSecond()));
        item.put(STATUS, s(job.status().value()));
        item.put(MODEL_NAME, s(job.modelName()));
        item.put(ALGORITHM, s(job.algorithm()));
        item.put(TASK, s(job.task()));
        item.put(REQUEST, s(job.request()));
        item.put(DATASET_KEY, s(job.datasetKey()));
        job.datasetId().ifPresent(id -> item.put(DATASET_ID, s(id)));
        item.put(DONE, n(job.done()));
        item.put(TOTAL, n(job.total()));
        item.put(ATTEMPTS, n(job.attempts()));
        call(() -> dynamoDb.putItem(r -> r.tableName(table).item(item)
                .conditionExpression("attribute_not_exists(#id)").expressionAttributeNames(Map.of("#id", ID))));
    }

    Optional<TrainingJob> findJob(String id) {
        return find(id).filter(item -> JOB.equals(text(item, KIND))).map(TrainingTable::job);
    }

    /**
     * Starts an attempt: running, attempts + 1, if the job is queued or running with fewer than
     * {@code maxAttempts} attempts. Empty when it is finished or out of attempts.
     */
    Optional<TrainingJob> claim(String id, int maxAttempts, Instant now) {
        try {
            var response = call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id))
                    .updateExpression("SET #status = :running, #attempt_started = :now, #heartbeat = :now,"
                            + " #started = if_not_exists(#started, :now) ADD #attempts :one")
                    .conditionExpression("#kind = :job AND #status IN (:queued, :running) AND #attempts < :max")
                    .expressionAttributeNames(Map.of("#status", STATUS, "#attempt_started", ATTEMPT_STARTED_AT,
                            "#heartbeat", HEARTBEAT_AT, "#started", STARTED_AT, "#attempts", ATTEMPTS, "#kind", KIND))
                    .expressionAttributeValues(Map.of(":running", s(JobStatus.RUNNING.value()), ":now", s(time(now)),
                            ":one", n(1), ":job", s(JOB), ":queued", s(JobStatus.QUEUED.value()), ":max", n(maxAttempts)))
                    .returnValues(ReturnValue.ALL_NEW)));
            return Optional.of(job(response.attributes()));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /** Records progress of attempt {@code attempt}; false if the job is no longer that attempt's to run. */
    boolean reportProgress(String id, int attempt, int done, Instant now) {
        return conditionalUpdate(id, "SET #done = :done, #heartbeat = :now",
                Map.of("#done", DONE, "#heartbeat", HEARTBEAT_AT),
                Map.of(":done", n(done), ":now", s(time(now))), attempt);
    }

    /** Attempt {@code attempt} succeeded; false if the job was cancelled (or superseded) meanwhile. */
    boolean succeed(String id, int attempt, int total, String result, Instant now) {
        return conditionalUpdate(id, "SET #status = :succeeded, #done = :total, #result = :result, #finished = :now,"
                        + " #heartbeat = :now",
                Map.of("#status", STATUS, "#done", DONE, "#result", RESULT, "#finished", FINISHED_AT,
                        "#heartbeat", HEARTBEAT_AT),
                Map.of(":succeeded", s(JobStatus.SUCCEEDED.value()), ":total", n(total), ":result", s(result),
                        ":now", s(time(now))), attempt);
    }

    /** Attempt {@code attempt} failed for {@code reason}; false if the job is no longer that attempt's. */
    boolean fail(String id, int attempt, String reason, Instant now) {
        return conditionalUpdate(id, "SET #status = :failed, #error = :error, #finished = :now",
                Map.of("#status", STATUS, "#error", ERROR, "#finished", FINISHED_AT),
                Map.of(":failed", s(JobStatus.FAILED.value()), ":error", s(reason), ":now", s(time(now))), attempt);
    }

    /**
     * Fails a job that is still in {@code expected} status with {@code attempts} attempts (a
     * staleness verdict on exactly what was read); false if anything changed since.
     */
    boolean failUnchanged(String id, JobStatus expected, int attempts, String reason, Instant now) {
        try {
            call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id))
                    .updateExpression("SET #status = :failed, #error = :error, #finished = :now")
                    .conditionExpression("#status = :expected AND #attempts = :attempts")
                    .expressionAttributeNames(Map.of("#status", STATUS, "#error", ERROR, "#finished", FINISHED_AT,
                            "#attempts", ATTEMPTS))
                    .expressionAttributeValues(Map.of(":failed", s(JobStatus.FAILED.value()), ":error", s(reason),
                            ":now", s(time(now)), ":expected", s(expected.value()), ":attempts", n(attempts)))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Cancels a queued or running job; false if it had already finished (or does not exist). */
    boolean cancel(String id, String by, Instant now) {
        try {
            call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id))
                    .updateExpression("SET #status = :cancelled, #error = :error, #finished = :now")
                    .conditionExpression("#kind = :job AND #status IN (:queued, :running)")
                    .expressionAttributeNames(Map.of("#status", STATUS, "#error", ERROR, "#finished", FINISHED_AT,
                            "#kind", KIND))
                    .expressionAttributeValues(Map.of(":cancelled", s(JobStatus.CANCELLED.value()),
                            ":error", s("cancelled by " + by), ":now", s(time(now)), ":job", s(JOB),
                            ":queued", s(JobStatus.QUEUED.value()), ":running", s(JobStatus.RUNNING.value())))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    Slice<TrainingJob> listJobs(Optional<String> owner, Optional<Position> after, int limit) {
        Slice<Map<String, AttributeValue>> slice = list(JOB, owner, after, limit);
        return new Slice<>(slice.items().stream().map(TrainingTable::job).toList(), slice.next());
    }

    // ---------------------------------------------------------------- datasets

    void createDataset(TrainingDataset dataset) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ID, s(dataset.id()));
        item.put(KIND, s(DATASET));
        item.put(OWNER, s(dataset.owner()));
        item.put(OWNER_KIND, s(dataset.owner() + "#" + DATASET));
        item.put(CREATED_AT, s(time(dataset.createdAt())));
        item.put(NAME, s(dataset.name()));
        item.put(SIZE, n(dataset.size()));
        item.put(SHA256, s(dataset.sha256()));
        item.put(STATUS, s(dataset.status()));
        item.put(OBJECT_KEY, s(dataset.objectKey()));
        dataset.expiresAt().ifPresent(at -> item.put(EXPIRES_AT, n(at.getEpochSecond())));
        call(() -> dynamoDb.putItem(r -> r.tableName(table).item(item)
                .conditionExpression("attribute_not_exists(#id)").expressionAttributeNames(Map.of("#id", ID))));
    }

    Optional<TrainingDataset> findDataset(String id) {
        return find(id).filter(item -> DATASET.equals(text(item, KIND))).map(TrainingTable::dataset);
    }

    /** A pending dataset becomes ready (and is no longer removed by TTL); false if it was not pending. */
    boolean markReady(String id) {
        try {
            call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id))
                    .updateExpression("SET #status = :ready REMOVE #expires")
                    .conditionExpression("#kind = :dataset AND #status = :pending")
                    .expressionAttributeNames(Map.of("#status", STATUS, "#expires", EXPIRES_AT, "#kind", KIND))
                    .expressionAttributeValues(Map.of(":ready", s(TrainingDataset.READY),
                            ":pending", s(TrainingDataset.PENDING), ":dataset", s(DATASET)))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    void deleteDataset(String id) {
        call(() -> dynamoDb.deleteItem(r -> r.tableName(table).key(key(id))));
    }

    Slice<TrainingDataset> listDatasets(Optional<String> owner, Optional<Position> after, int limit) {
        Slice<Map<String, AttributeValue>> slice = list(DATASET, owner, after, limit);
        return new Slice<>(slice.items().stream().map(TrainingTable::dataset).toList(), slice.next());
    }

    // ---------------------------------------------------------------- shared

    static String time(Instant instant) {
        return TIME.format(instant);
    }

    private Optional<Map<String, AttributeValue>> find(String id) {
        var response = call(() -> dynamoDb.getItem(r -> r.tableName(table).key(key(id)).consistentRead(true)));
        return response.hasItem() && !response.item().isEmpty() ? Optional.of(response.item()) : Optional.empty();
    }

    /** Newest first: one owner's items of {@code kind} by {@code by_owner}, or everyone's by {@code by_kind}. */
    private Slice<Map<String, AttributeValue>> list(String kind, Optional<String> owner, Optional<Position> after,
            int limit) {
        String partition = owner.map(o -> o + "#" + kind).orElse(kind);
        String partitionKey = owner.isPresent() ? OWNER_KIND : KIND;
        QueryRequest.Builder query = QueryRequest.builder().tableName(table)
                .indexName(owner.isPresent() ? TableCatalog.TRAINING_BY_OWNER : TableCatalog.TRAINING_BY_KIND)
                .keyConditionExpression("#p = :p").expressionAttributeNames(Map.of("#p", partitionKey))
                .expressionAttributeValues(Map.of(":p", s(partition)))
                .scanIndexForward(false)
                .limit(limit);
        after.ifPresent(position -> query.exclusiveStartKey(Map.of(partitionKey, s(partition),
                CREATED_AT, s(position.createdAt()), ID, s(position.id()))));
        QueryResponse response = call(() -> dynamoDb.query(query.build()));
        List<Map<String, AttributeValue>> items = new ArrayList<>(response.items());
        Optional<Position> next = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                && !items.isEmpty()
                ? Optional.of(new Position(text(items.get(items.size() - 1), CREATED_AT),
                        text(items.get(items.size() - 1), ID)))
                : Optional.empty();
        return new Slice<>(items, next);
    }

    private boolean conditionalUpdate(String id, String update, Map<String, String> names,
            Map<String, AttributeValue> values, int attempt) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.put("#c_status", STATUS);
        allNames.put("#c_attempts", ATTEMPTS);
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.put(":c_running", s(JobStatus.RUNNING.value()));
        allValues.put(":c_attempt", n(attempt));
        try {
            call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id)).updateExpression(update)
                    .conditionExpression("#c_status = :c_running AND #c_attempts = :c_attempt")
                    .expressionAttributeNames(allNames).expressionAttributeValues(allValues)));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private static TrainingJob job(Map<String, AttributeValue> item) {
        return new TrainingJob(text(item, ID), text(item, OWNER), JobStatus.of(text(item, STATUS)),
                text(item, MODEL_NAME), text(item, ALGORITHM), text(item, TASK), text(item, REQUEST),
                text(item, DATASET_KEY), optionalText(item, DATASET_ID), instant(text(item, CREATED_AT)),
                optionalText(item, STARTED_AT).map(TrainingTable::instant),
                optionalText(item, FINISHED_AT).map(TrainingTable::instant),
                number(item, DONE), number(item, TOTAL), number(item, ATTEMPTS),
                optionalText(item, ATTEMPT_STARTED_AT).map(TrainingTable::instant),
                optionalText(item, HEARTBEAT_AT).map(TrainingTable::instant),
                optionalText(item, ERROR), optionalText(item, RESULT));
    }

    private static TrainingDataset dataset(Map<String, AttributeValue> item) {
        return new TrainingDataset(text(item, ID), text(item, OWNER), text(item, NAME),
                Long.parseLong(item.get(SIZE).n()), text(item, SHA256), text(item, STATUS), text(item, OBJECT_KEY),
                instant(text(item, CREATED_AT)),
                Optional.ofNullable(item.get(EXPIRES_AT)).map(v -> Instant.ofEpochSecond(Long.parseLong(v.n()))));
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of(ID, s(id));
    }

    private static Instant instant(String text) {
        return Instant.parse(text);
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || value.s() == null) {
            throw new IllegalStateException("training item " + item.get(ID) + " lacks " + name);
        }
        return value.s();
    }

    private static Optional<String> optionalText(Map<String, AttributeValue> item, String name) {
        return Optional.ofNullable(item.get(name)).map(AttributeValue::s);
    }

    private static int number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? 0 : Integer.parseInt(value.n());
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    /** SDK failures become the API's 503s (or stay bugs); a failed condition is the caller's to handle. */
    private static <T> T call(Supplier<T> operation) {
        try {
            return operation.get();
        } catch (ConditionalCheckFailedException e) {
            throw e;
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }
}
