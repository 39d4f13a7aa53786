package dev.mlapi.predict;

import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.aws.DynamoDbShadowAgreements;
import dev.mlapi.core.rollup.ShadowAgreements.Agreement;
import dev.mlapi.core.runtime.AfterResponse;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.registry.AliasTarget;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An alias with a shadow behind {@code POST /predict}, with the after-response work postponed as in
 * Lambda: each answered request leaves one copy, scored by the shadow once the invocation settles
 * and counted per minute before the invocation lets the container freeze. Real ONNX Runtime,
 * S3Proxy and DynamoDB Local.
 */
class PredictShadowTest {

    static TestStack stack;
    static PredictService service;

    @AfterAll
    static void stop() {
        service.close();
        stack.close();
    }

    @BeforeAll
    static void start() {
        stack = TestStack.start();
    }

    @Test
    void predict_throughAnAliasWithAShadow_countsEachCopyBeforeTheInvocationSettles() {
        S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        Manifest stable = register(registry);
        Manifest shadow = register(registry);
        registry.setAlias("iris", "production", new AliasTarget(stable.version(), Optional.empty(),
                OptionalInt.of(shadow.version()), Optional.empty(), Optional.empty()), "tests");
        AfterResponse afterResponse = AfterResponse.background();
        Wiring wiring = stack.wiring().withAfterResponse(afterResponse);
        service = PredictService.create(stack.config(), registry).withShadows(ShadowScoring.create(wiring));
        PredictHandler handler = new PredictHandler(wiring, service);
        String token = stack.signedIn("dana", Role.USER).token();

        for (int i = 0; i < 3; i++) {
            var response = invoke(handler, withJson(withBearer(load("predict-instances-arrays.json"), token),
                    Map.of("model", "iris@production", "instances", List.of(List.of(5.1, 3.5, 1.4, 0.2)))),
                    new LocalContext("predict-shadow-" + i, "predict", Long.MAX_VALUE));
            assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
            assertThat(afterResponse.awaitSettled("predict-shadow-" + i, Duration.ofSeconds(30))).isTrue();
        }

        Agreement agreement = new DynamoDbShadowAgreements(stack.wiring().dynamoDb(),
                stack.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS))
                .read("iris@production", shadow.version(), Instant.now().minus(Duration.ofHours(1)),
                        Instant.now().plus(Duration.ofMinutes(1)));
        assertThat(agreement).as("the same tree: every copy agrees").isEqualTo(new Agreement(3, 3));
    }

    static Manifest register(S3ModelRegistry registry) {
        return registry.register(ModelRegistration.builder().setName("iris").setKind(ModelKind.TABULAR)
                .setModelFile("model.onnx").setCreatedBy("tests").optFeatureNames(TabularOnnx.IRIS_FEATURES).build(),
                List.of(new ModelFile("model.onnx", TabularOnnx.irisTree())));
    }
}
