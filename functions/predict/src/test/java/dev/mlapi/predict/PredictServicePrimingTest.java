package dev.mlapi.predict;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Predict primes on the tree it carries, reaches the registry read only, and caches nothing. */
class PredictServicePrimingTest {

    @Test
    void primingModel_isTheTestKitsIrisTree_soItCanBeRegenerated() throws IOException {
        try (InputStream in = PredictService.class.getResourceAsStream(PredictService.PRIMING_MODEL)) {
            assertThat(in).as("regenerate it from TabularOnnx.irisTree()").isNotNull();
            assertThat(in.readAllBytes()).isEqualTo(TabularOnnx.irisTree());
        }
        assertThat(PredictService.PRIMING_LABELS).isEqualTo(TabularOnnx.IRIS_LABELS);
    }

    @Test
    void prime_predictsWithTheBundledTree_andLeavesTheCacheAndRequestLogEmpty() {
        try (TestStack stack = TestStack.start();
                PredictService service = PredictService.create(stack.config(),
                        S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC()))) {
            service.prime();

            assertThat(service.loadedModels()).isEmpty();
            assertThat(stack.wiring().dynamoDb().scan(r -> r.tableName(stack.config().requestLogTable())).count())
                    .isZero();
        }
    }
}
