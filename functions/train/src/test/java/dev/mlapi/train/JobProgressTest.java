package dev.mlapi.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.testkit.TestStack;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A running job's stop condition, on DynamoDB Local: asked between the trees of a long fit, when
 * no progress is written, it reads the job (at most once per interval) and so sees a cancellation
 * without waiting for the fit to end.
 */
class JobProgressTest {

    static TestStack stack;
    static TrainingTable table;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        table = TrainComponents.table(stack.wiring());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static String running(String id, Instant now) {
        table.createJob(new TrainingJob(id, "alice", JobStatus.QUEUED, "m", "random_forest", "classification",
                "{}", "training/jobs/" + id + "/data.csv", Optional.empty(), now, Optional.empty(), Optional.empty(), 0,
                7, 0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), now.plus(Duration.ofDays(1)));
        assertThat(table.claim(id, TrainingWorker.MAX_ATTEMPTS, now)).isPresent();
        return id;
    }

    @Test
    void isStopped_duringAFitWithNoProgressWrite_seesACancellationWithinOneInterval() {
        Instant start = Instant.parse("2026-12-07T03:00:00Z");
        String id = running("job-" + "a".repeat(32), start);
        MovableClock clock = new MovableClock(start);
        JobProgress progress = new JobProgress(table, id, 1, clock, start.plus(Duration.ofMinutes(10)),
                Duration.ofSeconds(1));

        assertThat(progress.isStopped()).isFalse();
        assertThat(table.cancel(id, "alice", start)).isTrue();
        assertThat(progress.isStopped()).as("read at most once per interval: not yet").isFalse();

        clock.now = start.plusMillis(1_500);

        assertThat(progress.isStopped()).isTrue();
        assertThat(progress.stop()).get().isInstanceOf(JobStop.Cancelled.class);
    }

    @Test
    void isStopped_whenAnotherAttemptTookTheJobOver_stopsAsSuperseded() {
        Instant start = Instant.parse("2026-12-07T03:00:00Z");
        String id = running("job-" + "b".repeat(32), start);
        MovableClock clock = new MovableClock(start.plusSeconds(5));
        JobProgress progress = new JobProgress(table, id, 1, clock, start.plus(Duration.ofMinutes(10)),
                Duration.ofSeconds(1));
        assertThat(table.claim(id, TrainingWorker.MAX_ATTEMPTS, start.plusSeconds(1))).isPresent();

        clock.now = start.plusSeconds(7);

        assertThat(progress.isStopped()).isTrue();
        assertThat(progress.stop()).get().isInstanceOf(JobStop.Superseded.class);
    }

    static final class MovableClock extends Clock {
        volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
