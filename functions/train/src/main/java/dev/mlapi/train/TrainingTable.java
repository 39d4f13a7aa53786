package dev.mlapi.train;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.aws.SdkErrors;
import dev.mlapi.core.aws.Transactions;
import dev.mlapi.core.jobs.ActiveJobs;
import dev.mlapi.core.jobs.JobKind;
import dev.mlapi.core.jobs.JobsTable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Supplier;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import java.time.Duration;

/**
 * The training table in DynamoDB: jobs and datasets, one item each ({@link #KIND}), listed newest
 * first through {@link TableCatalog#TRAINING_BY_OWNER} (one owner's) and
 * {@link TableCatalog#TRAINING_BY_KIND} (everyone's). Every change of a job's status is a
 * conditional update on the status it leaves (and, for a worker, on its own attempt number), so a
 * redelivered or superseded worker, a cancellation and a staleness check can never overwrite each
 * other's outcome.
 *
 * <p>Each user's usage is one more item ({@code usage#<user>}, in no index): {@code active_jobs},
 * the jobs queued or running; {@code pending}, a map of the dataset reservations waiting for
 * their upload (id → size, expiry); {@code dataset_bytes}, the declared bytes of every reserved
 * or stored dataset. It changes only in the same transaction as the job or dataset it counts, under
 * that item's own condition: a job takes its slot when it is inserted and gives it back with the
 * one status change that takes it out of queued/running (done, failed, cancelled, stale), so a
 * slot is never given back twice nor lost; the limits are conditions on the usage item, so
 * concurrent requests never pass them.
 */
final class TrainingTable {

    static final String ID = TableCatalog.JOBS_AND_DATASETS.partitionKey();
    static final String KIND = "kind";
    static final String OWNER = "owner";
    static final String OWNER_KIND = "owner_kind";
    static final String CREATED_AT = "created_at";
    static final String EXPIRES_AT = TableCatalog.JOBS_AND_DATASETS.ttlAttribute().orElseThrow();
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
    static final String MODEL_OWNER = "model_owner";
    static final String COUNTED = "counted";
    /** {@code train}, {@code predict_batch} or {@code classify_batch} ({@link JobKind}); absent = {@code train}. */
    static final String JOB_KIND = "job_kind";
    static final String ACTIVE_JOBS = "active_jobs";
    static final String PENDING = "pending";
    static final String DATASET_BYTES = "dataset_bytes";
    static final String USAGE_PREFIX = "usage#";
    private static final String SIZE_FIELD = "size";
    private static final String EXPIRES_FIELD = "expires_at";
    /** Attempts of a transaction that meets a concurrent one on the same usage item. */
    private static final int TRANSACTION_ATTEMPTS = 10;

    static final String JOB = "job";
    static final String DATASET = "dataset";
    /** A unit of a job's work (a fit), recorded once: in no index (no {@code created_at}, no {@code owner_kind}). */
    static final String UNIT = "unit";
    static final String TASKS = "tasks";
    static final String FOLDS = "folds";
    static final String FIT_ESTIMATE = "fit_estimate_seconds";
    static final String OVERHEAD_ESTIMATE = "task_overhead_estimate_seconds";
    static final String FANOUT_STARTED_AT = "fanout_started_at";
    static final String REFIT_STARTED_AT = "refit_started_at";
    static final String JOB_ID = "job";
    static final String CANDIDATE = "candidate";
    static final String FOLD = "fold";
    static final String SCORE = "score";
    static final String SECONDS = "seconds";
    static final String OVERHEAD = "overhead_seconds";
    static final String WORKER = "worker";

    /** Fixed width, so that string order is time order in the indexes. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** Where a listing stopped: the last item's creation time and id. */
    record Position(String createdAt, String id) {
    }

    /** A page of a listing. */
    record Slice<T>(List<T> items, Optional<Position> next) {
    }

    /** A dataset reservation waiting for its upload, as its owner's usage counts it. */
    record Reservation(String datasetId, long size, Instant expiresAt) {
    }

    /** What one user holds: jobs queued or running, reservations waiting for their upload, declared dataset bytes. */
    record Usage(int activeJobs, List<Reservation> pending, long datasetBytes) {
        static final Usage NONE = new Usage(0, List.of(), 0);
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    /** The same table as every job kind sees it: units are counted there. */
    private final JobsTable jobs;

