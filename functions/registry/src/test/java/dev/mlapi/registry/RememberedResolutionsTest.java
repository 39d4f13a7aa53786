package dev.mlapi.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.testkit.TestStack;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Resolutions are served from memory for the TTL, then read again; a 404 is never remembered. */
class RememberedResolutionsTest {

    static TestStack stack;
    static S3ModelRegistry registry;

    /** A clock the test moves by hand. */
    static final class HandClock extends Clock {
        private Instant now = Instant.parse("2026-12-01T12:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static int register(String name) {
        return registry.register(S3ModelRegistryTest.tabular(name).build(), List.of(S3ModelRegistryTest.onnx(4)))
                .version();
    }

    @Test
    void resolve_servesTheRememberedVersionUntilTheTtlEnds_thenReadsTheRegistryAgain() {
        HandClock clock = new HandClock();
        RememberedResolutions remembered = new RememberedResolutions(registry, clock);
        ModelRef bare = ModelRef.parse("model", "remembered-a");
        int first = register("remembered-a");
        assertThat(remembered.resolve(bare).version()).isEqualTo(first);

        int second = register("remembered-a");
        clock.advance(RememberedResolutions.TTL.minusMillis(1));
        assertThat(remembered.resolve(bare).version()).as("within the TTL").isEqualTo(first);

        clock.advance(Duration.ofMillis(1));
        assertThat(remembered.resolve(bare).version()).as("once the TTL has passed").isEqualTo(second);
    }

    @Test
    void forget_makesTheNextResolutionReadTheRegistry_andNotFoundIsNeverRemembered() {
        HandClock clock = new HandClock();
        RememberedResolutions remembered = new RememberedResolutions(registry, clock);
        ModelRef bare = ModelRef.parse("model", "remembered-b");
        assertThatThrownBy(() -> remembered.resolve(bare)).isInstanceOf(NotFound.class);

        int first = register("remembered-b");
        assertThat(remembered.resolve(bare).version()).as("a 404 was not remembered").isEqualTo(first);

        int second = register("remembered-b");
        remembered.forget();
        assertThat(remembered.resolve(bare).version()).isEqualTo(second);
    }
}
