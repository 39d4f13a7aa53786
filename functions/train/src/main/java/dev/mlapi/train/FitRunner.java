package dev.mlapi.train;

import dev.mlapi.core.queue.TaskQueue;
import dev.mlapi.training.SearchOptions;
import dev.mlapi.training.SearchPlan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs fits of a job and records each exactly once ({@link TrainingTable#recordFit}): fits already
 * recorded (a redelivered task) are skipped, no fit starts once the job stops running (checked
 * before each fit and, through {@link SearchOptions#withStop}, inside it), and whoever records the
 * job's last fit sends its refit task. Used by the fit worker for its tasks and by the planner for
 * the fit it times.
 */
final class FitRunner {

    /** A fit that failed, naming it as the job's error will: candidate, its parameters, fold, cause. */
    static final class FitFailed extends RuntimeException {
        FitFailed(int candidate, Map<String, Object> params, int fold, RuntimeException cause) {
            super("fit of candidate " + candidate + " (" + describe(params) + ") on fold " + fold + " failed: "
                    + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()), cause);
        }
    }

    /** How long a unit record is kept: as long as its job ({@link TrainingJobs#RETENTION}). */
    static final Duration RETENTION = Duration.ofDays(90);
    private static final Logger LOG = LoggerFactory.getLogger(FitRunner.class);

    /** How one fit is made: {@link SearchPlan#fit}; a test may put a fault in front of it. */
    @FunctionalInterface
    interface Fitter {
        SearchPlan.FitResult fit(SearchPlan plan, int candidate, int fold, SearchOptions options);
    }

    private final TrainingTable table;
    private final TaskQueue queue;
    private final Clock clock;
    private final Fitter fitter;

    FitRunner(TrainingTable table, TaskQueue queue, Clock clock) {
        this(table, queue, clock, SearchPlan::fit);
    }

    FitRunner(TrainingTable table, TaskQueue queue, Clock clock, Fitter fitter) {
        this.table = table;
        this.queue = queue;
        this.clock = clock;
        this.fitter = fitter;
    }

    /**
     * Fits and records {@code fits} of job {@code jobId} on {@code parallelism} cores, each
     * charged {@code overheadPerFit} of its task's overhead; returns how many it recorded.
     *
     * @throws FitFailed when a fit throws (the others of the task still run and are recorded)
     */
    int run(String jobId, SearchPlan plan, List<TrainingTask.Fit> fits, double overheadPerFit, String worker,
            SearchOptions options) {
        Map<String, FitRecord> recorded = table.fitRecords(fits.stream().map(fit -> fit.id(jobId)).toList());
        List<TrainingTask.Fit> missing = fits.stream().filter(fit -> !recorded.containsKey(fit.id(jobId))).toList();
        if (missing.size() < fits.size()) {
            LOG.info("job {}: {} of the task's {} fits were already recorded (a redelivered task)", jobId,
                    fits.size() - missing.size(), fits.size());
            resendRefitIfDue(jobId);
        }
        int[] counted = new int[1];
        RuntimeException[] failure = new RuntimeException[1];
        Runnable all = () -> (options.parallelism() > 1 ? missing.parallelStream() : missing.stream()).forEach(fit -> {
            if (options.stopReason().isPresent()) {
                return;
            }
            SearchPlan.FitResult result;
            try {
                result = fitter.fit(plan, fit.candidate(), fit.fold(), options);
            } catch (RuntimeException e) {
                if (options.stopReason().isPresent()) {
                    return; // stopped inside the fit (between trees): not a failure of the fit
                }
                synchronized (failure) {
                    if (failure[0] == null) {
                        failure[0] = new FitFailed(fit.candidate(), plan.params(fit.candidate()), fit.fold(), e);
                    }
                }
                return;
            }
            Instant now = clock.instant();
            switch (table.recordFit(jobId, FitRecord.of(result, overheadPerFit, worker), now, now.plus(RETENTION))) {
                case LAST -> {
                    LOG.info("job {}: fit ({}, {}) was the last; sending the refit", jobId, fit.candidate(), fit.fold());
                    queue.send(List.of(TrainingTask.refit(jobId).toJson()));
                    synchronized (counted) {
                        counted[0]++;
                    }
                }
                case COUNTED -> {
                    synchronized (counted) {
                        counted[0]++;
                    }
                }
                case ALREADY, NOT_RUNNING -> {
                }
            }
        });
        if (options.parallelism() == 1) {
            all.run();
        } else {
            ForkJoinPool pool = new ForkJoinPool(options.parallelism());
            try {
                pool.submit(all).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while fitting", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } finally {
                pool.shutdown();
            }
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return counted[0];
    }

    /**
     * A redelivered task whose first delivery recorded the last fit but failed before its refit
     * task was sent (SQS unavailable) sends it now: a refit runs once however often it is sent.
     */
    private void resendRefitIfDue(String jobId) {
        table.findJob(jobId).filter(job -> job.status() == JobStatus.RUNNING && job.done() >= job.total())
                .ifPresent(job -> {
                    LOG.info("job {}: every fit is recorded; sending its refit (again)", jobId);
                    queue.send(List.of(TrainingTask.refit(jobId).toJson()));
                });
    }

    /** {@code max_depth=3, n_estimators=50}: a candidate's parameters as an error names them. */
    static String describe(Map<String, Object> params) {
        return params.entrySet().stream().map(e -> e.getKey() + "=" + (e.getValue() == null ? "none" : e.getValue()))
                .collect(Collectors.joining(", "));
    }
}
