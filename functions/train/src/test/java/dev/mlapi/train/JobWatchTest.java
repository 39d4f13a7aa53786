package dev.mlapi.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.testkit.TestClock;
import dev.mlapi.core.testkit.TestStack;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A running job's stop condition, on DynamoDB Local: asked before each fit and between the trees
 * of a long one, it reads the job (at most once per interval) and so sees a cancellation without
 * waiting for the fit to end.
 */
class JobWatchTest {

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
    void getAsBoolean_duringAFit_seesACancellationWithinOneInterval() {
        Instant start = Instant.parse("2026-12-07T03:00:00Z");
        String id = running("job-" + "a".repeat(32), start);
        TestClock clock = new TestClock(start);
        JobWatch watch = new JobWatch(table, id, clock, Duration.ofSeconds(1));

        assertThat(watch.getAsBoolean()).isFalse();
        assertThat(table.cancel(id, "alice", start)).isTrue();
        assertThat(watch.getAsBoolean()).as("read at most once per interval: not yet").isFalse();

        clock.set(start.plusMillis(1_500));

        assertThat(watch.getAsBoolean()).isTrue();
        clock.set(start.plusSeconds(60));
        assertThat(watch.getAsBoolean()).as("once stopped, stays stopped").isTrue();
    }
}
