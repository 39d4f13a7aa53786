package dev.mlapi.core.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.runtime.AfterAnswer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What a shadow's copy counts as: pure logic over an in-memory twin of the agreements. */
class ShadowCopiesTest {

    static final Instant NOW = Instant.parse("2026-12-07T09:30:15Z");

    final List<String> recorded = new CopyOnWriteArrayList<>();
    final ShadowCopies copies = new ShadowCopies(new ShadowAgreements() {
        @Override
        public void record(String alias, int shadowVersion, Instant at, boolean agreed) {
            recorded.add(alias + " " + shadowVersion + " " + at + " " + agreed);
        }

        @Override
        public Agreement read(String alias, int shadowVersion, Instant from, Instant to) {
            throw new UnsupportedOperationException();
        }
    }, Clock.fixed(NOW, ZoneOffset.UTC));

    /** Runs offered work at once, as the pipeline would after the answer. */
    static final AfterAnswer RUNS = (work, skipped) -> work.run();
    /** Has no room, as when the after-response backlog is full. */
    static final AfterAnswer FULL = (work, skipped) -> skipped.run();

    @Test
    void offer_recordsWhetherTheShadowAgreed_andAFailureToScoreAsDisagreeing() {
        copies.offer(RUNS, "iris@production", "iris:2", 2, () -> true);
        copies.offer(RUNS, "iris@production", "iris:2", 2, () -> false);
        copies.offer(RUNS, "iris@production", "iris:2", 2, () -> {
            throw new IllegalStateException("the shadow's graph failed");
        });

        assertThat(recorded).containsExactly("iris@production 2 " + NOW + " true",
                "iris@production 2 " + NOW + " false", "iris@production 2 " + NOW + " false");
        assertThat(copies.skipped()).isZero();
    }

    @Test
    void offer_withoutRoomAfterTheAnswer_skipsTheCopy_recordsNothing_andCountsIt() {
        copies.offer(FULL, "photos@production", "photos:2", 2, () -> true);
        copies.offer(FULL, "photos@production", "photos:2", 2, () -> true);

        assertThat(recorded).isEmpty();
        assertThat(copies.skipped()).isEqualTo(2);
    }
}
