package dev.mlapi.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.json.Json;
import dev.mlapi.registry.ModelRegistryWriter;
import dev.mlapi.training.ClassWeight;
import dev.mlapi.training.GridSearch;
import dev.mlapi.training.ModelTrainer;
import dev.mlapi.training.SearchOptions;
import dev.mlapi.training.TrainSpec;
import dev.mlapi.training.TrainingStopped;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Runs one queued training job to its end, as the worker's stream record asks.
 *
 * <ol>
 * <li>Claims an attempt (running, attempts + 1) only while the job is queued or running with
 * attempts left: a redelivered record of a finished job does nothing; a job whose earlier worker
 * died is restarted from scratch, at most {@link #MAX_ATTEMPTS} times in all, then failed with the
 * reason.</li>
 * <li>Trains ({@link ModelTrainer}: grid search, export verified against Tribuo, registration
 * and, asked for, deployment, each write only while the model name is still the one the job was
 * accepted for: else the job fails with "model name '…' belongs to another user"),
 * reporting progress, stopping at the next fit when cancelled, and failing cleanly ("stopped after
 * N of M fits") before the function's timeout.</li>
 * <li>Stores the result, or the reason it failed. A job cancelled while its model was being
 * registered gets that version deleted again.</li>
 * </ol>
 * Only a storage outage escapes (to be retried by the event source); every other failure is the
 * job's and is recorded on it.
 */
final class TrainingWorker {

    static final int MAX_ATTEMPTS = 3;
    static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);
    /** Left for export, verification and registration after the last fit, and for the final write. */
    static final Duration SAFETY_MARGIN = Duration.ofSeconds(90);
    /** Under DynamoDB's 400 KB item limit with the rest of the job. */
    static final int MAX_RESULT_BYTES = 300 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(TrainingWorker.class);

    private final TrainingTable table;
    private final TrainingFiles files;
    private final ModelRegistryWriter registry;
    private final ModelOwnership ownership;
    private final Clock clock;
    private final Duration safetyMargin;

    TrainingWorker(TrainingTable table, TrainingFiles files, ModelRegistryWriter registry, Clock clock,
            Duration safetyMargin) {
        this.table = table;
        this.files = files;
        this.registry = registry;
        this.ownership = new ModelOwnership(registry);
        this.clock = clock;
        this.safetyMargin = safetyMargin;
    }

    /** Runs job {@code jobId} with {@code timeLeft} before the function is stopped. */
    void run(String jobId, Duration timeLeft) {
        Instant now = clock.instant();
        Optional<TrainingJob> claimed = table.claim(jobId, MAX_ATTEMPTS, now);
        if (claimed.isEmpty()) {
            settleUnclaimable(jobId, now);
            return;
        }
        TrainingJob job = claimed.get();
        int attempt = job.attempts();
        if (attempt > 1) {
            LOG.warn("job {}: restarting (attempt {} of {}): the previous worker stopped without finishing", jobId,
                    attempt, MAX_ATTEMPTS);
        }
        Instant deadline = now.plus(timeLeft).minus(safetyMargin);
        JobProgress progress = new JobProgress(table, jobId, attempt, clock, deadline, PROGRESS_INTERVAL);
        TrainSpec spec;
        ModelTrainer.Outcome outcome;
        try {
            spec = spec(job);
            SearchOptions options = SearchOptions.defaults()
                    .withStop(progress::isStopped, "the job was cancelled")
                    .withDeadline(deadline, clock);
            // The name must still be the one its job was accepted for right before each registry write.
            ModelTrainer trainer = new ModelTrainer(registry,
                    name -> ownership.requireStillOwned(name, job.expectedModelOwner()));
            outcome = trainer.train(spec, job.owner(), progress, options);
        } catch (RuntimeException e) {
            Optional<JobStop> stop = JobStop.in(e).or(progress::stop);
            if (stop.isPresent() && !(stop.get() instanceof JobStop.OutOfTime)) {
                LOG.info("job {}: {}", jobId, stop.get().getMessage());
                return;
            }
            if (stop.isEmpty() && isTransient(e)) {
                LOG.warn("job {}: storage failed; the record is retried (attempt {} of {})", jobId, attempt,
                        MAX_ATTEMPTS, e);
                throw e;
            }
            String reason = stop.map(Throwable::getMessage)
                    .orElseGet(() -> e instanceof TrainingStopped ? e.getMessage() : reason(e));
            LOG.info("job {} failed: {}", jobId, reason, stop.isPresent() ? null : e);
            table.fail(jobId, attempt, reason, clock.instant());
            return;
        }
        String result = result(outcome, spec);
        if (!table.succeed(jobId, attempt, job.total(), result, clock.instant())) {
            undoRegistration(jobId, outcome, spec);
            return;
        }
        LOG.info("job {} succeeded: {} registered", jobId, outcome.manifest().ref());
    }

    /** A record whose job cannot be claimed: finished (nothing to do), or out of attempts (failed now). */
    private void settleUnclaimable(String jobId, Instant now) {
        Optional<TrainingJob> job = table.findJob(jobId);
        if (job.isEmpty() || job.get().status().isFinished()) {
            LOG.info("job {}: already {}; a redelivered record changes nothing", jobId,
                    job.map(j -> j.status().value()).orElse("gone"));
            return;
        }
        TrainingJob stuck = job.get();
        table.failUnchanged(jobId, stuck.status(), stuck.attempts(), "the worker stopped without finishing "
                + stuck.attempts() + " times (a timeout or a crash; the last attempt started at "
                + stuck.attemptStartedAt().orElse(null) + " and reached " + stuck.done() + " of " + stuck.total()
                + " fits); not retried again", now);
        LOG.warn("job {}: failed after {} attempts", jobId, stuck.attempts());
    }

    /** The stored request with its CSV streamed from storage, parsed as {@code POST /train} parses an inline one. */
    private TrainSpec spec(TrainingJob job) {
        ObjectNode request = (ObjectNode) Json.readTree(job.request().getBytes(StandardCharsets.UTF_8));
        return TrainSpec.parse(request, () -> files.open(job.datasetKey()).orElseThrow(() -> new IllegalStateException(
                "its dataset " + job.datasetId().orElse("") + " was deleted before the job ran")), job.datasetId(),
                files.limits());
    }

    /** A cancellation that came in during export or registration: the version goes again. */
    private void undoRegistration(String jobId, ModelTrainer.Outcome outcome, TrainSpec spec) {
        var manifest = outcome.manifest();
        if (spec.deploy()) {
            LOG.warn("job {} was cancelled while {} was registered and deployed; the version is kept because"
                    + " the production alias points at it", jobId, manifest.ref());
            return;
        }
        try {
            registry.deleteVersion(manifest.name(), manifest.version());
            LOG.info("job {} was cancelled during registration; {} deleted again", jobId, manifest.ref());
        } catch (RuntimeException e) {
            LOG.warn("job {} was cancelled during registration; deleting {} failed", jobId, manifest.ref(), e);
        }
    }

    /** What {@code GET /train/{id}} shows on success, in scikit-learn's terms. */
    static String result(ModelTrainer.Outcome outcome, TrainSpec spec) {
        List<Map<String, Object>> candidates = new ArrayList<>();
        for (GridSearch.CandidateScore c : outcome.candidates()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("params", c.params());
            row.put("mean_score", c.meanScore());
            row.put("std_score", c.stdScore());
            row.put("mean_fit_time", c.meanFitSeconds());
            candidates.add(row);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("best_params", outcome.best().params());
        result.put("best_score", outcome.best().meanScore());
        result.put("best_score_std", outcome.best().stdScore());
        result.put("metric", outcome.metric());
        result.put("cv_folds", spec.cvFolds());
        result.put("seed", spec.seed());
        result.put("candidates", candidates);
        // every column: its type (inferred or overridden), how it was encoded, or why it was left out
        result.put("columns", spec.dataset().schema().describe());
        if (spec.testSize() > 0) {
            result.put("test_size", spec.testSize());
        }
        if (spec.classWeight() == ClassWeight.BALANCED) {
            result.put("class_weight", "balanced");
        }
        if (!outcome.evaluation().isEmpty()) {
            result.put("evaluation", outcome.evaluation());
        }
        if (!outcome.featureImportances().isEmpty()) {
            result.put("feature_importances", outcome.featureImportances());
            result.put("feature_importances_kind", "split_count");
        }
        result.put("model", Map.of("name", outcome.manifest().name(), "version", outcome.manifest().version()));
        result.put("deployed", spec.deploy());
        String json = Json.writeString(result);
        if (json.getBytes(StandardCharsets.UTF_8).length > MAX_RESULT_BYTES) {
            // The best candidates are kept; the manifest's metrics hold every one.
            candidates.sort(Comparator.comparingDouble(row -> -((Double) row.get("mean_score"))));
            result.put("candidates", candidates.subList(0, Math.min(200, candidates.size())));
            result.put("candidates_truncated", true);
            json = Json.writeString(result);
        }
        return json;
    }

    private static boolean isTransient(RuntimeException e) {
        return e instanceof ServiceUnavailable || e instanceof SdkException;
    }

    private static String reason(RuntimeException e) {
        if (e instanceof ApiException api) {
            return api.errors().isEmpty() ? api.detail() : api.detail() + ": " + String.join("; ",
                    api.errors().stream().map(error -> error.field() + " " + error.message()).toList());
        }
        return "training failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
}
