package dev.mlapi.train;

import dev.mlapi.core.jobs.ActiveJobs;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.queue.TaskQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends again the work of unfinished training jobs that a lost queue took with it (the local
 * server's queues are empty after a restart): for each job queued or running, the fit tasks of
 * its fits that have no record, grouped by the planner's estimates; the refit when every fit is
 * recorded but the job has not finished; and a planning task for a job whose planner never sent
 * its tasks. Fits are recorded exactly once and a refit runs once at a time, so sending work
 * that was not lost after all is safe.
 */
public final class JobRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(JobRecovery.class);

    private final TrainingTable table;
    private final TaskQueue queue;

    public JobRecovery(Wiring wiring) {
        this(TrainComponents.table(wiring), TaskQueue.of(wiring, QueueCatalog.TRAINING_TASKS));
    }

    JobRecovery(TrainingTable table, TaskQueue queue) {
        this.table = table;
        this.queue = queue;
    }

    /** Sends the missing tasks of every unfinished job; returns how many jobs got tasks. */
    public int resume() {
        return resume(table.activeJobs());
    }

    /** As {@link #resume()}, for the unfinished jobs among {@code active} (read once for every recovery). */
    public int resume(ActiveJobs active) {
        int resumed = 0;
        for (TrainingJob job : table.unfinishedJobs(active)) {
            try {
                if (resume(job.id())) {
                    resumed++;
                }
            } catch (RuntimeException e) {
                LOG.warn("job {}: its work could not be sent again", job.id(), e);
            }
        }
        return resumed;
    }

    private boolean resume(String jobId) {
        TrainingTable.FanOut fanOut = table.findFanOut(jobId).orElse(null);
        if (fanOut == null || fanOut.job().status().isFinished()) {
            return false;
        }
        TrainingJob job = fanOut.job();
        if (!fanOut.planned() || fanOut.folds() == 0) {
            // Queued (its stream record may be gone with the server), or its planner died before sending.
            queue.send(List.of(TrainingTask.plan(jobId).toJson()));
            LOG.info("job {}: {}; planning it again", jobId, job.status() == JobStatus.QUEUED ? "still queued"
                    : "planned without tasks");
            return true;
        }
        int folds = fanOut.folds();
        int candidates = job.total() / folds;
        List<TrainingTask.Fit> all = new ArrayList<>();
        for (int c = 0; c < candidates; c++) {
            for (int f = 0; f < folds; f++) {
                all.add(new TrainingTask.Fit(c, f));
            }
        }
        Map<String, FitRecord> recorded = table.fitRecords(all.stream().map(fit -> fit.id(jobId)).toList());
        List<TrainingTask.Fit> missing = all.stream().filter(fit -> !recorded.containsKey(fit.id(jobId))).toList();
        if (missing.isEmpty()) {
            if (fanOut.refitStartedAt().isPresent()) {
                // Recovery runs at start-up, before this server's workers poll: a refit claimed before the
                // restart died with the old server, and its claim would hold the new refit off for REFIT_STALE.
                table.releaseRefit(jobId);
            }
            queue.send(List.of(TrainingTask.refit(jobId).toJson()));
            table.addTasks(jobId, 1);
            LOG.info("job {}: every fit is recorded but the job has not finished; refit sent again", jobId);
            return true;
        }
        // The planner's timed fit stands for every fit (recovery does not parse the request).
        double perFit = Math.max(1e-3, fanOut.fitSeconds());
        List<List<TrainingTask.Fit>> groups = TaskGrouping.group(missing, fit -> perFit, fanOut.overheadSeconds());
        List<String> tasks = groups.stream().map(group -> TrainingTask.fits(jobId, group, job.datasetKey(),
                fanOut.datasetSha256()).toJson()).toList();
        queue.send(tasks);
        table.addTasks(jobId, tasks.size());
        LOG.info("job {}: {} of {} fits had no record; sent again in {} tasks", jobId, missing.size(), all.size(),
                tasks.size());
        return true;
    }
}
