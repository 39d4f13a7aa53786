package dev.mlapi.predict;

import dev.mlapi.core.jobs.ActiveJobs;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.jobs.JobKind;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-sends the work of batch scoring jobs whose tasks were lost with their queue (the local
 * server's queues are empty after a restart): for each job queued or running, its plan task when
 * it has no plan yet, else a score task per chunk with no recorded part, and its assembly when every
 * part is in. Every task is safe to run twice, so a task that was not lost only runs again.
 * The local server calls {@link #resume()} once at start-up, after the queues exist (beside
 * training's {@code JobRecovery}).
 */
public final class BatchJobRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(BatchJobRecovery.class);

    private final JobsTable table;
    private final BatchFiles files;
    private final Consumer<List<String>> tasks;

    public BatchJobRecovery(Wiring wiring) {
        this(BatchComponents.table(wiring), BatchComponents.files(wiring), BatchComponents.tasks(wiring));
    }

    BatchJobRecovery(JobsTable table, BatchFiles files, Consumer<List<String>> tasks) {
        this.table = table;
        this.files = files;
        this.tasks = tasks;
    }

    /** Re-sends every missing task; returns how many tasks it sent. */
    public int resume() {
        return resume(table.activeJobs());
    }

    /** As {@link #resume()}, for the batch scoring jobs among {@code active} (read once for every recovery). */
    public int resume(ActiveJobs active) {
        int sent = 0;
        for (JobsTable.Job job : table.active(active, JobKind.PREDICT_BATCH)) {
            List<String> bodies = missing(job);
            if (!bodies.isEmpty()) {
                tasks.accept(bodies);
                LOG.info("job {}: re-sent {} task(s)", job.id(), bodies.size());
                sent += bodies.size();
            }
        }
        return sent;
    }

    private List<String> missing(JobsTable.Job job) {
        JsonNode plan;
        try (InputStream in = files.open(BatchWorker.planKey(job.id()))) {
            plan = Json.readTree(in.readAllBytes());
        } catch (NotFound e) {
            return List.of(BatchTask.plan(job.id()).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (job.total() == 0) {
            // planned, but the plan task stopped before starting the job: plan again (the same chunks)
            return List.of(BatchTask.plan(job.id()).body());
        }
        if (job.done() == job.total()) {
            return List.of(BatchTask.assemble(job.id()).body());
        }
        List<String> bodies = new ArrayList<>();
        for (JsonNode chunk : plan.get("chunks")) {
            int k = chunk.get("index").asInt();
            if (table.unit(job.id(), "part#" + k).isEmpty()) {
                bodies.add(BatchTask.score(job.id(), new CsvChunks.Chunk(k, chunk.get("start").asLong(),
                        chunk.get("end").asLong(), chunk.get("first_row").asLong(), chunk.get("rows").asInt())).body());
            }
        }
        return bodies;
    }
}
