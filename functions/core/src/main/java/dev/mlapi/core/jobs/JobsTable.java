package dev.mlapi.core.jobs;

import dev.mlapi.core.aws.SdkErrors;
import dev.mlapi.core.aws.Transactions;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;
import dev.mlapi.catalog.TableCatalog;
import java.util.ArrayList;

/**
 * The jobs (training) table as batch jobs use it: job items of a {@link JobKind} other than
 * training, their per-unit records ({@code <jobId>#part#<k>}, {@code kind = "unit"}, in no index)
 * and their owner's usage item ({@code usage#<user>}, {@code active_jobs}). The train function's
 * {@code TrainingTable} maps the same items (it lists, reads and cancels every kind): the attribute
 * names here are its names, and the train module's tests read what this writes.
 *
 * <p>A unit is counted exactly once: its record is written only if absent, in the same
 * transaction as the job's {@code done + 1}, conditioned on the {@code done} this writer read, so
 * the writer whose transaction makes {@code done == total} knows it (and only it does). A job
 * leaves queued/running once, and gives its owner's active-job slot back in that same transaction.
 */
public final class JobsTable {

    public static final String ID = "id";
    static final String KIND = "kind";
    static final String OWNER = "owner";
    static final String OWNER_KIND = "owner_kind";
    static final String CREATED_AT = "created_at";
    static final String EXPIRES_AT = "expires_at";
    static final String STATUS = "status";
    static final String MODEL_NAME = "model_name";
    static final String REQUEST = "request";
    static final String DATASET_KEY = "dataset_key";
    static final String DATASET_ID = "dataset_id";
    static final String STARTED_AT = "started_at";
    static final String FINISHED_AT = "finished_at";
    static final String DONE = "done";
    static final String HEARTBEAT_AT = "heartbeat_at";
    /** A unit's or record's time; not {@link #CREATED_AT}, which would put it in the by-kind index. */
    static final String RECORDED_AT = "recorded_at";
    static final String TOTAL = "total";
    static final String ATTEMPTS = "attempts";
    static final String ERROR = "error";
    static final String RESULT = "result";
    static final String COUNTED = "counted";
    public static final String JOB_KIND = "job_kind";
    static final String ACTIVE_JOBS = "active_jobs";
    static final String USAGE_PREFIX = "usage#";
    static final String OBJECT_KEY = "object_key";
    static final String SIZE = "size";
    static final String SHA256 = "sha256";
    static final String JOB = "job";
    static final String UNIT = "unit";
    static final String DATASET = "dataset";
    static final String QUEUED = "queued";
    static final String RUNNING = "running";
    static final String SUCCEEDED = "succeeded";
    static final String FAILED = "failed";
    static final String READY = "ready";
    private static final int TRANSACTION_ATTEMPTS = 10;
    /** Reads and tries again when another unit's count landed between this one's read and write. */
    private static final int COUNT_ATTEMPTS = 50;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** A batch job as a worker needs it. */
    public record Job(String id, String owner, JobKind kind, String status, String modelName, String request,
            String datasetKey, Optional<String> datasetId, int done, int total, Optional<String> error,
            Optional<String> result) {

        public boolean isRunning() {
            return RUNNING.equals(status);
        }

        public boolean isActive() {
            return RUNNING.equals(status) || QUEUED.equals(status);
        }
    }

    /** A committed (or pending) dataset of the table. */
    public record Dataset(String id, String owner, String status, String objectKey, long size, String sha256) {

        public boolean isReady() {
            return READY.equals(status);
        }
    }

    /** What counting a unit did. */
    public enum Count {
        /** Counted, and it was the last: the caller enqueues the job's final step. */
        LAST,
        /** Counted. */
        COUNTED,
        /** Counted before (a redelivered task): nothing changed. */
        DUPLICATE,
        /** The job is no longer running (cancelled, failed): nothing counted. */
        NOT_RUNNING
    }

    private final DynamoDbClient dynamoDb;
    private final String table;

