package dev.mlapi.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.testkit.StreamEvents;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.AliasEvent;
import dev.mlapi.registry.AliasGuardrail;
import dev.mlapi.registry.AliasTarget;
import dev.mlapi.registry.AliasTarget.CanaryTarget;
import dev.mlapi.registry.ModelAlias;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.PromoteAfter;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import dev.mlapi.registry.TestModels;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The aggregator judges canaries from the per-version minute rollups it has just written (DynamoDB
 * Local), and moves the alias in the S3 registry (S3Proxy): back to stable when the canary breaks
 * its guardrail, forward when it held for its promote_after.
 */
class GuardrailEvaluatorTest {

    private TestStack stack;
    private S3ModelRegistry registry;
    private AggregateRequestLogHandler handler;

    @BeforeEach
    void start() {
        stack = TestStack.start();
        registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        handler = new AggregateRequestLogHandler(stack.wiring());
        for (int i = 0; i < 2; i++) {
            registry.register(ModelRegistration.builder().setName("iris").setKind(ModelKind.TABULAR)
                    .setModelFile("model.onnx").setCreatedBy("alice").optFeatureNames(List.of("a", "b", "c", "d"))
                    .optLabels(List.of("x", "y")).build(),
                    List.of(new ModelFile("model.onnx", TestModels.tabular(4, 2))));
        }
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    private ModelAlias canaryAlias(AliasGuardrail guardrail, Optional<PromoteAfter> promote) {
        return registry.setAlias("iris", "production", new AliasTarget(1, Optional.of(new CanaryTarget(2, 10)),
                OptionalInt.empty(), Optional.ofNullable(guardrail), promote), "admin");
    }

    /** {@code stable} requests of version 1 answered 200, {@code canary} of version 2 answered {@code canaryStatus}. */
    private static List<RequestLogEntry> served(int stable, int canary, int canaryStatus) {
        Instant at = Instant.now();
        List<RequestLogEntry> entries = new ArrayList<>();
        for (int i = 0; i < stable + canary; i++) {
            boolean isCanary = i >= stable;
            entries.add(new RequestLogEntry(UUID.randomUUID().toString(), at, "POST /predict", "POST", "/predict",
                    Optional.of("alice"), isCanary ? canaryStatus : 200, 0.01, 50, Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.of(isCanary ? "iris:2" : "iris:1"), Optional.of("x"), Optional.empty(),
                    Optional.empty(), at.plus(Duration.ofDays(90)), Optional.of(isCanary ? "canary" : "stable")));
        }
        return entries;
    }

    private static DynamodbEvent eventOf(List<RequestLogEntry> entries, int first) {
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            records.add(StreamEvents.insertOf(DynamoDbRequestLog.toItem(entries.get(i)),
                    List.of(DynamoDbRequestLog.REQUEST_ID), first + i + 1));
        }
        return StreamEvents.eventOf(records);
    }

    private ModelAlias production() {
        return registry.aliases("iris").stream().filter(a -> a.alias().equals("production")).findFirst().orElseThrow();
    }

    @Test
    void handleRequest_whenTheCanaryFailsPastItsGuardrail_rollsTheAliasBackAndRecordsTheEvent() {
        canaryAlias(new AliasGuardrail(0.05, 3, 10, 5), Optional.empty());

        assertThat(handler.handleRequest(eventOf(served(90, 9, 503), 0), null).getBatchItemFailures()).isEmpty();
        assertThat(production().canary()).as("9 canary requests: below min_requests").isPresent();
        assertThat(handler.handleRequest(eventOf(served(9, 1, 503), 100), null).getBatchItemFailures()).isEmpty();

        ModelAlias alias = production();
        assertThat(alias.canary()).isEmpty();
        assertThat(alias.version()).isEqualTo(1);
        assertThat(alias.updatedBy()).isEqualTo(GuardrailEvaluator.ACTOR);
        assertThat(alias.guardrail()).isPresent();
        AliasEvent event = registry.aliasEvents("iris", "production", 10, Optional.empty()).items().get(0);
        assertThat(event.kind()).isEqualTo(AliasEvent.Kind.ROLLBACK);
        assertThat(event.fromVersion()).isEqualTo(2);
        assertThat(event.toVersion()).isEqualTo(1);
        assertThat(event.reason()).contains("error rate 100.0%");
        assertThat(event.figures()).containsEntry("canary_requests", 10).containsEntry("canary_errors", 10)
                .containsEntry("window_minutes", 5);
    }

    @Test
    void handleRequest_whenTheCanaryHolds_promotesItAfterItsRequests() {
        canaryAlias(new AliasGuardrail(0.05, 1000, 5, 5), Optional.of(new PromoteAfter(20, 0)));

        handler.handleRequest(eventOf(served(100, 10, 200), 0), null);
        assertThat(production().canary()).as("10 of 20 requests").isPresent();
        handler.handleRequest(eventOf(served(100, 10, 200), 200), null);

        ModelAlias alias = production();
        assertThat(alias.version()).isEqualTo(2);
        assertThat(alias.canary()).isEmpty();
        assertThat(alias.previousVersion()).hasValue(1);
        AliasEvent event = registry.aliasEvents("iris", "production", 10, Optional.empty()).items().get(0);
        assertThat(event.kind()).isEqualTo(AliasEvent.Kind.PROMOTE);
        assertThat(event.fromVersion()).isEqualTo(1);
        assertThat(event.toVersion()).isEqualTo(2);
        assertThat(event.figures()).containsEntry("canary_requests", 20);
    }

    @Test
    void handleRequest_whenTheCanaryHoldsButTheAliasHasNoPromotion_leavesItServing() {
        ModelAlias set = canaryAlias(new AliasGuardrail(0.05, 1000, 5, 5), Optional.empty());

        handler.handleRequest(eventOf(served(100, 30, 200), 0), null);

        assertThat(production()).isEqualTo(set);
    }
}
