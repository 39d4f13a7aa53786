package dev.mlapi.train;

import dev.mlapi.training.GridSearch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A running job's progress callback: writes {@code done} and a heartbeat at most once per
 * {@code interval} (and at the last fit), which is also how the worker learns of a cancellation
 * (the write is conditional on the job still being this attempt's), and stops the search when the
 * time budget runs out. Called from the search's parallel fits: synchronized. Once stopped, it
 * also tells the search ({@link #isStopped()} as its stop condition) to start no new fit.
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
    private Instant lastPoll = Instant.MIN;
    private int done;
    private volatile JobStop stopped;

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

    /**
     * Whether the job must stop (cancelled, superseded or out of time): the search starts no new fit,
     * and a forest no new tree. Asked between the trees of a long fit too, when no progress is
     * written: then the job is read at most once per {@code interval}, so a cancellation is seen
     * within about that time plus one tree.
     */
    boolean isStopped() {
        if (stopped == null) {
            poll();
        }
        return stopped != null;
    }

    private synchronized void poll() {
        Instant now = clock.instant();
        if (stopped != null || now.isBefore(lastReport.plus(interval)) || now.isBefore(lastPoll.plus(interval))) {
            return;
        }
        lastPoll = now;
        var job = table.findJob(jobId);
        if (job.isEmpty() || job.get().status() == JobStatus.CANCELLED) {
            stopped = new JobStop.Cancelled(jobId);
        } else if (job.get().status() != JobStatus.RUNNING || job.get().attempts() != attempt) {
            stopped = new JobStop.Superseded(jobId, attempt);
        }
    }

    /** Why the job stopped, once it did. */
    java.util.Optional<JobStop> stop() {
        return java.util.Optional.ofNullable(stopped);
    }
}
