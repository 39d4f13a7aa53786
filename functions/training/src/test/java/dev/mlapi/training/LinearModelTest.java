package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.inference.Djl;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.regression.Regressor;

/**
 * {@code logistic_regression} and {@code linear_regression} from request to registered version on a
 * real registry (S3Proxy): binary and multiclass, features on very different scales (the model
 * standardises them inside, so the ONNX file takes raw CSV values), the export equal to Tribuo on
 * every row, and scikit-learn's parameter names checked with a 400 listing the supported ones.
 */
class LinearModelTest {

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

    /** Two classes: income (thousands) and age (years) on scales 1000× apart; the boundary uses both. */
    static String binaryCsv(int rows, long seed) {
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder("income,age,buys\n");
        for (int i = 0; i < rows; i++) {
            double income = Math.round(20_000 + random.nextDouble() * 80_000);
            double age = Math.round(18 + random.nextDouble() * 60);
            double margin = (income - 60_000) / 20_000 - (age - 48) / 15 + random.nextGaussian() * 0.3;
            csv.append(income).append(',').append(age).append(',').append(margin > 0 ? "yes" : "no").append('\n');
        }
        return csv.toString();
    }

    /** y = 0.002·a − 3·b + 40 + noise, with a in the tens of thousands and b below ten. */
    static String regressionCsv(int rows, long seed) {
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder("a,b,y\n");
        for (int i = 0; i < rows; i++) {
            double a = Math.round(random.nextDouble() * 50_000);
            double b = Math.round(random.nextDouble() * 100) / 10.0;
            csv.append(a).append(',').append(b).append(',').append(0.002 * a - 3 * b + 40 + random.nextGaussian())
                    .append('\n');
        }
        return csv.toString();
    }

    static TrainSpec spec(String name, String task, String algorithm, String csv, Map<String, Object> params) {
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", name);
        request.put("task", task);
        request.put("algorithm", algorithm);
        request.put("dataset", Map.of("csv", csv));
        request.put("params", params);
        request.put("cv_folds", 3);
        request.put("seed", 17);
        return TrainSpec.parse(Json.write(request));
    }

    @Test
    void logisticRegression_multiclass_registersAnExportEqualToTribuo() {
        TrainSpec spec = spec("bands-linear", "classification", "logistic_regression",
                ModelTrainerTest.generatedCsv(150, 4), Map.of("C", List.of(0.1, 10), "max_iter", List.of(50)));

        var outcome = new ModelTrainer(registry).train(spec, "erin", (d, t) -> { });

        assertThat(outcome.metric()).isEqualTo("accuracy");
        assertThat(outcome.best().meanScore()).isGreaterThan(0.85);
        assertThat(outcome.manifest().labels()).containsExactly("high", "low", "mid");
        @SuppressWarnings("unchecked")
        var model = (Model<Label>) outcome.model();
        byte[] stored = registry.readFile(outcome.manifest(), outcome.manifest().modelFile());
        assertThat(ExportVerifier.verify(stored, model, spec.dataset())).isEqualTo(150);
    }

