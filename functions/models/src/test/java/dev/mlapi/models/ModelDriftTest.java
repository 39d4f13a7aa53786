package dev.mlapi.models;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.drift.InputCounts;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.rollup.Tier;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.registry.DriftBaseline;
import dev.mlapi.registry.DriftBaseline.Feature;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /models/{name}/versions/{version}/drift} through the handler, on the sample event:
 * a version's training baseline in the registry (S3Proxy), served counts in DynamoDB Local as the
 * aggregator writes them, and the PSI checked against values worked out by hand.
 */
class ModelDriftTest {

    static TestStack stack;
    static ManageModelsHandler handler;
    static String admin;
    static Instant hour;

    /** x: buckets <= 1, (1, 2], > 2, blank; city: paris, rome, other, blank. */
    static final DriftBaseline BASELINE = DriftBaseline.of(100, List.of(
            new Feature("x", DriftBaseline.Kind.NUMERIC, DriftBaseline.Input.NUMERIC, 0, List.of(1.0, 2.0), List.of(),
                    List.of(50L, 30L, 20L, 0L)),
            new Feature("city", DriftBaseline.Kind.CATEGORICAL, DriftBaseline.Input.TEXT, 0, List.of(),
                    List.of("paris", "rome"), List.of(60L, 30L, 10L, 0L))));

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        handler = new ManageModelsHandler(stack.wiring());
        admin = stack.signedIn("root", Role.ADMIN).token();
        S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        register(registry, Map.of(DriftBaseline.PARAMETER, BASELINE.toParameter()));
        register(registry, Map.of()); // version 2: uploaded, no baseline
        hour = Tier.HOUR.floor(Instant.now()).minus(Duration.ofHours(2));
        // x served as 20 / 30 / 50 (the training shares reversed); city in the training shares
        String counts = InputCounts.of(BASELINE.id(), new long[][] {{20, 30, 50, 0}, {6, 3, 1, 0}}).encode();
        String moreCity = InputCounts.of(BASELINE.id(), new long[][] {{}, {54, 27, 9, 0}}).encode();
        DriftView.countsOf(stack.wiring()).applyAll(List.of(served(hour.plusSeconds(60), "drifty:1", counts),
                served(hour.plusSeconds(120), "drifty:1", moreCity),
                served(hour.plusSeconds(180), "drifty:2", counts)));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static Manifest register(S3ModelRegistry registry, Map<String, Object> parameters) {
        return registry.register(ModelRegistration.builder().setName("drifty").setKind(ModelKind.TABULAR)
                .setModelFile("model.onnx").setCreatedBy("tests")
                .optInputs(List.of(new Manifest.TensorSpec("input", "float64", List.of(-1L, 2L))))
                .optOutputs(List.of(new Manifest.TensorSpec("variable", "float64", List.of(-1L, 1L))))
                .optFeatureNames(List.of("x", "city")).optParameters(parameters).build(),
                List.of(new ModelFile("model.onnx", new byte[] {1, 2, 3})));
    }

    private static RequestLogEntry served(Instant at, String model, String counts) {
        return new RequestLogEntry(UUID.randomUUID().toString(), at, "POST /predict", "POST", "/predict",
                Optional.of("bob"), 200, 0.003, 100, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(model), Optional.empty(), Optional.empty(), Optional.empty(), at.plus(Duration.ofDays(7)),
                Optional.of("stable"), Optional.of(counts));
    }

