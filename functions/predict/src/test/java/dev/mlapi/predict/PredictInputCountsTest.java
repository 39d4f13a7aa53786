package dev.mlapi.predict;

import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.drift.InputCounts;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.registry.DriftBaseline;
import dev.mlapi.registry.DriftBaseline.Feature;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import dev.mlapi.training.ModelTrainer;
import dev.mlapi.training.TrainSpec;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A prediction of a freshly trained model logs how its rows fall in the version's drift buckets:
 * each feature's cell of each row, blanks and unseen categories included, and nothing else.
 */
class PredictInputCountsTest {

    @Test
    void predict_logsTheRowsBucketCounts_forTheVersionsBaseline() {
        try (TestStack stack = TestStack.start()) {
            S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
            var manifest = new ModelTrainer(registry).train(TrainSpec.parse(Json.write(Map.of("model_name", "cars",
                    "algorithm", "decision_tree", "dataset", Map.of("csv", PredictRawRowsTest.carsCsv(3, 120)),
                    "params", Map.of("max_depth", List.of(3)), "cv_folds", 2))), "tests", (d, t) -> { }).manifest();
            DriftBaseline baseline = DriftBaseline.of(manifest).orElseThrow();
            Map<String, Object> blank = new HashMap<>();
            blank.put("origin", null);
            blank.put("turbo", "no");
            blank.put("hp", 1_000_000);
            try (PredictService service = PredictService.create(stack.config(), registry)) {
                PredictHandler handler = new PredictHandler(stack.wiring(), service);
                APIGatewayV2HTTPEvent event = withJson(withBearer(load("predict-instances-arrays.json"),
                        stack.signedIn("dana", Role.USER).token()), Map.of("model", "cars", "instances", List.of(
                                Map.of("origin", "USA", "turbo", "yes", "hp", 100, "built", "2001-01-01"),
                                Map.of("origin", "Mars", "turbo", "yes"),
                                blank)));
                event.getHeaders().put("x-request-id", "drift-counted");
                event.getRequestContext().setRequestId("drift-counted");

                APIGatewayV2HTTPResponse response = invoke(handler, event);

                assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
            }
            InputCounts logged = InputCounts.parse(stack.wiring().requestHistory().find("drift-counted").orElseThrow()
                    .inputCounts().orElseThrow());
            assertThat(logged.baselineId()).isEqualTo(baseline.id());
            assertThat(logged.rows()).isEqualTo(3);
            Feature origin = baseline.features().get(0);
            long[] originCounts = logged.dense(0, origin.buckets());
            assertThat(originCounts[origin.categories().indexOf("USA")]).isEqualTo(1);
            assertThat(originCounts[origin.categories().size()]).as("other: Mars").isEqualTo(1);
            assertThat(originCounts[origin.missingBucket()]).as("a null").isEqualTo(1);
            Feature turbo = baseline.features().get(1);
            assertThat(logged.dense(1, turbo.buckets())[turbo.categories().indexOf("yes")]).isEqualTo(2);
            Feature hp = baseline.features().get(2);
            long[] hpCounts = logged.dense(2, hp.buckets());
            assertThat(hpCounts[hp.missingBucket()]).as("a missing key").isEqualTo(1);
            assertThat(hpCounts[hp.edges().size()]).as("above every training decile").isEqualTo(1);
            assertThat(hpCounts[hp.bucketOf(100)]).isEqualTo(1);
        }
    }
}
