package dev.mlapi.classify;

import dev.mlapi.core.jobs.ActiveJobs;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.jobs.JobKind;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.imagestore.tagging.TaggingPlan;
import dev.mlapi.imagestore.tagging.TaggingTask;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-sends the work of batch tagging jobs whose tasks were lost with their queue (the local
 * server's queues are empty after a restart): for each job queued or running, a {@code tag} task
 * per batch with no record (its images read from the job's plan), or {@code finish} when every
 * batch is in. A job that never started (its submission stopped before its tasks were sent) is
 * failed with that reason: its images were never fixed. Every task is safe to run twice. The local
 * server calls {@link #resume()} once at start-up, after the queues exist.
 */
public final class TaggingJobRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(TaggingJobRecovery.class);

    private final JobsTable table;
    private final Consumer<List<String>> tasks;
    private final Clock clock;

    public TaggingJobRecovery(Wiring wiring) {
        this(TaggingComponents.table(wiring), TaggingComponents.tasks(wiring), wiring.clock());
    }

    TaggingJobRecovery(JobsTable table, Consumer<List<String>> tasks, Clock clock) {
        this.table = table;
        this.tasks = tasks;
        this.clock = clock;
    }

    /** Re-sends every missing task; returns how many tasks it sent. */
    public int resume() {
        return resume(table.activeJobs());
    }

    /** As {@link #resume()}, for the batch tagging jobs among {@code active} (read once for every recovery). */
    public int resume(ActiveJobs active) {
        int sent = 0;
        TaggingPlan plan = new TaggingPlan(table);
        for (JobsTable.Job job : table.active(active, JobKind.CLASSIFY_BATCH)) {
            if (job.total() == 0) {
                table.fail(job.id(), "the job's submission stopped before its tasks were sent; submit it again",
                        clock.instant());
                continue;
            }
            List<String> bodies = new ArrayList<>();
            if (job.done() == job.total()) {
                bodies.add(TaggingTask.finish(job.id()).body());
            } else {
                for (int k = 0; k < job.total(); k++) {
                    if (table.unit(job.id(), TaggingPlan.unit(k)).isEmpty()) {
                        bodies.add(TaggingTask.tag(job.id(), k, plan.batch(job.id(), k)).body());
                    }
                }
            }
            if (!bodies.isEmpty()) {
                tasks.accept(bodies);
                LOG.info("job {}: re-sent {} task(s)", job.id(), bodies.size());
                sent += bodies.size();
            }
        }
        return sent;
    }
}
