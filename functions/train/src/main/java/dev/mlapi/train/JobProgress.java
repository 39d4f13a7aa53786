package dev.mlapi.train;

import dev.mlapi.training.GridSearch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A running job's progress callback: writes {@code done} and a heartbeat at most once per
 * {@code interval} (and at the last fit), which is also how the worker learns of a cancellation
 * (the write is conditional on the job still being this attempt's), and stops the search when the
 * time budget runs out. Called from the search's parallel fits: synchronized.
 */
final class JobProgress implements GridSearch.Progress {

    private final TrainingTable table;
    private final String jobId;
    private final int attempt;
    private final Clock clock;
    private final Instant started;
    private final Instant deadline;
    private final Duration interval;
    private Instant lastReport;
    private int done;
    private JobStop stopped;

    JobProgress(TrainingTable table, String jobId, int attempt, Clock clock, Instant deadline, Duration interval) {
        this.table = table;
        this.jobId = jobId;
        this.attempt = attempt;
        this.clock = clock;
        this.started = clock.instant();
        this.deadline = deadline;
        this.interval = interval;
        this.lastReport = started;
    }

    @Override
    public synchronized void fitsDone(int doneNow, int total) {
        if (stopped != null) {
            throw stopped;
        }
        done = Math.max(done, doneNow);
        Instant now = clock.instant();
        if (done < total && now.isAfter(deadline)) {
            stopped = new JobStop.OutOfTime(done, total, Duration.between(started, deadline));
            throw stopped;
        }
        if (done == total || !now.isBefore(lastReport.plus(interval))) {
            lastReport = now;
            if (!table.reportProgress(jobId, attempt, done, now)) {
                boolean cancelled = table.findJob(jobId).map(job -> job.status() == JobStatus.CANCELLED).orElse(true);
                stopped = cancelled ? new JobStop.Cancelled(jobId) : new JobStop.Superseded(jobId, attempt);
                throw stopped;
            }
        }
    }

    synchronized int done() {
        return done;
    }
}
