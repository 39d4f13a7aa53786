package dev.mlapi.train;

import dev.mlapi.registry.ModelRegistryWriter;
import dev.mlapi.training.ModelTrainer;
import dev.mlapi.training.SearchOptions;
import dev.mlapi.training.SearchPlan;
import dev.mlapi.training.TrainingStopped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task of the training queue ({@link TrainingTask}):
 *
 * <ul>
 * <li><b>fit</b>: skips it if the job is no longer running (cancelled: nothing starts), loads the
 * job's dataset (the worker's {@link DatasetCache}, else S3) and plan, and fits, scores and records
 * each of the task's fits exactly once ({@link FitRunner}); the last one sends the refit.</li>
 * <li><b>refit</b>: takes the refit ({@link TrainingTable#claimRefit}: one at a time), aggregates the
 * recorded fits into the candidates' scores, refits the best candidate on every training row,
 * exports, verifies, registers and stores the result as the in-process search did
 * ({@link ModelTrainer#finish}), adding {@code tasks}, {@code workers_seen} and
 * {@code fanout_seconds}.</li>
 * <li><b>plan</b>: plans the job again ({@link TrainingWorker}), as {@link JobRecovery} asks for a
 * job whose planner stopped before sending its tasks.</li>
 * </ul>
 * A fit that throws fails the task; on its last receive ({@code lastReceive}) the job is failed
 * first, naming the candidate, its parameters, the fold and the error, so it never stays running.
 */
final class FitWorker {

    /** A refit taken longer ago than this (over the function's 15 minutes) was lost: it may be taken again. */
    static final Duration REFIT_STALE = Duration.ofMinutes(16);
    /** Left for export, verification, registration and the final write after the refit's fit. */
    static final Duration SAFETY_MARGIN = Duration.ofSeconds(90);
    private static final Logger LOG = LoggerFactory.getLogger(FitWorker.class);

    private final TrainingTable table;
    private final JobInputs inputs;
    private final FitRunner fits;
    private final TrainingWorker planner;
    private final ModelRegistryWriter registry;
    private final ModelOwnership ownership;
    private final Clock clock;
    private final int parallelism;

    FitWorker(TrainingTable table, JobInputs inputs, FitRunner fits, TrainingWorker planner,
            ModelRegistryWriter registry, Clock clock, int parallelism) {
        this.table = table;
        this.inputs = inputs;
        this.fits = fits;
        this.planner = planner;
        this.registry = registry;
        this.ownership = new ModelOwnership(registry);
        this.clock = clock;
        this.parallelism = parallelism;
    }

    /**
     * Runs {@code task} as worker {@code worker} with {@code timeLeft} before the function stops.
     *
     * @throws RuntimeException when the task failed and must be delivered again (or, on its last
     *                          receive, go to the dead-letter queue after the job was failed)
     */
    void run(TrainingTask task, boolean lastReceive, String worker, Duration timeLeft) {
        switch (task.kind()) {
            case FIT -> fit(task, lastReceive, worker);
            case REFIT -> refit(task.job(), lastReceive, timeLeft);
            case PLAN -> planner.run(task.job(), worker);
        }
    }

    private void fit(TrainingTask task, boolean lastReceive, String worker) {
        long started = System.nanoTime();
        String jobId = task.job();
        Optional<TrainingJob> job = table.findJob(jobId);
        if (job.isEmpty() || job.get().status() != JobStatus.RUNNING) {
            LOG.info("job {}: {}; the task's {} fits do not start", jobId,
                    job.map(j -> "already " + j.status().value()).orElse("gone"), task.fits().size());
            return;
        }
        try {
            JobInputs.Loaded loaded = inputs.load(job.get(), task.datasetSha256());
            double overheadPerFit = (System.nanoTime() - started) / 1e9 / task.fits().size();
            SearchOptions options = SearchOptions.defaults().withParallelism(parallelism)
                    .withStop(new JobWatch(table, jobId, clock, JobWatch.INTERVAL), "the job was cancelled");
            fits.run(jobId, loaded.plan(), task.fits(), overheadPerFit, worker, options);
        } catch (RuntimeException e) {
            if (lastReceive) {
                String reason = e instanceof FitRunner.FitFailed ? e.getMessage() : "a fit task of "
                        + task.fits().size() + " fits failed 3 times: " + TrainingWorker.reason(e);
                LOG.warn("job {} failed on the task's last receive: {}", jobId, reason, e);
                table.failActive(jobId, reason, clock.instant());
            }
            throw e;
        }
    }

    private void refit(String jobId, boolean lastReceive, Duration timeLeft) {
        Instant now = clock.instant();
        Optional<TrainingJob> claimed = table.claimRefit(jobId, now, REFIT_STALE);
        if (claimed.isEmpty()) {
            LOG.info("job {}: its refit is not to run here (finished, not every fit recorded, or running elsewhere)",
                    jobId);
            return;
        }
        TrainingJob job = claimed.get();
        TrainingTable.FanOut fanOut = table.findFanOut(jobId).orElseThrow();
        try {
            JobInputs.Loaded loaded = inputs.load(job, fanOut.datasetSha256());
            SearchPlan plan = loaded.plan();
            List<String> ids = new ArrayList<>();
            for (int c = 0; c < plan.candidateCount(); c++) {
                for (int f = 0; f < plan.folds(); f++) {
                    ids.add(TrainingTable.fitId(jobId, c, f));
                }
            }
            Map<String, FitRecord> records = table.fitRecords(ids);
            double fanOutSeconds = fanOut.startedAt().map(start -> Duration.between(start, now).toMillis() / 1000.0)
                    .orElse(0.0);
            SearchOptions options = SearchOptions.defaults()
                    .withStop(new JobWatch(table, jobId, clock, JobWatch.INTERVAL), "the job was cancelled")
                    .withDeadline(now.plus(timeLeft).minus(SAFETY_MARGIN), clock);
            ModelTrainer trainer = new ModelTrainer(registry,
                    name -> ownership.requireStillOwned(name, job.expectedModelOwner()));
            ModelTrainer.Outcome outcome = trainer.finish(loaded.spec(),
                    records.values().stream().map(FitRecord::result).toList(), job.owner(), options, fanOutSeconds);
            String result = TrainingWorker.result(outcome, loaded.spec(), fanOutFields(fanOut, records, fanOutSeconds));
            if (!table.succeed(jobId, job.attempts(), job.total(), result, clock.instant())) {
                TrainingWorker.undoRegistration(registry, jobId, outcome, loaded.spec());
                return;
            }
            LOG.info("job {} succeeded: {} registered", jobId, outcome.manifest().ref());
        } catch (RuntimeException e) {
            if (e instanceof TrainingStopped stopped && table.findJob(jobId).map(j -> j.status() != JobStatus.RUNNING)
                    .orElse(true)) {
                LOG.info("job {}: refit stopped: {}", jobId, stopped.getMessage());
                return;
            }
            if (TrainingWorker.isTransient(e) && !lastReceive) {
                table.releaseRefit(jobId);
                throw e;
            }
            String reason = e instanceof TrainingStopped ? e.getMessage() : TrainingWorker.reason(e);
            LOG.info("job {} failed in its refit: {}", jobId, reason, e);
            table.fail(jobId, job.attempts(), reason, clock.instant());
        }
    }

    /** What the result adds about the fan-out: tasks sent, distinct workers, wall time, fit and overhead seconds. */
    static Map<String, Object> fanOutFields(TrainingTable.FanOut fanOut, Map<String, FitRecord> records,
            double fanOutSeconds) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("tasks", fanOut.tasks());
        fields.put("workers_seen", new TreeSet<>(records.values().stream().map(FitRecord::worker).toList()).size());
        fields.put("fanout_seconds", fanOutSeconds);
        fields.put("fit_seconds", records.values().stream().mapToDouble(FitRecord::seconds).sum());
        fields.put("task_overhead_seconds", records.values().stream().mapToDouble(FitRecord::overheadSeconds).sum());
        return fields;
    }
}
