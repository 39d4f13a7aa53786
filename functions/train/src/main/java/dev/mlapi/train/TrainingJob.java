package dev.mlapi.train;

import dev.mlapi.core.jobs.JobKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One training job as the jobs table holds it.
 *
 * @param request          the training request without its dataset, as JSON (grid, folds, seed…)
 * @param datasetKey       where its CSV is in the bucket (under {@code training/})
 * @param attempts         how many times a worker has started it
 * @param attemptStartedAt when the current (last) attempt started
 * @param heartbeatAt      the worker's last progress report
 * @param result           on success: best parameters, scores, every candidate, the registered model (JSON)
 * @param modelOwner       who the model name belonged to when the job was accepted (the name's claim);
 *                         the worker registers only while it still does. Empty for jobs from before claims
 * @param counted          whether the job holds one of its owner's active-job slots (every job accepted
 *                         since quotas; a slot is given back exactly once, when the job leaves queued/running)
 * @param jobKind          training, batch scoring or batch tagging ({@code job_kind}; absent = training)
 */
public record TrainingJob(
        String id,
        String owner,
        JobStatus status,
        String modelName,
        String algorithm,
        String task,
        String request,
        String datasetKey,
        Optional<String> datasetId,
        Instant createdAt,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        int done,
        int total,
        int attempts,
        Optional<Instant> attemptStartedAt,
        Optional<Instant> heartbeatAt,
        Optional<String> error,
        Optional<String> result,
        Optional<String> modelOwner,
        boolean counted,
        JobKind jobKind) {

    /** A training job. */
    public TrainingJob(String id, String owner, JobStatus status, String modelName, String algorithm, String task,
            String request, String datasetKey, Optional<String> datasetId, Instant createdAt,
            Optional<Instant> startedAt, Optional<Instant> finishedAt, int done, int total, int attempts,
            Optional<Instant> attemptStartedAt, Optional<Instant> heartbeatAt, Optional<String> error,
            Optional<String> result, Optional<String> modelOwner, boolean counted) {
        this(id, owner, status, modelName, algorithm, task, request, datasetKey, datasetId, createdAt, startedAt,
                finishedAt, done, total, attempts, attemptStartedAt, heartbeatAt, error, result, modelOwner, counted,
                JobKind.TRAIN);
    }

    /** A job from before model-name claims and quotas: no recorded name owner, no slot held. */
    public TrainingJob(String id, String owner, JobStatus status, String modelName, String algorithm, String task,
            String request, String datasetKey, Optional<String> datasetId, Instant createdAt,
            Optional<Instant> startedAt, Optional<Instant> finishedAt, int done, int total, int attempts,
            Optional<Instant> attemptStartedAt, Optional<Instant> heartbeatAt, Optional<String> error,
            Optional<String> result) {
        this(id, owner, status, modelName, algorithm, task, request, datasetKey, datasetId, createdAt, startedAt,
                finishedAt, done, total, attempts, attemptStartedAt, heartbeatAt, error, result, Optional.empty(),
                false);
    }

    /** Whose model name the worker must find it still is: the recorded claim, else (older jobs) the job's owner. */
    public String expectedModelOwner() {
        return modelOwner.orElse(owner);
    }

    /** How long it has been running (or ran), if it started. */
    public Optional<Duration> elapsed(Instant now) {
        return startedAt.map(start -> Duration.between(start, finishedAt.orElse(now)));
    }

    /** The remaining time at the current attempt's pace of fits; empty before the first fit or once finished. */
    public Optional<Duration> estimatedRemaining(Instant now) {
        if (status != JobStatus.RUNNING || done <= 0 || attemptStartedAt.isEmpty()) {
            return Optional.empty();
        }
        long millis = Duration.between(attemptStartedAt.get(), now).toMillis();
        return Optional.of(Duration.ofMillis(Math.max(0, millis * (total - done) / done)));
    }
}