    TrainingTable(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.jobs = new JobsTable(dynamoDb, table);
    }

    // ---------------------------------------------------------------- jobs

    void createJob(TrainingJob job, Instant expiresAt) {
        Map<String, AttributeValue> item = jobItem(job, expiresAt);
        call(() -> dynamoDb.putItem(r -> r.tableName(table).item(item)
                .conditionExpression("attribute_not_exists(#id)").expressionAttributeNames(Map.of("#id", ID))));
    }

    /**
     * Inserts {@code job} holding one of its owner's active-job slots, in one transaction with the
     * owner's usage: only while the owner has fewer than {@code limit} jobs queued or running (no
     * limit: counted, never refused). False, and nothing written, at the limit.
     */
    boolean createCountedJob(TrainingJob job, Instant expiresAt, OptionalInt limit) {
        Map<String, AttributeValue> item = jobItem(job, expiresAt);
        item.put(COUNTED, AttributeValue.fromBool(true));
        Map<String, String> names = new HashMap<>(Map.of("#active", ACTIVE_JOBS, "#owner", OWNER));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":one", n(1), ":owner", s(job.owner())));
        Update.Builder usage = Update.builder().tableName(table).key(usageKey(job.owner()))
                .updateExpression("SET #owner = :owner ADD #active :one");
        if (limit.isPresent()) {
            usage.conditionExpression("attribute_not_exists(#active) OR #active < :limit");
            values.put(":limit", n(limit.getAsInt()));
        }
        usage.expressionAttributeNames(names).expressionAttributeValues(values);
        return insertCounted(item, usage, "job " + job.id());
    }

    private static Map<String, AttributeValue> jobItem(TrainingJob job, Instant expiresAt) {
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
        job.modelOwner().ifPresent(owner -> item.put(MODEL_OWNER, s(owner)));
        item.put(DONE, n(job.done()));
        item.put(TOTAL, n(job.total()));
        item.put(ATTEMPTS, n(job.attempts()));
        item.put(JOB_KIND, s(job.jobKind().value()));
        return item;
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
                Map.of(":done", n(done), ":now", s(time(now))), attempt, false);
    }

    /** Attempt {@code attempt} succeeded; false if the job was cancelled (or superseded) meanwhile. */
    boolean succeed(String id, int attempt, int total, String result, Instant now) {
        return conditionalUpdate(id, "SET #status = :succeeded, #done = :total, #result = :result, #finished = :now,"
                        + " #heartbeat = :now",
                Map.of("#status", STATUS, "#done", DONE, "#result", RESULT, "#finished", FINISHED_AT,
                        "#heartbeat", HEARTBEAT_AT),
                Map.of(":succeeded", s(JobStatus.SUCCEEDED.value()), ":total", n(total), ":result", s(result),
                        ":now", s(time(now))), attempt, true);
    }

    /** Attempt {@code attempt} failed for {@code reason}; false if the job is no longer that attempt's. */
    boolean fail(String id, int attempt, String reason, Instant now) {
        return conditionalUpdate(id, "SET #status = :failed, #error = :error, #finished = :now",
                Map.of("#status", STATUS, "#error", ERROR, "#finished", FINISHED_AT),
                Map.of(":failed", s(JobStatus.FAILED.value()), ":error", s(reason), ":now", s(time(now))), attempt,
                true);
    }

    /**
     * Fails a job that is still in {@code expected} status with {@code attempts} attempts (a
     * staleness verdict on exactly what was read); false if anything changed since.
     */
    boolean failUnchanged(String id, JobStatus expected, int attempts, String reason, Instant now) {
        return finishJob(id, "SET #status = :failed, #error = :error, #finished = :now",
                "#status = :expected AND #attempts = :attempts",
                Map.of("#status", STATUS, "#error", ERROR, "#finished", FINISHED_AT, "#attempts", ATTEMPTS),
                Map.of(":failed", s(JobStatus.FAILED.value()), ":error", s(reason), ":now", s(time(now)),
                        ":expected", s(expected.value()), ":attempts", n(attempts)));
    }

    /** Cancels a queued or running job; false if it had already finished (or does not exist). */
    boolean cancel(String id, String by, Instant now) {
        return finishJob(id, "SET #status = :cancelled, #error = :error, #finished = :now",
                "#kind = :job AND #status IN (:queued, :running)",
                Map.of("#status", STATUS, "#error", ERROR, "#finished", FINISHED_AT, "#kind", KIND),
                Map.of(":cancelled", s(JobStatus.CANCELLED.value()), ":error", s("cancelled by " + by),
                        ":now", s(time(now)), ":job", s(JOB), ":queued", s(JobStatus.QUEUED.value()),
                        ":running", s(JobStatus.RUNNING.value())));
    }

    /**
     * Takes a job out of queued/running with {@code update} under {@code condition}; a counted
     * job gives its owner's slot back in the same transaction. False if the condition failed.
     */
    private boolean finishJob(String id, String update, String condition, Map<String, String> names,
            Map<String, AttributeValue> values) {
        Optional<Map<String, AttributeValue>> item = find(id);
        if (item.isEmpty() || !JOB.equals(optionalText(item.get(), KIND).orElse(""))) {
            return false;
        }
        if (!isCounted(item.get())) {
            try {
                call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id)).updateExpression(update)
                        .conditionExpression(condition).expressionAttributeNames(names)
                        .expressionAttributeValues(values)));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        }
        return transact(List.of(
                TransactWriteItem.builder().update(Update.builder().tableName(table).key(key(id))
                        .updateExpression(update).conditionExpression(condition).expressionAttributeNames(names)
                        .expressionAttributeValues(values).build()).build(),
                TransactWriteItem.builder().update(Update.builder().tableName(table)
                        .key(usageKey(text(item.get(), OWNER))).updateExpression("ADD #active :minus")
                        .expressionAttributeNames(Map.of("#active", ACTIVE_JOBS))
                        .expressionAttributeValues(Map.of(":minus", n(-1))).build()).build())) < 0;
    }

    /** The owner's jobs still queued or running (by the owner index, so possibly a moment behind). */
    List<TrainingJob> activeJobs(String owner) {
        List<TrainingJob> active = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryRequest.Builder query = QueryRequest.builder().tableName(table).indexName(TableCatalog.TRAINING_BY_OWNER)
                    .keyConditionExpression("#p = :p").filterExpression("#status IN (:queued, :running)")
                    .expressionAttributeNames(Map.of("#p", OWNER_KIND, "#status", STATUS))
                    .expressionAttributeValues(Map.of(":p", s(owner + "#" + JOB), ":queued",
                            s(JobStatus.QUEUED.value()), ":running", s(JobStatus.RUNNING.value())));
            if (from != null) {
                query.exclusiveStartKey(from);
            }
            QueryResponse response = call(() -> dynamoDb.query(query.build()));
            response.items().forEach(item -> active.add(job(item)));
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey() : null;
        } while (start != null);
        return active;
    }

    Slice<TrainingJob> listJobs(Optional<String> owner, Optional<Position> after, int limit) {
        Slice<Map<String, AttributeValue>> slice = list(JOB, owner, after, limit);
        return new Slice<>(slice.items().stream().map(TrainingTable::job).toList(), slice.next());
    }

    /** How many index pages one listing of a single kind reads at most before it answers a short page. */
    static final int MAX_KIND_PAGES = 10;

    /**
     * Newest first, only jobs of {@code kind} ({@code job_kind}, absent = train). The kind is a
     * filter on the same index, so this reads pages of {@code limit} until it has {@code limit}
     * jobs or has read {@link #MAX_KIND_PAGES}; then it answers what it found with the position
     * it reached, so a page may hold fewer jobs and still have a next one.
     */
    Slice<TrainingJob> listJobs(Optional<String> owner, JobKind kind, Optional<Position> after, int limit) {
        List<TrainingJob> found = new ArrayList<>();
        Optional<Position> position = after;
        for (int page = 0; page < MAX_KIND_PAGES; page++) {
            Slice<Map<String, AttributeValue>> slice = list(JOB, owner, position, limit);
            for (Map<String, AttributeValue> item : slice.items()) {
                if (JobKind.stored(optionalText(item, JOB_KIND)) == kind) {
                    found.add(job(item));
                    if (found.size() == limit) {
                        boolean last = slice.next().isEmpty() && item == slice.items().get(slice.items().size() - 1);
                        return new Slice<>(found, last ? Optional.empty()
                                : Optional.of(new Position(text(item, CREATED_AT), text(item, ID))));
                    }
                }
            }
            if (slice.next().isEmpty()) {
                return new Slice<>(found, Optional.empty());
            }
            position = slice.next();
        }
        return new Slice<>(found, position);
    }

    // ---------------------------------------------------------------- fan-out

    /**
     * How a job's fits were spread over tasks: the counts the planner wrote, its estimates (so
     * {@link JobRecovery} groups missing fits as it did), and when the fan-out and the refit started.
     */
    record FanOut(TrainingJob job, int tasks, int folds, double fitSeconds, double overheadSeconds,
            String datasetSha256, Optional<Instant> startedAt, Optional<Instant> refitStartedAt) {

        /** Whether a planner has sent this job's fit tasks. */
        boolean planned() {
            return startedAt.isPresent();
        }
    }

    /** What recording one fit did. */
    enum Recorded {
        /** Counted: done went up by one. */
        COUNTED,
        /** Counted, and it was the job's last fit: done == total now; the recorder enqueues the refit. */
        LAST,
        /** A record of this fit was already there (a redelivered task): nothing counted. */
        ALREADY,
        /** The job is no longer running (cancelled, failed): nothing recorded. */
        NOT_RUNNING
    }

    /** The id of the unit item of fit ({@code candidate}, {@code fold}) of job {@code jobId}. */
    static String fitId(String jobId, int candidate, int fold) {
        return JobsTable.unitId(jobId, fitUnit(candidate, fold));
    }

    private static String fitUnit(int candidate, int fold) {
        return "fit#" + candidate + "#" + fold;
    }

    Optional<FanOut> findFanOut(String id) {
        return find(id).filter(item -> JOB.equals(text(item, KIND))).map(item -> new FanOut(job(item),
                number(item, TASKS), number(item, FOLDS), decimal(item, FIT_ESTIMATE), decimal(item, OVERHEAD_ESTIMATE),
                optionalText(item, SHA256).orElse(""), optionalText(item, FANOUT_STARTED_AT).map(TrainingTable::instant),
                optionalText(item, REFIT_STARTED_AT).map(TrainingTable::instant)));
    }

    /**
     * The planner of attempt {@code attempt} fixed the job's fits: {@code total} fits over
     * {@code folds} folds, {@code tasks} more tasks sent (added to any sent before), its estimates
     * of one fit's and one task's overhead seconds. False if the job is no longer that attempt's.
     */
    boolean startFanOut(String id, int attempt, int total, int folds, int tasks, double fitSeconds,
            double overheadSeconds, String datasetSha256, Instant now) {
        return conditionalUpdate(id, "SET #total = :total, #folds = :folds, #fit = :fit, #overhead = :overhead,"
                        + " #sha = :sha, #fanout = if_not_exists(#fanout, :now), #heartbeat = :now ADD #tasks :tasks",
                Map.of("#total", TOTAL, "#folds", FOLDS, "#fit", FIT_ESTIMATE, "#overhead", OVERHEAD_ESTIMATE,
                        "#sha", SHA256, "#fanout", FANOUT_STARTED_AT, "#heartbeat", HEARTBEAT_AT, "#tasks", TASKS),
                Map.of(":total", n(total), ":folds", n(folds), ":fit", decimal(fitSeconds),
                        ":overhead", decimal(overheadSeconds), ":sha", s(datasetSha256), ":now", s(time(now)),
                        ":tasks", n(tasks)), attempt, false);
    }

    /** {@code tasks} more tasks sent for a running job (by {@link JobRecovery}). */
    void addTasks(String id, int tasks) {
        try {
            call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id)).updateExpression("ADD #tasks :tasks")
                    .conditionExpression("#kind = :job").expressionAttributeNames(Map.of("#tasks", TASKS, "#kind", KIND))
                    .expressionAttributeValues(Map.of(":tasks", n(tasks), ":job", s(JOB)))));
        } catch (ConditionalCheckFailedException e) {
            // the job is gone: nothing to count
        }
    }

    /**
     * Records one fit exactly once, as {@link JobsTable#countUnit} counts any job's unit: its record
     * ({@link #fitId}) only if absent, in one transaction with the job's {@code done + 1}.
     */
    Recorded recordFit(String jobId, FitRecord fit, Instant now, Instant expiresAt) {
        Map<String, AttributeValue> unit = new HashMap<>();
        unit.put(JOB_ID, s(jobId));
        unit.put(CANDIDATE, n(fit.candidate()));
        unit.put(FOLD, n(fit.fold()));
        unit.put(SCORE, decimal(fit.score()));
        unit.put(SECONDS, decimal(fit.seconds()));
        unit.put(OVERHEAD, decimal(fit.overheadSeconds()));
        unit.put(WORKER, s(fit.worker()));
        unit.put(EXPIRES_AT, n(expiresAt.getEpochSecond()));
        return switch (jobs.countUnit(jobId, fitUnit(fit.candidate(), fit.fold()), unit, now)) {
            case LAST -> Recorded.LAST;
            case COUNTED -> Recorded.COUNTED;
            case DUPLICATE -> Recorded.ALREADY;
            case NOT_RUNNING -> Recorded.NOT_RUNNING;
        };
    }

    /** The recorded fits among {@code ids} ({@link #fitId}), by id; strongly consistent. */
    Map<String, FitRecord> fitRecords(List<String> ids) {
        Map<String, FitRecord> found = new HashMap<>();
        for (int start = 0; start < ids.size(); start += 100) {
            List<Map<String, AttributeValue>> keys = ids.subList(start, Math.min(ids.size(), start + 100)).stream()
                    .map(TrainingTable::key).toList();
            Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(keys)
                    .consistentRead(true).build());
            while (!request.isEmpty()) {
                Map<String, KeysAndAttributes> asked = request;
                BatchGetItemResponse response = call(() -> dynamoDb.batchGetItem(r -> r.requestItems(asked)));
                response.responses().getOrDefault(table, List.of()).forEach(item -> found.put(text(item, ID),
                        new FitRecord(number(item, CANDIDATE), number(item, FOLD), decimal(item, SCORE),
                                decimal(item, SECONDS), decimal(item, OVERHEAD), text(item, WORKER))));
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
        }
        return found;
    }

    /**
     * Takes the refit of a running job whose fits are all recorded: marks it started, unless a
     * refit started less than {@code staleAfter} ago (a redelivered or re-sent refit task waits
     * for it). Empty when the refit is not this caller's to run.
     */
    Optional<TrainingJob> claimRefit(String id, Instant now, Duration staleAfter) {
        try {
            var response = call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id))
                    .updateExpression("SET #refit = :now, #heartbeat = :now")
                    .conditionExpression("#kind = :job AND #status = :running AND #done = #total"
                            + " AND (attribute_not_exists(#refit) OR #refit < :stale)")
                    .expressionAttributeNames(Map.of("#refit", REFIT_STARTED_AT, "#heartbeat", HEARTBEAT_AT,
                            "#kind", KIND, "#status", STATUS, "#done", DONE, "#total", TOTAL))
                    .expressionAttributeValues(Map.of(":now", s(time(now)), ":job", s(JOB),
                            ":running", s(JobStatus.RUNNING.value()), ":stale", s(time(now.minus(staleAfter)))))
                    .returnValues(ReturnValue.ALL_NEW)));
            return Optional.of(job(response.attributes()));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /** Gives a refit back (it failed for a passing reason): the next delivery of its task takes it. */
    void releaseRefit(String id) {
        call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id)).updateExpression("REMOVE #refit")
                .expressionAttributeNames(Map.of("#refit", REFIT_STARTED_AT))));
    }

    /** Fails a queued or running job for {@code reason}, whatever its attempt; false if it had finished. */
    boolean failActive(String id, String reason, Instant now) {
        return finishJob(id, "SET #status = :failed, #error = :error, #finished = :now",
                "#kind = :job AND #status IN (:queued, :running)",
                Map.of("#status", STATUS, "#error", ERROR, "#finished", FINISHED_AT, "#kind", KIND),
                Map.of(":failed", s(JobStatus.FAILED.value()), ":error", s(reason), ":now", s(time(now)),
                        ":job", s(JOB), ":queued", s(JobStatus.QUEUED.value()),
                        ":running", s(JobStatus.RUNNING.value())));
    }

    /** Every training job queued or running, everyone's (by {@code by_kind}), oldest first. */
    List<TrainingJob> unfinishedJobs() {
        return unfinishedJobs(activeJobs());
    }

    /** The training jobs among {@code active} (batch jobs live here too; their own recovery resends their tasks). */
    List<TrainingJob> unfinishedJobs(ActiveJobs active) {
        return active.of(JobKind.TRAIN).stream().map(item -> job(item)).toList();
    }

    /** Every job still queued or running, of every kind: one read of the {@code by_kind} index. */
    ActiveJobs activeJobs() {
        return new JobsTable(dynamoDb, table).activeJobs();
    }

    // ---------------------------------------------------------------- datasets

    void createDataset(TrainingDataset dataset) {
        Map<String, AttributeValue> item = datasetItem(dataset);
        call(() -> dynamoDb.putItem(r -> r.tableName(table).item(item)
                .conditionExpression("attribute_not_exists(#id)").expressionAttributeNames(Map.of("#id", ID))));
    }

    /**
     * Inserts a pending dataset counted in its owner's usage (a reservation and its declared
     * bytes), in one transaction: only while the owner has fewer than {@code maxPending}
     * reservations and at most {@code maxBytes} with this one (no limits: counted, never refused).
     * False, and nothing written, when a limit is in the way.
     */
    boolean createCountedDataset(TrainingDataset dataset, OptionalInt maxPending, OptionalLong maxBytes) {
        String owner = dataset.owner();
        // The reservations map must exist before a path inside it can be set.
        call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(usageKey(owner))
                .updateExpression("SET #pending = if_not_exists(#pending, :empty), #owner = :owner")
                .expressionAttributeNames(Map.of("#pending", PENDING, "#owner", OWNER))
                .expressionAttributeValues(Map.of(":empty", AttributeValue.fromM(Map.of()), ":owner", s(owner)))));
        Map<String, AttributeValue> item = datasetItem(dataset);
        item.put(COUNTED, AttributeValue.fromBool(true));
        Map<String, String> names = new HashMap<>(Map.of("#pending", PENDING, "#rid", dataset.id(),
                "#bytes", DATASET_BYTES));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":entry", AttributeValue.fromM(Map.of(
                SIZE_FIELD, n(dataset.size()),
                EXPIRES_FIELD, n(dataset.expiresAt().orElseThrow().getEpochSecond()))), ":size", n(dataset.size())));
        List<String> conditions = new ArrayList<>();
        maxPending.ifPresent(max -> {
            conditions.add("size(#pending) < :max_pending");
            values.put(":max_pending", n(max));
        });
        maxBytes.ifPresent(max -> {
            conditions.add("(attribute_not_exists(#bytes) OR #bytes <= :room)");
            values.put(":room", n(max - dataset.size()));
        });
        Update.Builder usage = Update.builder().tableName(table).key(usageKey(owner))
                .updateExpression("SET #pending.#rid = :entry ADD #bytes :size")
                .expressionAttributeNames(names).expressionAttributeValues(values);
        if (!conditions.isEmpty()) {
            usage.conditionExpression(String.join(" AND ", conditions));
        }
        return insertCounted(item, usage, "dataset " + dataset.id());
    }

    /**
     * Inserts {@code item} and applies its owner's {@code usage} update in one transaction: false
     * when the usage's condition (the limit) refused it.
     */
    private boolean insertCounted(Map<String, AttributeValue> item, Update.Builder usage, String what) {
        int failed = transact(List.of(
                TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                        .conditionExpression("attribute_not_exists(#id)").expressionAttributeNames(Map.of("#id", ID))
                        .build()).build(),
                TransactWriteItem.builder().update(usage.build()).build()));
        if (failed == 0) {
            throw new IllegalStateException(what + " exists already");
        }
        return failed < 0;
    }

    /** What {@code owner} holds now (a consistent read). */
    Usage usage(String owner) {
        var response = call(() -> dynamoDb.getItem(r -> r.tableName(table).key(usageKey(owner)).consistentRead(true)));
        if (!response.hasItem() || response.item().isEmpty()) {
            return Usage.NONE;
        }
        Map<String, AttributeValue> item = response.item();
        List<Reservation> pending = new ArrayList<>();
        AttributeValue map = item.get(PENDING);
        if (map != null && map.hasM()) {
            map.m().forEach((id, entry) -> pending.add(new Reservation(id, Long.parseLong(entry.m().get(SIZE_FIELD).n()),
                    Instant.ofEpochSecond(Long.parseLong(entry.m().get(EXPIRES_FIELD).n())))));
        }
        return new Usage(number(item, ACTIVE_JOBS), pending,
                item.get(DATASET_BYTES) == null ? 0 : Long.parseLong(item.get(DATASET_BYTES).n()));
    }

    /**
     * Gives back an expired reservation: its pending dataset item goes (if TTL has not removed it
     * already) and its owner's usage drops it and its bytes, in one transaction that happens once
     * however many callers try. False if it was committed, deleted or released meanwhile.
     */
    boolean releaseExpired(String owner, Reservation reservation) {
        return transact(List.of(
                TransactWriteItem.builder().delete(Delete.builder().tableName(table).key(key(reservation.datasetId()))
                        .conditionExpression("attribute_not_exists(#id) OR #status = :pending")
                        .expressionAttributeNames(Map.of("#id", ID, "#status", STATUS))
                        .expressionAttributeValues(Map.of(":pending", s(TrainingDataset.PENDING))).build()).build(),
                TransactWriteItem.builder().update(Update.builder().tableName(table).key(usageKey(owner))
                        .updateExpression("REMOVE #pending.#rid ADD #bytes :minus")
                        .conditionExpression("attribute_exists(#pending.#rid)")
                        .expressionAttributeNames(Map.of("#pending", PENDING, "#rid", reservation.datasetId(),
                                "#bytes", DATASET_BYTES))
                        .expressionAttributeValues(Map.of(":minus", n(-reservation.size()))).build()).build())) < 0;
    }

    private static Map<String, AttributeValue> datasetItem(TrainingDataset dataset) {
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
        return item;
    }

    Optional<TrainingDataset> findDataset(String id) {
        return find(id).filter(item -> DATASET.equals(text(item, KIND))).map(TrainingTable::dataset);
    }

    /**
     * A pending dataset becomes ready (and is no longer removed by TTL); a counted one leaves its
     * owner's reservations in the same transaction (its bytes stay counted). False if it was not
     * pending, or its expired reservation was released meanwhile.
     */
    boolean markReady(TrainingDataset dataset) {
        Update ready = Update.builder().tableName(table).key(key(dataset.id()))
                .updateExpression("SET #status = :ready REMOVE #expires")
                .conditionExpression("#kind = :dataset AND #status = :pending")
                .expressionAttributeNames(Map.of("#status", STATUS, "#expires", EXPIRES_AT, "#kind", KIND))
                .expressionAttributeValues(Map.of(":ready", s(TrainingDataset.READY),
                        ":pending", s(TrainingDataset.PENDING), ":dataset", s(DATASET))).build();
        if (!dataset.counted()) {
            try {
                call(() -> dynamoDb.updateItem(r -> r.tableName(ready.tableName()).key(ready.key())
                        .updateExpression(ready.updateExpression()).conditionExpression(ready.conditionExpression())
                        .expressionAttributeNames(ready.expressionAttributeNames())
                        .expressionAttributeValues(ready.expressionAttributeValues())));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        }
        return transact(List.of(TransactWriteItem.builder().update(ready).build(),
                TransactWriteItem.builder().update(Update.builder().tableName(table).key(usageKey(dataset.owner()))
                        .updateExpression("REMOVE #pending.#rid").conditionExpression("attribute_exists(#pending.#rid)")
                        .expressionAttributeNames(Map.of("#pending", PENDING, "#rid", dataset.id())).build())
                        .build())) < 0;
    }

    /** Deletes a dataset's record; a counted one gives back its bytes (and its reservation, if pending) at once. */
    void deleteDataset(TrainingDataset dataset) {
        if (!dataset.counted()) {
            call(() -> dynamoDb.deleteItem(r -> r.tableName(table).key(key(dataset.id()))));
            return;
        }
        transact(List.of(
                TransactWriteItem.builder().delete(Delete.builder().tableName(table).key(key(dataset.id()))
                        .conditionExpression("attribute_exists(#id)").expressionAttributeNames(Map.of("#id", ID))
                        .build()).build(),
                TransactWriteItem.builder().update(Update.builder().tableName(table).key(usageKey(dataset.owner()))
                        .updateExpression("REMOVE #pending.#rid ADD #bytes :minus")
                        .expressionAttributeNames(Map.of("#pending", PENDING, "#rid", dataset.id(),
                                "#bytes", DATASET_BYTES))
                        .expressionAttributeValues(Map.of(":minus", n(-dataset.size()))).build()).build()));
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
            Map<String, AttributeValue> values, int attempt, boolean finishing) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.put("#c_status", STATUS);
        allNames.put("#c_attempts", ATTEMPTS);
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.put(":c_running", s(JobStatus.RUNNING.value()));
        allValues.put(":c_attempt", n(attempt));
        String condition = "#c_status = :c_running AND #c_attempts = :c_attempt";
        if (finishing) {
            return finishJob(id, update, condition, allNames, allValues);
        }
        try {
            call(() -> dynamoDb.updateItem(r -> r.tableName(table).key(key(id)).updateExpression(update)
                    .conditionExpression(condition)
                    .expressionAttributeNames(allNames).expressionAttributeValues(allValues)));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Runs a write transaction; -1 when it took effect, else the index of the item whose condition
     * failed. A transaction cancelled by a concurrent one on the same item (the usage item of a
     * busy user) is tried again after a short random pause; still contended, it is a 503.
     */
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
            throw new ServiceUnavailable("the training table is busy (" + codes + "); retry");
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    private static boolean isCounted(Map<String, AttributeValue> item) {
        AttributeValue counted = item.get(COUNTED);
        return counted != null && Boolean.TRUE.equals(counted.bool());
    }

    private static Map<String, AttributeValue> usageKey(String owner) {
        return Map.of(ID, s(USAGE_PREFIX + owner));
    }

    private static TrainingJob job(Map<String, AttributeValue> item) {
        // A batch job has no algorithm or task (its model and dataset are its model_name and dataset_key).
        return new TrainingJob(text(item, ID), text(item, OWNER), JobStatus.of(text(item, STATUS)),
                text(item, MODEL_NAME), optionalText(item, ALGORITHM).orElse(""),
                optionalText(item, TASK).orElse(""), text(item, REQUEST), text(item, DATASET_KEY), optionalText(item, DATASET_ID), instant(text(item, CREATED_AT)),
                optionalText(item, STARTED_AT).map(TrainingTable::instant),
                optionalText(item, FINISHED_AT).map(TrainingTable::instant),
                number(item, DONE), number(item, TOTAL), number(item, ATTEMPTS),
                optionalText(item, ATTEMPT_STARTED_AT).map(TrainingTable::instant),
                optionalText(item, HEARTBEAT_AT).map(TrainingTable::instant),
                optionalText(item, ERROR), optionalText(item, RESULT), optionalText(item, MODEL_OWNER),
                isCounted(item), JobKind.stored(optionalText(item, JOB_KIND)));
    }

    private static TrainingDataset dataset(Map<String, AttributeValue> item) {
        return new TrainingDataset(text(item, ID), text(item, OWNER), text(item, NAME),
                Long.parseLong(item.get(SIZE).n()), text(item, SHA256), text(item, STATUS), text(item, OBJECT_KEY),
                instant(text(item, CREATED_AT)),
                Optional.ofNullable(item.get(EXPIRES_AT)).map(v -> Instant.ofEpochSecond(Long.parseLong(v.n()))),
                isCounted(item));
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

    private static double decimal(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? 0 : Double.parseDouble(value.n());
    }

    /** A double as DynamoDB's number, exactly (its shortest round-trip form). */
    private static AttributeValue decimal(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("not a finite number: " + value);
        }
        return AttributeValue.fromN(Double.toString(value));
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