    @Test
    void logisticRegression_binary_onRawFeaturesOfDifferentScales_labelsFollowTheProbabilities() throws Exception {
        TrainSpec spec = spec("buyers", "classification", "logistic_regression", binaryCsv(200, 8),
                Map.of("C", List.of(1, 100)));

        var outcome = new ModelTrainer(registry).train(spec, "erin", (d, t) -> { });

        assertThat(outcome.best().meanScore()).isGreaterThan(0.85);
        @SuppressWarnings("unchecked")
        var model = (Model<Label>) outcome.model();
        byte[] onnx = registry.readFile(outcome.manifest(), outcome.manifest().modelFile());
        assertThat(ExportVerifier.verify(onnx, model, spec.dataset())).isEqualTo(200);
        // run the file on its own: raw values in, the label is the most probable class's
        Djl.startEngine();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double[][] rows = spec.dataset().rows();
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
                OnnxTensor input = OnnxTensor.createTensor(env, rows);
                OrtSession.Result result = session.run(Map.of(TreeOnnxExporter.INPUT, input))) {
            String[] labels = (String[]) result.get(TreeOnnxExporter.LABEL).orElseThrow().getValue();
            var probabilities = ((OnnxSequence) result.get(TreeOnnxExporter.PROBABILITIES).orElseThrow()).getValue();
            for (int i = 0; i < rows.length; i++) {
                Map<?, ?> p = ((OnnxMap) probabilities.get(i)).getValue();
                float yes = (Float) p.get("yes");
                float no = (Float) p.get("no");
                assertThat(yes + no).isCloseTo(1f, within(1e-5f));
                assertThat(labels[i]).isEqualTo(yes > no ? "yes" : "no");
            }
        }
    }

    @Test
    void linearRegression_registersAnExportEqualToTribuo_andFitsTheLine() {
        TrainSpec spec = spec("line", "regression", "linear_regression", regressionCsv(120, 3),
                Map.of("alpha", List.of(0, 1.0)));

        var outcome = new ModelTrainer(registry).train(spec, "erin", (d, t) -> { });

        assertThat(outcome.metric()).isEqualTo("r2");
        assertThat(outcome.best().meanScore()).isGreaterThan(0.95);
        @SuppressWarnings("unchecked")
        var model = (Model<Regressor>) outcome.model();
        byte[] stored = registry.readFile(outcome.manifest(), outcome.manifest().modelFile());
        assertThat(ExportVerifier.verifyRegressor(stored, model, spec.dataset())).isEqualTo(120);
    }

    @Test
    void verify_whenTheLinearExportIsAnotherModel_fails() {
        TrainSpec spec = spec("m", "classification", "logistic_regression", binaryCsv(120, 5), Map.of());
        var strong = GridSearch.run(spec.dataset(), spec.algorithm(),
                spec.algorithm().candidates(Map.of("C", List.of(100)), 2), 3, 1, (d, t) -> { });
        var weak = GridSearch.run(spec.dataset(), spec.algorithm(),
                spec.algorithm().candidates(Map.of("C", List.of(0.001)), 2), 3, 1, (d, t) -> { });
        byte[] weakExport = LinearOnnxExporter.export(weak.model(), spec.dataset().featureNames(),
                spec.dataset().classes());

        assertThatThrownBy(() -> ExportVerifier.verify(weakExport, strong.model(), spec.dataset()))
                .isInstanceOf(ExportVerifier.Mismatch.class).hasMessageStartingWith("row ");
    }

    @Test
    void parse_unknownParameter_is400ListingTheSupportedOnes() {
        assertThatThrownBy(() -> spec("m", "classification", "logistic_regression", binaryCsv(30, 1),
                Map.of("penalty", List.of("l1"))))
                .isInstanceOf(InvalidInput.class)
                .hasMessageContaining("params.penalty").hasMessageContaining("[C, max_iter]");
        assertThatThrownBy(() -> spec("m", "regression", "linear_regression", regressionCsv(30, 1),
                Map.of("C", List.of(1))))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("[alpha, max_iter]");
    }

    @Test
    void parse_badValues_are400() {
        assertThatThrownBy(() -> spec("m", "classification", "logistic_regression", binaryCsv(30, 1),
                Map.of("C", List.of(0))))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("params.C").hasMessageContaining("positive");
        assertThatThrownBy(() -> spec("m", "classification", "logistic_regression", binaryCsv(30, 1),
                Map.of("max_iter", List.of(0))))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("params.max_iter");
        assertThatThrownBy(() -> spec("m", "regression", "linear_regression", regressionCsv(30, 1),
                Map.of("alpha", List.of(-1))))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("params.alpha");
    }

    @Test
    void parse_algorithmOfTheOtherTask_is400() {
        assertThatThrownBy(() -> spec("m", "regression", "logistic_regression", regressionCsv(30, 1), Map.of()))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("not a regression algorithm")
                .hasMessageContaining("linear_regression");
        assertThatThrownBy(() -> spec("m", "classification", "linear_regression", binaryCsv(30, 1), Map.of()))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("not a classification algorithm");
    }

    @Test
    void parse_constantFeatureForALinearModel_is400NamingTheColumn() {
        String csv = "a,flat,y\n1,5,x\n2,5,z\n3,5,x\n4,5,z\n";

        assertThatThrownBy(() -> spec("m", "classification", "logistic_regression", csv, Map.of()))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("'flat'").hasMessageContaining("constant");
    }

    @Test
    void train_sameRequestAndSeed_givesTheSameBestScoreAndPredictions() {
        TrainSpec spec = spec("repeat", "classification", "logistic_regression", ModelTrainerTest.generatedCsv(90, 6),
                Map.of("C", List.of(0.5, 5)));
        ModelTrainer trainer = new ModelTrainer(registry);

        var first = trainer.train(spec, "erin", (d, t) -> { });
        var second = trainer.train(TrainSpec.parse(Json.write(Map.of("model_name", "repeat",
                "algorithm", "logistic_regression", "dataset", Map.of("csv", ModelTrainerTest.generatedCsv(90, 6)),
                "params", Map.of("C", List.of(0.5, 5)), "cv_folds", 3, "seed", 17))), "erin", (d, t) -> { });

        assertThat(second.best().meanScore()).isEqualTo(first.best().meanScore());
        assertThat(second.best().params()).isEqualTo(first.best().params());
        assertThat(registry.readFile(second.manifest(), ModelTrainer.MODEL_FILE))
                .isEqualTo(registry.readFile(first.manifest(), ModelTrainer.MODEL_FILE));
    }
}
