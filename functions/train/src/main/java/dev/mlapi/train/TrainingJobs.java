package dev.mlapi.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.TooManyRequests;
import dev.mlapi.core.jobs.JobKind;
import dev.mlapi.core.json.Json;
import dev.mlapi.train.TrainViews.JobAccepted;
import dev.mlapi.train.TrainViews.JobPage;
import dev.mlapi.train.TrainViews.JobView;
import dev.mlapi.training.TrainSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The training API's rules ({@code /train}): a request is checked (parameters, folds, model-name
 * ownership; an inline CSV completely; a stored dataset by its size and header only, its rows being
 * checked by the worker, which fails the job with the same message) before a job exists; then its CSV is stored and the
 * job inserted as {@code queued}, which dispatches it (the table's stream triggers the worker).
 * Users see and cancel their own jobs, admins everyone's. A job holds one of its user's
 * {@link TrainingQuotas#maxActiveJobs()} slots while it is queued or running (admins exempt; a 429
 * beyond), taken and given back in the same transaction as its insert and its last status change.
 * The model name is claimed for the user in the registry at submit ({@link ModelOwnership}).
 *
 * <p>A job is never left "running" by a dead worker: Lambda stops a worker after its 15-minute
 * timeout, the stream retries the planner (which bounds its attempts) and SQS the fit tasks (3
 * receives, {@link QueueCatalog#TRAINING_TASKS}); a job still "running" {@link #STALE_RUNNING}
 * after its last sign of life (a recorded fit, a claim) has no worker left and is failed, with the
 * reason, by the first read that sees it. A job still "queued" after {@link #STALE_QUEUED}
 * (longer than the stream keeps records) was never delivered and is failed likewise.
 */
final class TrainingJobs {

    /**
     * A fit task lost with its worker comes back after the queue's visibility timeout, up to its
     * receive count; then Lambda's longest run (15 min) and a margin.
     */
    static final Duration STALE_RUNNING = QueueCatalog.TRAINING_TASKS.visibilityTimeout()
            .multipliedBy(QueueCatalog.TRAINING_TASKS.maxReceiveCount()).plus(Duration.ofMinutes(20));
    /** DynamoDB Streams keeps records 24 hours. */
    static final Duration STALE_QUEUED = Duration.ofHours(24);
    static final Duration RETENTION = Duration.ofDays(90);
    /** The request without its CSV (grid, folds, seed…) is kept in the job item. */
    static final int MAX_REQUEST_BYTES = 32 * 1024;
    /** What the API reads of a stored dataset: its header (the rows are the worker's). */
    static final int HEAD_BYTES = 64 * 1024;

    private final TrainingTable table;
    private final TrainingFiles files;
    private final TrainingDatasets datasets;
    private final ModelOwnership ownership;
    private final ListCursor cursors;
    private final Clock clock;
    private final TrainingQuotas quotas;

    TrainingJobs(TrainingTable table, TrainingFiles files, TrainingDatasets datasets, ModelOwnership ownership,
            ListCursor cursors, Clock clock, TrainingQuotas quotas) {
        this.table = table;
        this.files = files;
        this.datasets = datasets;
        this.ownership = ownership;
        this.cursors = cursors;
        this.clock = clock;
        this.quotas = quotas;
    }

    JobAccepted submit(Principal caller, byte[] body) {
        JsonNode json = Json.readTree(body);
        if (json == null || !json.isObject()) {
            throw new InvalidInput("the body must be a JSON object");
        }
        ObjectNode request = (ObjectNode) json;
        Optional<String> reference = datasetReference(request);
        // What the job item keeps (the request without its CSV) is bounded before anything else is read.
        JsonNode dataset = request.remove("dataset");
        String stored = Json.writeString(request);
        int storedBytes = stored.getBytes(StandardCharsets.UTF_8).length;
        if (storedBytes > MAX_REQUEST_BYTES) {
            throw new PayloadTooLarge("the training request without its dataset is " + storedBytes
                    + " bytes; at most " + MAX_REQUEST_BYTES + " (the grid, folds, seed…); send the CSV as dataset.csv"
                    + " or dataset_id");
        }
        TrainingDataset[] used = new TrainingDataset[1];
        TrainSpec.Checked spec;
        // TrainSpec's own spelling of a stored dataset, {"dataset": {"id": …}}, names one too.
        Optional<String> storedId = reference.isPresent() ? reference : Optional.ofNullable(dataset)
                .filter(d -> d.isObject() && d.size() == 1 && d.path("id").isTextual() && !d.get("id").asText().isBlank())
                .map(d -> d.get("id").asText());
        if (storedId.isPresent()) {
            // A stored dataset (up to 1 GB) is not parsed here: its header is checked, its rows by the worker.
            spec = TrainSpec.checkAgainstHeader(request, () -> {
                used[0] = datasets.requireUsable(caller, storedId.get());
                return head(used[0]);
            }, files.limits());
        } else {
            request.set("dataset", dataset);
            // An inline CSV (at most Lambda's 6 MB request) is parsed whole: its problems are 400s at once.
            spec = TrainSpec.parse(request, id -> {
                throw InvalidInput.field("dataset.id", "is not available here: use dataset_id");
            }, files.limits()).checked();
        }
        Optional<TrainingDataset> fromDataset = Optional.ofNullable(used[0]);
        OptionalInt limit = caller.isAdmin() ? OptionalInt.empty() : OptionalInt.of(quotas.maxActiveJobs());
        // A claim is permanent: a caller already at the limit claims no name (the insert below still decides).
        if (limit.isPresent() && table.usage(caller.username()).activeJobs() >= limit.getAsInt()) {
            table.activeJobs(caller.username()).forEach(this::settleIfStale);
            int active = table.usage(caller.username()).activeJobs();
            if (active >= limit.getAsInt()) {
                throw tooManyJobs(active);
            }
        }
        String modelOwner = ownership.claimForTraining(caller, spec.modelName());

        String id = TrainIds.newJobId();
        String datasetKey = fromDataset.map(TrainingDataset::objectKey).orElseGet(() -> {
            String key = TrainingFiles.jobCsvKey(id);
            // Stored before the job is inserted: the worker is dispatched by the insert.
            files.put(key, dataset.get("csv").asText().getBytes(StandardCharsets.UTF_8));
            return key;
        });
        Instant now = clock.instant();
        TrainingJob job = new TrainingJob(id, caller.username(), JobStatus.QUEUED, spec.modelName(),
                spec.algorithm().value(), spec.task(), stored, datasetKey, fromDataset.map(TrainingDataset::id), now,
                Optional.empty(), Optional.empty(), 0, spec.totalFits(), 0, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.of(modelOwner), true);
        if (!table.createCountedJob(job, now.plus(RETENTION), limit)) {
            // Jobs whose worker is gone still hold their slots until a read settles them: settle, then try once more.
            table.activeJobs(caller.username()).forEach(this::settleIfStale);
            if (!table.createCountedJob(job, now.plus(RETENTION), limit)) {
                if (fromDataset.isEmpty()) {
                    files.delete(datasetKey);
                }
                throw tooManyJobs(table.usage(caller.username()).activeJobs());
            }
        }
        return new JobAccepted(id, JobStatus.QUEUED.value(), statusUrl(id));
    }

    private TooManyRequests tooManyJobs(int active) {
        return new TooManyRequests("you have " + active + " of " + quotas.maxActiveJobs() + " training jobs"
                + " queued or running; wait for one to finish or cancel one (DELETE /train/{job_id})",
                Duration.ofSeconds(60));
    }

    JobView get(Principal caller, String jobId) {
        TrainingJob job = settleIfStale(visible(caller, jobId));
        return JobView.of(job, clock.instant(), result(job));
    }

    /** {@code GET /train}: training jobs only. */
    JobPage list(Principal caller, Optional<String> user, Optional<String> cursor, int limit) {
        return list(caller, Optional.of(JobKind.TRAIN.value()), user, cursor, limit, "jobs");
    }

    /**
     * {@code GET /jobs}: every kind of job (or only {@code kind}'s), newest first; users their own,
     * admins everyone's (or {@code user}'s).
     */
    JobPage list(Principal caller, Optional<String> kind, Optional<String> user, Optional<String> cursor, int limit,
            String listingName) {
        Optional<JobKind> only = kind.map(k -> JobKind.parse(k).orElseThrow(() -> InvalidInput.field("kind",
                "must be one of " + JobKind.allValues() + ", got '" + (k.length() > 40 ? k.substring(0, 40) : k) + "'")));
        Optional<String> owner = caller.isAdmin() ? user : Optional.of(caller.username());
        if (!caller.isAdmin() && user.isPresent() && !user.get().equals(caller.username())) {
            throw new Forbidden("only an admin may list another user's jobs");
        }
        String listing = listingName + "\n" + caller.username() + "\n" + owner.orElse("*")
                + (listingName.equals("jobs") ? "" : "\n" + only.map(JobKind::value).orElse("*"));
        var after = cursors.decode(cursor, listing);
        var slice = only.isPresent() ? table.listJobs(owner, only.get(), after, limit)
                : table.listJobs(owner, after, limit);
        Instant now = clock.instant();
        return new JobPage(slice.items().stream().map(job -> JobView.of(settleIfStale(job), now, false)).toList(),
                slice.next().map(position -> cursors.encode(position, listing)));
    }

    /** How long the download URL of a batch job's CSV works: each read of the job signs a new one. */
    static final Duration DOWNLOAD_URL_VALIDITY = Duration.ofMinutes(15);

    /**
     * The stored result as shown: a batch scoring job's CSV is named by a download URL signed now
     * (its object key stays inside).
     */
    private Optional<JsonNode> result(TrainingJob job) {
        Optional<JsonNode> stored = job.result().map(r -> Json.readTree(r.getBytes(StandardCharsets.UTF_8)));
        if (stored.isEmpty() || job.jobKind() != JobKind.PREDICT_BATCH || !stored.get().isObject()) {
            return stored;
        }
        ObjectNode shown = ((ObjectNode) stored.get()).deepCopy();
        JsonNode key = shown.remove("object_key");
        if (key != null && key.isTextual() && key.asText().startsWith(TrainingFiles.PREFIX)) {
            shown.put("download_url", files.presignDownload(key.asText(), DOWNLOAD_URL_VALIDITY).toString());
            shown.put("download_expires_at", clock.instant().plus(DOWNLOAD_URL_VALIDITY).toString());
        }
        return Optional.of(shown);
    }

    /** Cancels a queued or running job: the worker stops at its next fit and registers nothing. */
    JobView cancel(Principal caller, String jobId) {
        TrainingJob job = visible(caller, jobId);
        if (!table.cancel(job.id(), caller.username(), clock.instant())) {
            TrainingJob now = table.findJob(job.id()).orElseThrow(() -> notFound(jobId));
            throw new Conflict("job '" + jobId + "' has already " + (now.status() == JobStatus.CANCELLED
                    ? "been cancelled" : "finished: " + now.status().value()));
        }
        TrainingJob cancelled = table.findJob(job.id()).orElseThrow(() -> notFound(jobId));
        return JobView.of(cancelled, clock.instant(), result(cancelled));
    }

    /** The start of a stored dataset, enough for its header ({@link #HEAD_BYTES}: one ranged GET). */
    private TrainSpec.Head head(TrainingDataset dataset) {
        byte[] bytes = files.readStart(dataset.objectKey(), HEAD_BYTES).orElseThrow(() -> new Conflict(
                "the file of dataset '" + dataset.id() + "' is missing; upload it again"));
        return new TrainSpec.Head(new String(bytes, StandardCharsets.UTF_8), bytes.length < HEAD_BYTES
                || dataset.size() <= HEAD_BYTES);
    }

    static String statusUrl(String jobId) {
        return "/train/" + jobId;
    }

    /** A job with no worker left is failed here, with the reason, so it never stays queued or running. */
    private TrainingJob settleIfStale(TrainingJob job) {
        Instant now = clock.instant();
        Optional<String> reason = Optional.empty();
        Optional<Instant> lastSign = job.heartbeatAt().or(job::attemptStartedAt);
        if (job.status() == JobStatus.RUNNING && lastSign.isPresent() && lastSign.get().plus(STALE_RUNNING).isBefore(now)) {
            reason = Optional.of("the worker stopped without finishing (attempt " + job.attempts() + " started at "
                    + job.attemptStartedAt().get() + ", last progress at " + job.heartbeatAt().orElse(null)
                    + ", " + job.done() + " of " + job.total() + " fits); no retry is left");
        } else if (job.status() == JobStatus.QUEUED && job.createdAt().plus(STALE_QUEUED).isBefore(now)) {
            reason = Optional.of("no worker picked the job up within " + STALE_QUEUED.toHours() + " hours");
        }
        if (reason.isEmpty()) {
            return job;
        }
        table.failUnchanged(job.id(), job.status(), job.attempts(), reason.get(), now);
        return table.findJob(job.id()).orElse(job);
    }

    private TrainingJob visible(Principal caller, String jobId) {
        TrainIds.require(jobId);
        return table.findJob(jobId).filter(job -> caller.isAdmin() || job.owner().equals(caller.username()))
                .orElseThrow(() -> notFound(jobId));
    }

    /** {@code "dataset_id": "ds-…"} or {@code "dataset": {"dataset_id": "ds-…"}}, taken out of the request. */
    private static Optional<String> datasetReference(ObjectNode request) {
        JsonNode top = request.remove("dataset_id");
        JsonNode nested = request.path("dataset").isObject() ? request.get("dataset").get("dataset_id") : null;
        if (top != null && nested != null) {
            throw InvalidInput.field("dataset_id", "give the dataset once: dataset_id or dataset.dataset_id");
        }
        JsonNode reference = top != null ? top : nested;
        if (reference == null) {
            return Optional.empty();
        }
        if (nested != null && request.get("dataset").size() > 1) {
            throw InvalidInput.field("dataset", "is either {\"csv\": …} or {\"dataset_id\": …}, not both");
        }
        if (top != null && request.has("dataset")) {
            throw InvalidInput.field("dataset", "is either inline or dataset_id, not both");
        }
        if (!reference.isTextual()) {
            throw InvalidInput.field("dataset_id", "must be the id POST /datasets returned");
        }
        request.remove("dataset");
        return Optional.of(reference.asText());
    }

    private static NotFound notFound(String jobId) {
        return new NotFound("no job '" + jobId + "'");
    }
}