    public JobsTable(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    public static String time(Instant instant) {
        return TIME.format(instant);
    }

    /**
     * Inserts a queued job of {@code kind} holding one of its owner's active-job slots, in one
     * transaction with the owner's usage: only while the owner has fewer than {@code limit} jobs
     * queued or running (no limit: counted, never refused). False, and nothing written, at the limit.
     */
    public boolean insert(String id, String owner, JobKind kind, String modelName, String request, String datasetKey,
            Optional<String> datasetId, Instant now, Instant expiresAt, OptionalInt limit) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ID, s(id));
        item.put(KIND, s(JOB));
        item.put(OWNER, s(owner));
        item.put(OWNER_KIND, s(owner + "#" + JOB));
        item.put(CREATED_AT, s(time(now)));
        item.put(EXPIRES_AT, n(expiresAt.getEpochSecond()));
        item.put(STATUS, s(QUEUED));
        item.put(MODEL_NAME, s(modelName));
        item.put(REQUEST, s(request));
        item.put(DATASET_KEY, s(datasetKey));
        datasetId.ifPresent(d -> item.put(DATASET_ID, s(d)));
        item.put(DONE, n(0));
        item.put(TOTAL, n(0));
        item.put(ATTEMPTS, n(0));
        item.put(JOB_KIND, s(kind.value()));
        item.put(COUNTED, AttributeValue.fromBool(true));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":one", n(1), ":owner", s(owner)));
        Update.Builder usage = Update.builder().tableName(table).key(key(USAGE_PREFIX + owner))
                .updateExpression("SET #owner = :owner ADD #active :one");
        if (limit.isPresent()) {
            usage.conditionExpression("attribute_not_exists(#active) OR #active < :limit");
            values.put(":limit", n(limit.getAsInt()));
        }
        usage.expressionAttributeNames(Map.of("#active", ACTIVE_JOBS, "#owner", OWNER)).expressionAttributeValues(values);
        int failed = transact(List.of(
                TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                        .conditionExpression("attribute_not_exists(#id)").expressionAttributeNames(Map.of("#id", ID))
                        .build()).build(),
                TransactWriteItem.builder().update(usage.build()).build()));
        if (failed == 0) {
            throw new IllegalStateException("job " + id + " exists already");
        }
        return failed < 0;
    }

    /** The owner's jobs queued or running, as their usage item counts them (a consistent read). */
    public int activeJobs(String owner) {
        var response = call(() -> dynamoDb.getItem(r -> r.tableName(table).key(key(USAGE_PREFIX + owner))
                .consistentRead(true)));
        AttributeValue active = response.hasItem() ? response.item().get(ACTIVE_JOBS) : null;
        return active == null || active.n() == null ? 0 : Integer.parseInt(active.n());
    }

    public Optional<Job> find(String id) {
        return item(id).filter(item -> JOB.equals(text(item, KIND).orElse(""))).map(item -> new Job(
                text(item, ID).orElseThrow(), text(item, OWNER).orElseThrow(), JobKind.stored(text(item, JOB_KIND)),
                text(item, STATUS).orElseThrow(), text(item, MODEL_NAME).orElse(""), text(item, REQUEST).orElse("{}"),
                text(item, DATASET_KEY).orElse(""), text(item, DATASET_ID), number(item, DONE), number(item, TOTAL),
                text(item, ERROR), text(item, RESULT)));
    }

    public Optional<Dataset> findDataset(String id) {
        return item(id).filter(item -> DATASET.equals(text(item, KIND).orElse(""))).map(item -> new Dataset(
                text(item, ID).orElseThrow(), text(item, OWNER).orElseThrow(), text(item, STATUS).orElse(""),
                text(item, OBJECT_KEY).orElse(""), item.get(SIZE) == null ? 0 : Long.parseLong(item.get(SIZE).n()),
                text(item, SHA256).orElse("")));
    }

    /**
     * The job's work is planned: running, with {@code total} units (a planner that runs again sets
     * the same total). False if the job is no longer queued or running.
     */
    public boolean start(String id, int total, Instant now) {
        try {
            call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id))
                    .updateExpression("SET #status = :running, #total = :total, #started = if_not_exists(#started, :now)"
                            + " ADD #attempts :one")
                    .conditionExpression("#kind = :job AND #status IN (:queued, :running)")
                    .expressionAttributeNames(Map.of("#status", STATUS, "#total", TOTAL, "#started", STARTED_AT,
                            "#attempts", ATTEMPTS, "#kind", KIND))
                    .expressionAttributeValues(Map.of(":running", s(RUNNING), ":total", n(total), ":now", s(time(now)),
                            ":one", n(1), ":job", s(JOB), ":queued", s(QUEUED)))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Every job of {@code kind} still queued or running, everyone's (the table's {@code by_kind}
     * index, read to its end: few jobs are ever active at once).
     */
    public List<Job> active(JobKind kind) {
        return active(activeJobs(), kind);
    }

    /** The jobs of {@code kind} among {@code jobs}, each read again: those still queued or running. */
    public List<Job> active(ActiveJobs jobs, JobKind kind) {
        List<Job> active = new ArrayList<>();
        for (Map<String, AttributeValue> item : jobs.of(kind)) {
            find(text(item, ID).orElseThrow()).filter(Job::isActive).ifPresent(active::add);
        }
        return active;
    }

    /** The items of every job still queued or running, of every kind: one read of the {@code by_kind} index, to its end. */
    public ActiveJobs activeJobs() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            var response = call(() -> dynamoDb.query(r -> {
                r.tableName(table).indexName(TableCatalog.TRAINING_BY_KIND)
                        .keyConditionExpression("#kind = :job")
                        .filterExpression("#status IN (:queued, :running)")
                        .expressionAttributeNames(Map.of("#kind", KIND, "#status", STATUS))
                        .expressionAttributeValues(Map.of(":job", s(JOB), ":queued", s(QUEUED), ":running", s(RUNNING)));
                if (from != null) {
                    r.exclusiveStartKey(from);
                }
            }));
            items.addAll(response.items());
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey() : null;
        } while (start != null);
        return new ActiveJobs(items);
    }

    /** The id of unit {@code unit} of a job: {@code <jobId>#part#<k>}. */
    public static String unitId(String jobId, String unit) {
        return jobId + "#" + unit;
    }

    /**
     * Counts unit {@code unit} ({@code part#3}) of a running job exactly once: its record (with
     * {@code attributes}) is written only if absent, in one transaction with {@code done + 1} and the
     * job's heartbeat. {@code done} is read first and is a condition of the update, so the
     * transaction that takes it to {@code total} knows it was the last.
     */
    public Count countUnit(String jobId, String unit, Map<String, AttributeValue> attributes, Instant now) {
        String unitId = unitId(jobId, unit);
        for (int attempt = 0; attempt < COUNT_ATTEMPTS; attempt++) {
            Optional<Job> job = find(jobId);
            if (job.isEmpty() || !job.get().isRunning()) {
                return item(unitId).isPresent() ? Count.DUPLICATE : Count.NOT_RUNNING;
            }
            int done = job.get().done();
            Map<String, AttributeValue> record = new HashMap<>(attributes);
            record.put(ID, s(unitId));
            record.put(KIND, s(UNIT));
            record.put(RECORDED_AT, s(time(now)));
            int failed = transact(List.of(
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(record)
                            .conditionExpression("attribute_not_exists(#id)")
                            .expressionAttributeNames(Map.of("#id", ID)).build()).build(),
                    TransactWriteItem.builder().update(Update.builder().tableName(table).key(key(jobId))
                            .updateExpression("SET #done = :next, #heartbeat = :now")
                            .conditionExpression("#status = :running AND #done = :done")
                            .expressionAttributeNames(Map.of("#done", DONE, "#status", STATUS, "#heartbeat", HEARTBEAT_AT))
                            .expressionAttributeValues(Map.of(":next", n(done + 1), ":done", n(done),
                                    ":running", s(RUNNING), ":now", s(time(now)))).build()).build()));
            if (failed < 0) {
                return done + 1 == job.get().total() ? Count.LAST : Count.COUNTED;
            }
            if (failed == 0) {
                return Count.DUPLICATE;
            }
            // another unit was counted (or the job stopped) since the read: read again
        }
        throw new ServiceUnavailable("job " + jobId + " is busy counting its units; retry");
    }

    /**
     * Writes a job's record {@code <jobId>#<name>} (e.g. a batch tagging job's plan page) with
     * {@code attributes} unless it exists; false when it existed (nothing changed).
     */
    public boolean putRecord(String jobId, String name, Map<String, AttributeValue> attributes, Instant now) {
        Map<String, AttributeValue> record = new HashMap<>(attributes);
        record.put(ID, s(unitId(jobId, name)));
        record.put(KIND, s(UNIT));
        record.put(RECORDED_AT, s(time(now)));
        try {
            call(() -> dynamoDb.putItem(r -> r.tableName(table).item(record).conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", ID))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** The record of unit {@code unit}, if it was counted. */
    public Optional<Map<String, AttributeValue>> unit(String jobId, String unit) {
        return item(unitId(jobId, unit));
    }

    /** The running job succeeded with {@code result} (JSON); false if it had stopped meanwhile. */
    public boolean succeed(String id, String result, Instant now) {
        return finish(id, "SET #status = :succeeded, #result = :result, #finished = :now",
                "#status = :running", Map.of("#status", STATUS, "#result", RESULT, "#finished", FINISHED_AT),
                Map.of(":succeeded", s(SUCCEEDED), ":result", s(result), ":now", s(time(now)), ":running", s(RUNNING)));
    }

    /** The queued or running job failed for {@code reason}; false if it had finished already. */
    public boolean fail(String id, String reason, Instant now) {
        return finish(id, "SET #status = :failed, #error = :error, #finished = :now",
                "#kind = :job AND #status IN (:queued, :running)",
                Map.of("#status", STATUS, "#error", ERROR, "#finished", FINISHED_AT, "#kind", KIND),
                Map.of(":failed", s(FAILED), ":error", s(reason), ":now", s(time(now)), ":job", s(JOB),
                        ":queued", s(QUEUED), ":running", s(RUNNING)));
    }

    private boolean finish(String id, String update, String condition, Map<String, String> names,
            Map<String, AttributeValue> values) {
        Optional<Map<String, AttributeValue>> item = item(id);
        if (item.isEmpty()) {
            return false;
        }
        Update change = Update.builder().tableName(table).key(key(id)).updateExpression(update)
                .conditionExpression(condition).expressionAttributeNames(names).expressionAttributeValues(values).build();
        AttributeValue counted = item.get().get(COUNTED);
        if (counted == null || !Boolean.TRUE.equals(counted.bool())) {
            try {
                call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(change.key())
                        .updateExpression(update).conditionExpression(condition).expressionAttributeNames(names)
                        .expressionAttributeValues(values)));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        }
        return transact(List.of(TransactWriteItem.builder().update(change).build(),
                TransactWriteItem.builder().update(Update.builder().tableName(table)
                        .key(key(USAGE_PREFIX + text(item.get(), OWNER).orElseThrow()))
                        .updateExpression("ADD #active :minus").expressionAttributeNames(Map.of("#active", ACTIVE_JOBS))
                        .expressionAttributeValues(Map.of(":minus", n(-1))).build()).build())) < 0;
    }

    private Optional<Map<String, AttributeValue>> item(String id) {
        var response = call(() -> dynamoDb.getItem(r -> r.tableName(table).key(key(id)).consistentRead(true)));
        return response.hasItem() && !response.item().isEmpty() ? Optional.of(response.item()) : Optional.empty();
    }

    /** -1 when the transaction took effect, else the index of the item whose condition failed. */
    private int transact(List<TransactWriteItem> items) {
        try {
            List<String> codes = Transactions.write(dynamoDb, items, TRANSACTION_ATTEMPTS);
            if (codes.isEmpty()) {
                return -1;
            }
            int refused = codes.indexOf("ConditionalCheckFailed");
            if (refused >= 0) {
                return refused;
            }
            throw new ServiceUnavailable("the jobs table is busy (" + codes + "); retry");
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of(ID, s(id));
    }

    private static Optional<String> text(Map<String, AttributeValue> item, String name) {
        return Optional.ofNullable(item.get(name)).map(AttributeValue::s);
    }

    private static int number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? 0 : Integer.parseInt(value.n());
    }

    public static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    public static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

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
