package dev.mlapi.train;

import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.queue.TaskQueue;
import dev.mlapi.registry.ModelRegistryWriter;
import dev.mlapi.training.ClassWeight;
import dev.mlapi.training.GridSearch;
import dev.mlapi.training.ModelTrainer;
import dev.mlapi.training.SearchOptions;
import dev.mlapi.training.SearchPlan;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Plans one queued training job, as the worker's stream record asks (the planner of a fanned-out
 * grid search; the fits run in {@code fit-worker}).
 *
 * <ol>
 * <li>Claims an attempt (running, attempts + 1) only while the job is queued or running with
 * attempts left: a redelivered record of a finished job does nothing; a job whose planner died
 * is planned again (fits already recorded stay recorded), at most {@link #MAX_ATTEMPTS} times in
 * all, then failed with the reason.</li>
 * <li>Loads the dataset from S3 and checks it as {@code POST /train} does (a bad one fails the job
 * with the 400's reason), and fixes the folds from the seed ({@link SearchPlan}).</li>
 * <li>Times one real fit (the cheapest by {@link TaskGrouping#weight}; recorded like any other), packs
 * the other fits into tasks of nearly equal estimated time whose overhead stays under 10 % of
 * their fit time ({@link TaskGrouping}), sets {@code total} to the number of fits and sends the tasks to
 * {@link QueueCatalog#TRAINING_TASKS}, longest first. The fit that completes the job sends its refit ({@link FitWorker}).</li>
 * </ol>
 * Only a storage outage escapes (to be retried by the event source); every other failure is the
 * job's and is recorded on it.
 */
final class TrainingWorker {

    static final int MAX_ATTEMPTS = 3;
    /** Under DynamoDB's 400 KB item limit with the rest of the job. */
    static final int MAX_RESULT_BYTES = 300 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(TrainingWorker.class);

    private final TrainingTable table;
    private final JobInputs inputs;
    private final FitRunner fits;
    private final TaskQueue queue;
    private final Clock clock;

    TrainingWorker(TrainingTable table, JobInputs inputs, FitRunner fits, TaskQueue queue, Clock clock) {
        this.table = table;
        this.inputs = inputs;
        this.fits = fits;
        this.queue = queue;
        this.clock = clock;
    }

    /** Plans job {@code jobId}; {@code worker} names this worker in the record of the fit it times. */
    void run(String jobId, String worker) {
        Instant now = clock.instant();
        Optional<TrainingJob> claimed = table.claim(jobId, MAX_ATTEMPTS, now);
        if (claimed.isEmpty()) {
            settleUnclaimable(jobId, now);
            return;
        }
        TrainingJob job = claimed.get();
        int attempt = job.attempts();
        if (attempt > 1) {
            LOG.warn("job {}: planning again (attempt {} of {}): the previous planner stopped without finishing",
                    jobId, attempt, MAX_ATTEMPTS);
        }
        try {
            plan(job, worker);
        } catch (RuntimeException e) {
            if (e instanceof FitRunner.FitFailed) {
                LOG.info("job {} failed: {}", jobId, e.getMessage(), e.getCause());
                table.fail(jobId, attempt, e.getMessage(), clock.instant());
                return;
            }
            if (isTransient(e)) {
                LOG.warn("job {}: storage failed; the record is retried (attempt {} of {})", jobId, attempt,
                        MAX_ATTEMPTS, e);
                throw e;
            }
            String reason = e instanceof TrainingStopped ? e.getMessage() : reason(e);
            LOG.info("job {} failed: {}", jobId, reason, e);
            table.fail(jobId, attempt, reason, clock.instant());
        }
    }

    private void plan(TrainingJob job, String worker) {
        String jobId = job.id();
        int attempt = job.attempts();
        // Read from S3, not the cache: the digest is known only once the CSV is read.
        JobInputs.Loaded loaded = inputs.load(job, "");
        TrainSpec spec = loaded.spec();
        SearchPlan plan = loaded.plan();
        List<TrainingTask.Fit> all = new ArrayList<>();
        for (int c = 0; c < plan.candidateCount(); c++) {
            for (int f = 0; f < plan.folds(); f++) {
                all.add(new TrainingTask.Fit(c, f));
            }
        }
        Map<String, FitRecord> recorded = table.fitRecords(all.stream().map(fit -> fit.id(jobId)).toList());
        List<TrainingTask.Fit> missing = all.stream().filter(fit -> !recorded.containsKey(fit.id(jobId))).toList();
        double overhead = TaskGrouping.QUEUE_SECONDS + loaded.loadSeconds();
        if (!table.startFanOut(jobId, attempt, plan.fitCount(), plan.folds(), 0, 0, overhead, spec.datasetSha256(),
                clock.instant())) {
            LOG.info("job {}: no longer attempt {}'s (cancelled or superseded); nothing sent", jobId, attempt);
            return;
        }
        if (missing.isEmpty()) {
            queue.send(List.of(TrainingTask.refit(jobId).toJson()));
            table.addTasks(jobId, 1);
            LOG.info("job {}: every fit was already recorded; refit sent", jobId);
            return;
        }
        // One real fit, timed and recorded, tells what a fit of this job costs: the cheapest, as it runs alone.
        int rows = plan.data().size() * (plan.folds() - 1) / plan.folds();
        ToDoubleFunction<TrainingTask.Fit> weight = fit -> TaskGrouping.weight(spec.algorithm(),
                plan.params(fit.candidate()), rows);
        TrainingTask.Fit timed = missing.stream().min(Comparator.comparingDouble(weight)).orElseThrow();
        SearchOptions options = SearchOptions.defaults().withParallelism(1)
                .withStop(new JobWatch(table, jobId, clock, JobWatch.INTERVAL), "the job was cancelled");
        long started = System.nanoTime();
        fits.run(jobId, plan, List.of(timed), overhead, worker, options);
        double fitSeconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        double timedWeight = weight.applyAsDouble(timed);
        List<TrainingTask.Fit> rest = missing.stream().filter(fit -> !fit.equals(timed)).toList();
        List<List<TrainingTask.Fit>> groups = TaskGrouping.group(rest,
                fit -> fitSeconds * weight.applyAsDouble(fit) / timedWeight, overhead);
        List<String> tasks = groups.stream().map(group -> TrainingTask.fits(jobId, group, job.datasetKey(),
                spec.datasetSha256()).toJson()).toList();
        table.startFanOut(jobId, attempt, plan.fitCount(), plan.folds(), tasks.size() + 1, fitSeconds,
                overhead, spec.datasetSha256(), clock.instant());
        queue.send(tasks);
        LOG.info("job {}: {} fits ({} recorded before); one timed at {} s; {} more in {} tasks (task overhead about"
                + " {} s)", jobId, plan.fitCount(), recorded.size(), String.format(Locale.ROOT, "%.3f", fitSeconds),
                rest.size(), tasks.size(), String.format(Locale.ROOT, "%.3f", overhead));
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

    /** A cancellation that came in during export or registration: the version goes again. */
    static void undoRegistration(ModelRegistryWriter registry, String jobId, ModelTrainer.Outcome outcome,
            TrainSpec spec) {
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
    static String result(ModelTrainer.Outcome outcome, TrainSpec spec, Map<String, Object> fanOut) {
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
        // How the fits were spread: tasks run, distinct workers that ran them, wall time from plan to refit.
        result.putAll(fanOut);
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

    static boolean isTransient(RuntimeException e) {
        return e instanceof ServiceUnavailable || e instanceof SdkException;
    }

    static String reason(RuntimeException e) {
        if (e instanceof ApiException api) {
            return api.errors().isEmpty() ? api.detail() : api.detail() + ": " + String.join("; ",
                    api.errors().stream().map(error -> error.field() + " " + error.message()).toList());
        }
        return "training failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
}
