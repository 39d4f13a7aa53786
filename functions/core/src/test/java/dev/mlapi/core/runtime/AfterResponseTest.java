package dev.mlapi.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Optional work {@link AfterResponse#offer offered} for after the answer: when it starts, and its bound. */
class AfterResponseTest {

    @Test
    void offer_whilePostponing_startsOnlyWhenTheInvocationSettles_andHoldsTheFreezeUntilDone() throws Exception {
        AfterResponse afterResponse = AfterResponse.background();
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        afterResponse.defer("inv-1", () -> {
            await(release);
            ran.add("request log");
        });
        assertThat(afterResponse.offer("inv-1", () -> ran.add("shadow"))).isTrue();
        afterResponse.defer("inv-1", () -> ran.add("deferred after the offer"));

        release.countDown();
        afterResponse.settle("inv-1");

        assertThat(afterResponse.awaitSettled("inv-1", Duration.ofSeconds(10))).isTrue();
        assertThat(ran).as("the offered work waited for the handler to return").containsExactly("request log",
                "deferred after the offer", "shadow");
        assertThat(afterResponse.backlog()).isZero();
    }

    @Test
    void offer_whenTheBacklogIsFull_isRefused_andTakenAgainOnceItDrains() {
        AfterResponse afterResponse = AfterResponse.background();
        CountDownLatch release = new CountDownLatch(1);
        afterResponse.defer("inv-2", () -> await(release));
        List<String> ran = new CopyOnWriteArrayList<>();
        for (int i = 1; i < AfterResponse.MAX_BACKLOG; i++) {
            assertThat(afterResponse.offer("inv-2", () -> ran.add("copy"))).isTrue();
        }

        assertThat(afterResponse.offer("inv-2", () -> ran.add("one too many"))).isFalse();

        release.countDown();
        afterResponse.settle("inv-2");
        assertThat(afterResponse.awaitSettled("inv-2", Duration.ofSeconds(10))).isTrue();
        assertThat(ran).hasSize(AfterResponse.MAX_BACKLOG - 1).doesNotContain("one too many");
        assertThat(afterResponse.offer(null, () -> { })).isTrue();
    }

    @Test
    void offer_whenNothingPostpones_runsOffTheCallersThread() throws Exception {
        List<Thread> threads = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);

        assertThat(AfterResponse.inline().offer(null, () -> {
            threads.add(Thread.currentThread());
            done.countDown();
        })).isTrue();

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(threads).doesNotContain(Thread.currentThread());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