    private static APIGatewayV2HTTPResponse drift(int version, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = withPath(withBearer(load("models-get-drift.json"), admin),
                "/models/drifty/versions/" + version + "/drift", Map.of("name", "drifty", "version", "" + version));
        event.setQueryStringParameters(query.isEmpty() ? null : new HashMap<>(query)); // the sample asks for the default window
        event.setRawQueryString(String.join("&", query.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        return invoke(handler, event);
    }

    @Test
    void drift_givesEachFeaturesPsi_largestFirst_withTheBucketsThatMovedMost() {
        APIGatewayV2HTTPResponse response = drift(1, Map.of("from", hour.toString(), "to", hour.plus(Duration.ofHours(1)).toString()));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode drift = body(response);
        assertThat(drift.get("model").asText()).isEqualTo("drifty");
        assertThat(drift.get("version").asInt()).isEqualTo(1);
        assertThat(Instant.parse(drift.get("from").asText())).isEqualTo(hour);
        assertThat(Instant.parse(drift.get("to").asText())).isEqualTo(hour.plus(Duration.ofHours(1)));
        assertThat(drift.get("served_count").asLong()).isEqualTo(100);
        JsonNode x = drift.at("/features/0");
        assertThat(x.get("name").asText()).isEqualTo("x");
        assertThat(x.get("kind").asText()).isEqualTo("numeric");
        // (0.2 - 0.5) ln(0.2 / 0.5) + 0 + (0.5 - 0.2) ln(0.5 / 0.2) + 0 = 0.6 ln 2.5 (numpy: 0.549774439124493)
        assertThat(x.get("psi").asDouble()).isCloseTo(0.6 * Math.log(2.5), within(1e-12));
        assertThat(x.at("/largest_shifts/0/bucket").asText()).isEqualTo("<= 1");
        assertThat(x.at("/largest_shifts/0/expected").asDouble()).isEqualTo(0.5);
        assertThat(x.at("/largest_shifts/0/actual").asDouble()).isEqualTo(0.2);
        assertThat(x.at("/largest_shifts/1/bucket").asText()).isEqualTo("> 2");
        assertThat(x.get("largest_shifts")).hasSize(2); // (1, 2] and blanks did not move
        JsonNode city = drift.at("/features/1");
        assertThat(city.get("name").asText()).isEqualTo("city");
        assertThat(city.get("kind").asText()).isEqualTo("categorical");
        assertThat(city.get("psi").asDouble()).isCloseTo(0.0, within(1e-12));
        assertThat(city.get("largest_shifts")).isEmpty();
    }

    @Test
    void drift_withoutAWindow_coversTheLast24Hours_andAnEmptyWindowHasNoPsi() {
        JsonNode lastDay = body(drift(1, Map.of()));
        assertThat(lastDay.get("served_count").asLong()).isEqualTo(100);
        assertThat(Duration.between(Instant.parse(lastDay.get("from").asText()), Instant.parse(lastDay.get("to").asText())))
                .isEqualTo(Duration.ofHours(24));

        JsonNode empty = body(drift(1, Map.of("from", hour.minus(Duration.ofHours(3)).toString(), "to", hour.toString())));
        assertThat(empty.get("served_count").asLong()).isZero();
        assertThat(empty.at("/features/0").has("psi")).isTrue();
        assertThat(empty.at("/features/0/psi").isNull()).isTrue();
    }

    @Test
    void psi_withAnEmptyBucket_takesItsShareAsEpsilon() {
        // (0.5 - 1) ln(0.5 / 1) + (0.5 - 0.0001) ln(0.5 / 0.0001) (numpy: 4.60431846666895)
        assertThat(DriftBaseline.psi(new long[] {10, 0}, new long[] {5, 5}))
                .isCloseTo(-0.5 * Math.log(0.5) + 0.4999 * Math.log(5000), within(1e-12))
                .isCloseTo(4.60431846666895, within(1e-12));
        assertThat(DriftBaseline.psi(new long[] {6, 3, 1, 0}, new long[] {60, 30, 10, 0})).isZero();
    }

    @Test
    void drift_ofAVersionWithoutABaseline_orNoVersion_isA404() {
        APIGatewayV2HTTPResponse uploaded = drift(2, Map.of());
        assertThat(uploaded.getStatusCode()).isEqualTo(404);
        assertThat(body(uploaded).get("detail").asText()).contains("no drift baseline");
        assertThat(drift(9, Map.of()).getStatusCode()).isEqualTo(404);
    }

    @Test
    void drift_withABadWindow_isA400NamingTheParameter() {
        APIGatewayV2HTTPResponse offHour = drift(1, Map.of("from", hour.plusSeconds(900).toString()));
        assertThat(offHour.getStatusCode()).isEqualTo(400);
        assertThat(body(offHour).at("/errors/0/field").asText()).isEqualTo("from");
        assertThat(body(offHour).get("detail").asText()).contains("not on an hour").contains(hour.toString())
                .contains(hour.plus(Duration.ofHours(1)).toString());

        APIGatewayV2HTTPResponse backwards = drift(1, Map.of("from", hour.toString(), "to", hour.toString()));
        assertThat(backwards.getStatusCode()).isEqualTo(400);
        assertThat(body(backwards).at("/errors/0/field").asText()).isEqualTo("from");

        APIGatewayV2HTTPResponse notADate = drift(1, Map.of("to", "yesterday"));
        assertThat(notADate.getStatusCode()).isEqualTo(400);
        assertThat(body(notADate).at("/errors/0/field").asText()).isEqualTo("to");

        APIGatewayV2HTTPResponse tooLong = drift(1, Map.of("from", hour.minus(Duration.ofDays(40)).toString()));
        assertThat(tooLong.getStatusCode()).isEqualTo(400);
        assertThat(body(tooLong).get("detail").asText()).contains("at most 31 days");
    }
}
