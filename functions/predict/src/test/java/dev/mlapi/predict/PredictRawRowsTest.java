package dev.mlapi.predict;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import dev.mlapi.training.ModelTrainer;
import dev.mlapi.training.TabularDataset;
import dev.mlapi.training.TrainSpec;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;

/**
 * A model trained (by the train function's own code, registered in a real registry) on a table
 * with a text column, blanks, a yes/no column, a date column and text labels answers raw rows at
 * {@code /predict} (strings, numbers, null, missing keys, an unseen category, a date) with the
 * labels Tribuo gives the encoded rows.
 */
class PredictRawRowsTest {

    static TestStack stack;
    static S3ModelRegistry registry;
    static PredictService service;
    static PredictHandler handler;
    static String token;
    static final Map<String, TabularDataset> DATA = new HashMap<>();
    static final Map<String, Model<?>> MODELS = new HashMap<>();

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        for (String algorithm : List.of("decision_tree", "random_forest", "logistic_regression")) {
            String name = "cars-" + algorithm.replace('_', '-');
            Map<String, Object> request = new HashMap<>();
            request.put("model_name", name);
            request.put("algorithm", algorithm);
            request.put("dataset", Map.of("csv", carsCsv(7, 240)));
            request.put("cv_folds", 3);
            TrainSpec spec = TrainSpec.parse(Json.write(request));
            var outcome = new ModelTrainer(registry).train(spec, "tests", (done, total) -> { });
            DATA.put(name, spec.dataset());
            MODELS.put(name, outcome.model());
        }
        service = PredictService.create(stack.config(), registry);
        handler = new PredictHandler(stack.wiring(), service);
        token = stack.signedIn("dana", Role.USER).token();
    }

    @AfterAll
    static void stop() {
        service.close();
        stack.close();
    }

    static String carsCsv(long seed, int rows) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] origins = {"USA", "Europe", "Japan"};
        StringBuilder csv = new StringBuilder("id,origin,turbo,hp,built,efficiency\n");
        for (int i = 0; i < rows; i++) {
            String origin = origins[random.nextInt(origins.length)];
            boolean turbo = random.nextBoolean();
            int hp = 60 + random.nextInt(160) + (origin.equals("USA") ? 40 : 0);
            LocalDate built = LocalDate.of(1990, 1, 1).plusDays(random.nextInt(12_000));
            double score = -hp / 50.0 + (origin.equals("Japan") ? 1.5 : 0) + (built.getYear() - 2000) / 10.0
                    + (turbo ? -0.5 : 0) + random.nextGaussian() * 0.5;
            csv.append("car-").append(i).append(',').append(random.nextInt(10) == 0 ? "" : origin).append(',')
                    .append(turbo ? "yes" : "no").append(',').append(random.nextInt(8) == 0 ? "NA" : hp).append(',')
                    .append(random.nextInt(12) == 0 ? "" : built).append(',')
                    .append(score > -1.5 ? "good" : "poor").append('\n');
        }
        return csv.toString();
    }

    static APIGatewayV2HTTPResponse post(Map<String, ?> body) {
        return invoke(handler, withJson(withBearer(load("predict-instances-arrays.json"), token), body));
    }

    /** Tribuo's label for the raw cells (id, origin, turbo, hp, built), encoded as training encoded them. */
    static String tribuo(String model, String... cells) {
        TabularDataset data = DATA.get(model);
        double[] encoded = data.schema().encode(Arrays.asList(cells));
        @SuppressWarnings("unchecked")
        Model<Label> m = (Model<Label>) MODELS.get(model);
        return m.predict(new ArrayExample<>(new LabelFactory().getUnknownOutput(),
                data.featureNames().toArray(String[]::new), encoded)).getOutput().getLabel();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cars-decision-tree", "cars-random-forest", "cars-logistic-regression"})
    void predict_whenRawRowsHaveTextNullsMissingKeysAndUnseenCategories_answersTribuosLabels(String model) {
        Map<String, Object> withNulls = new HashMap<>();
        withNulls.put("origin", null);
        withNulls.put("turbo", "no");
        withNulls.put("hp", null);
        withNulls.put("built", "2015-06-01");
        List<Object> instances = List.of(
                Map.of("id", "new-1", "origin", "Japan", "turbo", "yes", "hp", 95, "built", "2012-03-04"),
                Map.of("origin", "Mars", "turbo", "no", "hp", "250", "built", "1995-12-24T10:00:00"),
                withNulls,
                Map.of("origin", "USA"),
                Arrays.asList("Europe", "yes", 140, ""));
        List<String[]> raw = List.of(
                new String[] {"new-1", "Japan", "yes", "95", "2012-03-04"},
                new String[] {"", "Mars", "no", "250", "1995-12-24T10:00:00"},
                new String[] {"", "", "no", "", "2015-06-01"},
                new String[] {"", "USA", "", "", ""},
                new String[] {"", "Europe", "yes", "140", ""});

        var response = post(Map.of("model", model, "instances", instances));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode predictions = body(response).get("predictions");
        List<String> want = new ArrayList<>();
        raw.forEach(cells -> want.add(tribuo(model, cells)));
        List<String> got = new ArrayList<>();
        predictions.forEach(p -> got.add(p.get("label").asText()));
        assertThat(got).isEqualTo(want);
    }

    @Test
    void predict_whenAValueHasTheWrongType_namesTheInstanceAndTheField() {
        var response = post(Map.of("model", "cars-decision-tree", "instances", List.of(
                Map.of("origin", "USA", "hp", "fast"),
                Map.of("origin", Map.of("a", 1), "built", "yesterday", "colour", "red"),
                List.of("USA", "yes"))));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(400);
        List<String> fields = body(response).get("errors").findValuesAsText("field");
        assertThat(fields).containsExactlyInAnyOrder("instances[0].hp", "instances[1].origin", "instances[1].built",
                "instances[1].colour", "instances[2]");
    }
}
