package dev.mlapi.train;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * Whether a job must stop (no longer running: cancelled, failed), read from the jobs table at most
 * once per {@code interval}: cheap enough to ask before every fit and between a forest's trees
 * ({@link dev.mlapi.training.SearchOptions#withStop}). Once stopped, it stays stopped.
 */
final class JobWatch implements BooleanSupplier {

    static final Duration INTERVAL = Duration.ofSeconds(1);

    private final TrainingTable table;
    private final String jobId;
    private final Clock clock;
    private final Duration interval;
    private Instant checked = Instant.MIN;
    private volatile boolean stopped;

    JobWatch(TrainingTable table, String jobId, Clock clock, Duration interval) {
        this.table = table;
        this.jobId = jobId;
        this.clock = clock;
        this.interval = interval;
    }

    @Override
    public boolean getAsBoolean() {
        if (stopped) {
            return true;
        }
        synchronized (this) {
            Instant now = clock.instant();
            if (checked.plus(interval).isAfter(now)) {
                return stopped;
            }
            checked = now;
            stopped = table.findJob(jobId).map(job -> job.status() != JobStatus.RUNNING).orElse(true);
            return stopped;
        }
    }
}
