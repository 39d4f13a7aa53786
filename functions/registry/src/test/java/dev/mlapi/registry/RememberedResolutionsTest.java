package dev.mlapi.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.testkit.TestClock;
import dev.mlapi.core.testkit.TestStack;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Resolutions are served from memory for the TTL, then read again; a version's manifest is kept and
 * only its existence asked again; a 404 is never remembered.
 */
class RememberedResolutionsTest {

    static TestStack stack;
    static S3ModelRegistry registry;

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
        TestClock clock = new TestClock(Instant.parse("2026-12-01T12:00:00Z"));
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
        TestClock clock = new TestClock(Instant.parse("2026-12-01T12:00:00Z"));
        RememberedResolutions remembered = new RememberedResolutions(registry, clock);
        ModelRef bare = ModelRef.parse("model", "remembered-b");
        assertThatThrownBy(() -> remembered.resolve(bare)).isInstanceOf(NotFound.class);

        int first = register("remembered-b");
        assertThat(remembered.resolve(bare).version()).as("a 404 was not remembered").isEqualTo(first);

        int second = register("remembered-b");
        remembered.forget();
        assertThat(remembered.resolve(bare).version()).isEqualTo(second);
    }

    /** The S3 registry, counting manifest resolutions and existence checks. */
    static final class CountingRegistry implements ModelRegistry {
        final AtomicInteger resolutions = new AtomicInteger();
        final AtomicInteger checks = new AtomicInteger();

        @Override
        public Manifest resolve(ModelRef ref) {
            resolutions.incrementAndGet();
            return registry.resolve(ref);
        }

        @Override
        public boolean isRegistered(String name, int version) {
            checks.incrementAndGet();
            return registry.isRegistered(name, version);
        }

        @Override
        public byte[] readFile(Manifest manifest, String fileName) {
            return registry.readFile(manifest, fileName);
        }
    }

    @Test
    void resolve_ofAVersion_keepsItsManifest_asksOnlyWhetherItStillExists_andADeletedOneIs404AfterTheTtl() {
        TestClock clock = new TestClock(Instant.parse("2026-12-01T12:00:00Z"));
        CountingRegistry counting = new CountingRegistry();
        RememberedResolutions remembered = new RememberedResolutions(counting, clock);
        register("remembered-c");
        int version = register("remembered-c");
        ModelRef ref = ModelRef.parse("model", "remembered-c:" + version);
        Manifest first = remembered.resolve(ref);

        clock.advance(RememberedResolutions.TTL);
        assertThat(remembered.resolve(ref)).isSameAs(first);
        clock.advance(RememberedResolutions.TTL.multipliedBy(3));
        assertThat(remembered.resolve(ref)).isSameAs(first);
        assertThat(remembered.resolve(ref)).isSameAs(first);
        assertThat(counting.resolutions).as("the manifest was read once").hasValue(1);
        assertThat(counting.checks).as("its existence asked once per TTL").hasValue(2);

        registry.deleteVersion("remembered-c", version);
        assertThat(remembered.resolve(ref)).as("within the TTL").isSameAs(first);
        clock.advance(RememberedResolutions.TTL);
        assertThatThrownBy(() -> remembered.resolve(ref)).as("deleted, once the TTL has passed")
                .isInstanceOf(NotFound.class);
        assertThatThrownBy(() -> remembered.resolve(ref)).as("a 404 is not remembered").isInstanceOf(NotFound.class);
        assertThat(registry.isRegistered("remembered-c", version - 1)).isTrue();
        assertThat(registry.isRegistered("remembered-c", version)).isFalse();
    }
}
