package dev.mlapi.core.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The steps every batch job's task worker repeats (batch tagging's, batch scoring's), around its
 * own work on a unit: a task runs only while its job is queued or running; a unit is counted
 * exactly once ({@link JobsTable#countUnit}, which also beats the job's heartbeat) and the count
 * that completes the job sends the job's last task; a redelivered unit that was counted sends that
 * last task again if the job is complete (its sending may be what was lost); the last task runs
 * only on a complete job; the job succeeds or fails once, at the clock's time.
 */
public final class JobRun {

    private final JobsTable table;
    private final Consumer<List<String>> tasks;
    private final Clock clock;
    private final Logger log;

    /** {@code tasks} sends task bodies to the job's queue; {@code log} is the worker's. */
    public JobRun(JobsTable table, Consumer<List<String>> tasks, Clock clock, Logger log) {
        this.table = table;
        this.tasks = tasks;
        this.clock = clock;
        this.log = log;
    }

    /** The job, if it is queued or running; otherwise empty, and the log says the task does nothing. */
    public Optional<JobsTable.Job> active(String jobId, String taskKind) {
        Optional<JobsTable.Job> job = table.find(jobId);
        if (job.isEmpty() || !job.get().isActive()) {
            log.info("{} of job {}: the job is {}; nothing to do", taskKind, jobId,
                    job.map(JobsTable.Job::status).orElse("gone"));
            return Optional.empty();
        }
        return job;
    }

    /**
     * True if unit {@code unit} of the job was counted already (a redelivered task): then
     * {@code lastTask} is sent if the job is complete, and the caller does nothing more.
     */
    public boolean counted(String jobId, String unit, String lastTask) {
        if (table.unit(jobId, unit).isEmpty()) {
            return false;
        }
        sendIfComplete(jobId, lastTask);
        return true;
    }

    /**
     * Counts unit {@code unit} once with its record's {@code attributes}; the count that completes
     * the job sends {@code lastTask}, and so does a duplicate count on a complete job.
     */
    public JobsTable.Count count(String jobId, String unit, Map<String, AttributeValue> attributes, String lastTask) {
        JobsTable.Count count = table.countUnit(jobId, unit, attributes, clock.instant());
        if (count == JobsTable.Count.LAST) {
            tasks.accept(List.of(lastTask));
        } else if (count == JobsTable.Count.DUPLICATE) {
            sendIfComplete(jobId, lastTask);
        }
        return count;
    }

    /** Throws unless every one of the job's {@code units} (its total) was counted: the last task runs only then. */
    public static void requireComplete(JobsTable.Job job, String units) {
        if (job.total() == 0 || job.done() < job.total()) {
            throw new IllegalStateException("job " + job.id() + " has " + job.done() + " of " + job.total() + " " + units);
        }
    }

    /** Records the running job succeeded with {@code result} (JSON); false if it had stopped meanwhile. */
    public boolean succeed(String jobId, String result) {
        return table.succeed(jobId, result, clock.instant());
    }

    /** Records the job failed with {@code reason} (its slot given back); false if it had finished already. */
    public boolean fail(String jobId, String reason) {
        return table.fail(jobId, reason, clock.instant());
    }

    /** The job's request as stored at submit. */
    public static JsonNode request(JobsTable.Job job) {
        return Json.readTree(job.request().getBytes(StandardCharsets.UTF_8));
    }

    private void sendIfComplete(String jobId, String lastTask) {
        table.find(jobId).filter(j -> j.isRunning() && j.total() > 0 && j.done() == j.total())
                .ifPresent(j -> tasks.accept(List.of(lastTask)));
    }
}
