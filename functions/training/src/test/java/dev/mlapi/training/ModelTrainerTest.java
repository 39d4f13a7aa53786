package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training to registration on a real registry (S3Proxy): the manifest a predict caller needs, the
 * production alias on deploy, progress up to the total, and a stored file that runs on its own in
 * ONNX Runtime with Tribuo's answers. The data is generated, so this runs on every machine.
 */
public class ModelTrainerTest {

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

    /** Three classes over two features: x + y below 0.7 is low, above 1.3 high, else mid. */
    public static String generatedCsv(int rows, long seed) {
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder("x,y,band\n");
        for (int i = 0; i < rows; i++) {
            double x = Math.round(random.nextDouble() * 1000) / 1000.0;
            double y = Math.round(random.nextDouble() * 1000) / 1000.0;
            String band = x + y < 0.7 ? "low" : x + y > 1.3 ? "high" : "mid";
            csv.append(x).append(',').append(y).append(',').append(band).append('\n');
        }
        return csv.toString();
    }

    /** 90 rows of target = 3a - b + noise (seeded). */
    static String linearCsv() {
        Random random = new Random(9);
        StringBuilder csv = new StringBuilder("a,b,target\n");
        for (int i = 0; i < 90; i++) {
            double a = Math.round(random.nextDouble() * 100) / 10.0;
            double b = Math.round(random.nextDouble() * 100) / 10.0;
            csv.append(a).append(',').append(b).append(',').append(3 * a - b + random.nextGaussian()).append('\n');
        }
        return csv.toString();
    }

    static TrainSpec spec(String algorithm, Map<String, Object> params, boolean deploy) {
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", "bands");
        request.put("algorithm", algorithm);
        request.put("dataset", Map.of("csv", generatedCsv(120, 3)));
        request.put("params", params);
        request.put("cv_folds", 3);
        request.put("seed", 11);
        request.put("deploy", deploy);
        return TrainSpec.parse(Json.write(request));
    }

    @Test
    void train_registersATabularVersion_withWhatPredictNeeds() {
        AtomicInteger lastDone = new AtomicInteger();
        TrainSpec spec = spec("random_forest", Map.of("n_estimators", List.of(5, 20), "max_depth", List.of(4)), true);

        var outcome = new ModelTrainer(registry).train(spec, "erin", (done, total) -> lastDone.accumulateAndGet(done,
                Math::max));

        Manifest manifest = outcome.manifest();
        assertThat(manifest.kind()).isEqualTo(ModelKind.TABULAR);
        assertThat(manifest.featureNames()).containsExactly("x", "y");
        assertThat(manifest.labels()).containsExactly("high", "low", "mid");
        assertThat(manifest.target()).contains("band");
        assertThat(manifest.createdBy()).isEqualTo("erin");
        assertThat(manifest.metrics()).containsKeys("best_score", "best_score_std", "cv_results");
        assertThat(lastDone.get()).isEqualTo(spec.totalFits());
        assertThat(registry.resolve(new ModelRef("bands", OptionalInt.empty(), Optional.of("production"))).version())
                .isEqualTo(manifest.version());
        byte[] stored = registry.readFile(manifest, manifest.modelFile());
        @SuppressWarnings("unchecked")
        var model = (org.tribuo.Model<org.tribuo.classification.Label>) outcome.model();
        assertThat(ExportVerifier.verify(stored, model, spec.dataset())).isEqualTo(120);
    }

    @Test
    void train_decisionTree_versionsFollowEachOther_withoutDeployKeepingTheAlias() {
        Manifest first = new ModelTrainer(registry).train(spec("decision_tree", Map.of("max_depth", List.of(2, 4)), false),
                "erin", (d, t) -> { }).manifest();
        Manifest second = new ModelTrainer(registry).train(spec("decision_tree", Map.of("max_depth", List.of(3)), false),
                "erin", (d, t) -> { }).manifest();

        assertThat(second.version()).isEqualTo(first.version() + 1);
        assertThat(((Number) first.metrics().get("best_score")).doubleValue()).isGreaterThan(0.8);
    }

    @Test
    void verify_whenTheExportIsNotTheModelTribuoPredictsWith_fails() {
        TrainSpec spec = spec("decision_tree", Map.of("max_depth", List.of(3)), false);
        var deep = GridSearch.run(spec.dataset(), spec.algorithm(), spec.candidates(), 3, 11, (d, t) -> { });
        var stump = GridSearch.run(spec.dataset(), spec.algorithm(),
                spec.algorithm().candidates(Map.of("max_depth", List.of(1)), 2), 3, 11, (d, t) -> { });
        byte[] stumpExport = TreeOnnxExporter.export(stump.model(), spec.dataset().featureNames(), spec.dataset().classes());

        assertThatThrownBy(() -> ExportVerifier.verify(stumpExport, deep.model(), spec.dataset()))
                .isInstanceOf(ExportVerifier.Mismatch.class).hasMessageStartingWith("row ");
    }

    @Test
    void train_regression_registersAValueModel_thatEqualsTribuo() {
        String csv = linearCsv();
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", "linear-ish");
        request.put("task", "regression");
        request.put("algorithm", "random_forest");
        request.put("dataset", Map.of("csv", csv));
        request.put("params", Map.of("n_estimators", List.of(10), "max_depth", List.of(3, 6)));
        request.put("cv_folds", 3);
        request.put("seed", 5);
        TrainSpec spec = TrainSpec.parse(Json.write(request));

        var outcome = new ModelTrainer(registry).train(spec, "erin", (d, t) -> { });

        assertThat(outcome.metric()).isEqualTo("r2");
        assertThat(outcome.best().meanScore()).isGreaterThan(0.7);
        assertThat(outcome.manifest().labels()).isEmpty();
        @SuppressWarnings("unchecked")
        var model = (org.tribuo.Model<org.tribuo.regression.Regressor>) outcome.model();
        byte[] stored = registry.readFile(outcome.manifest(), outcome.manifest().modelFile());
        assertThat(ExportVerifier.verifyRegressor(stored, model, spec.dataset())).isEqualTo(90);
    }

    @Test
    @SuppressWarnings("unchecked")
    void train_withTestSize_searchesTheTrainingPart_andScoresTheHeldOutPart() {
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", "bands-held-out");
        request.put("algorithm", "random_forest");
        request.put("dataset", Map.of("csv", generatedCsv(120, 3)));
        request.put("params", Map.of("n_estimators", List.of(10), "max_depth", List.of(4)));
        request.put("cv_folds", 3);
        request.put("seed", 11);
        request.put("test_size", 0.25);
        request.put("class_weight", "balanced");
        TrainSpec spec = TrainSpec.parse(Json.write(request));
        HoldOut split = spec.split();

        var outcome = new ModelTrainer(registry).train(spec, "erin", (d, t) -> { });

        Map<String, Object> heldOut = (Map<String, Object>) outcome.manifest().metrics().get("held_out");
        int heldOutRows = split.heldOut().orElseThrow().size();
        assertThat(heldOutRows + split.training().size()).isEqualTo(120);
        assertThat(((Number) heldOut.get("rows")).intValue()).isEqualTo(heldOutRows);
        assertThat(((Number) heldOut.get("test_size")).doubleValue()).isEqualTo(0.25);
        assertThat(((Number) heldOut.get("accuracy")).doubleValue()).isGreaterThan(0.7);
        assertThat(heldOut).containsKeys("balanced_accuracy", "f1_macro", "per_class").doesNotContainKey("roc_auc");
        var matrix = (Map<String, Object>) heldOut.get("confusion_matrix");
        assertThat(matrix.get("labels")).isEqualTo(List.of("high", "low", "mid"));
        long cells = ((List<List<Number>>) matrix.get("matrix")).stream().flatMap(List::stream)
                .mapToLong(Number::longValue).sum();
        assertThat(cells).isEqualTo(heldOutRows);
        assertThat(outcome.evaluation()).isEqualTo(heldOut);
        Map<String, Object> importances = (Map<String, Object>) outcome.manifest().metrics().get("feature_importances");
        assertThat(importances.keySet()).containsExactly("x", "y");
        assertThat(importances.values().stream().mapToDouble(v -> ((Number) v).doubleValue()).sum())
                .isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(outcome.manifest().parameters()).containsEntry("class_weight", "balanced");
        assertThat(((Number) outcome.manifest().parameters().get("training_rows")).intValue())
                .isEqualTo(split.training().size());
        // the export is verified on exactly the rows the final model trained on
        byte[] stored = registry.readFile(outcome.manifest(), outcome.manifest().modelFile());
        var model = (org.tribuo.Model<org.tribuo.classification.Label>) outcome.model();
        assertThat(ExportVerifier.verify(stored, model, split.training())).isEqualTo(split.training().size());
        assertThat(model.getProvenance().getDatasetProvenance().getNumExamples())
                .isEqualTo(split.training().size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void train_aTableWithTextAndDates_reportsImportancesByRawColumn() {
        StringBuilder csv = new StringBuilder("x,zone,day,band\n");
        Random random = new Random(8);
        for (int i = 0; i < 90; i++) {
            double x = Math.round(random.nextDouble() * 1000) / 1000.0;
            String zone = List.of("north", "south", "east").get(i % 3);
            String band = x + (zone.equals("north") ? 0.5 : 0) > 0.8 ? "high" : "low";
            csv.append(x).append(',').append(zone).append(",2024-0").append(1 + i % 9).append("-1").append(i % 9)
                    .append(',').append(band).append('\n');
        }
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", "zones");
        request.put("algorithm", "random_forest");
        request.put("dataset", Map.of("csv", csv.toString()));
        request.put("params", Map.of("n_estimators", List.of(10)));
        request.put("cv_folds", 3);
        request.put("seed", 5);

        var outcome = new ModelTrainer(registry).train(TrainSpec.parse(Json.write(request)), "erin", (d, t) -> { });

        Map<String, Object> byColumn = (Map<String, Object>) outcome.manifest().metrics().get("feature_importances");
        Map<String, Object> encoded = (Map<String, Object>) outcome.manifest().metrics()
                .get("feature_importances_encoded");
        assertThat(byColumn.keySet()).containsExactly("x", "zone", "day");
        assertThat(encoded).containsKeys("zone=north", "day.month");
        double zone = encoded.entrySet().stream().filter(e -> e.getKey().startsWith("zone="))
                .mapToDouble(e -> ((Number) e.getValue()).doubleValue()).sum();
        assertThat(((Number) byColumn.get("zone")).doubleValue()).isCloseTo(zone, within(1e-12));
        assertThat(byColumn.values().stream().mapToDouble(v -> ((Number) v).doubleValue()).sum())
                .isCloseTo(1.0, within(1e-9));
        assertThat(outcome.featureImportances()).isEqualTo(byColumn);
    }

    @Test
    @SuppressWarnings("unchecked")
    void train_twoClassesWithTestSize_reportsRocAuc() {
        StringBuilder csv = new StringBuilder("x,y,side\n");
        Random random = new Random(4);
        for (int i = 0; i < 80; i++) {
            double x = Math.round(random.nextDouble() * 1000) / 1000.0;
            double y = Math.round(random.nextDouble() * 1000) / 1000.0;
            csv.append(x).append(',').append(y).append(',').append(x + 0.2 * random.nextGaussian() > 0.5 ? "yes" : "no")
                    .append('\n');
        }
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", "sides");
        request.put("algorithm", "logistic_regression");
        request.put("dataset", Map.of("csv", csv.toString()));
        request.put("cv_folds", 3);
        request.put("test_size", 0.3);
        request.put("class_weight", "balanced");

        var outcome = new ModelTrainer(registry).train(TrainSpec.parse(Json.write(request)), "erin", (d, t) -> { });

        Map<String, Object> heldOut = (Map<String, Object>) outcome.manifest().metrics().get("held_out");
        assertThat(((Number) heldOut.get("roc_auc")).doubleValue()).isBetween(0.75, 1.0);
        assertThat(heldOut.get("roc_auc_positive_class")).isEqualTo("yes");
        assertThat(outcome.manifest().metrics()).doesNotContainKey("feature_importances");
    }

    @Test
    @SuppressWarnings("unchecked")
    void train_regressionWithTestSize_reportsR2MaeRmse() {
        String csv = linearCsv();
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", "linear-held-out");
        request.put("task", "regression");
        request.put("algorithm", "decision_tree");
        request.put("dataset", Map.of("csv", csv));
        request.put("params", Map.of("max_depth", List.of(4, 6)));
        request.put("cv_folds", 3);
        request.put("test_size", 0.2);

        var outcome = new ModelTrainer(registry).train(TrainSpec.parse(Json.write(request)), "erin", (d, t) -> { });

        Map<String, Object> heldOut = (Map<String, Object>) outcome.manifest().metrics().get("held_out");
        assertThat(((Number) heldOut.get("rows")).intValue()).isEqualTo(18);
        assertThat(((Number) heldOut.get("r2")).doubleValue()).isGreaterThan(0.7);
        assertThat(((Number) heldOut.get("rmse")).doubleValue()).isGreaterThanOrEqualTo(
                ((Number) heldOut.get("mae")).doubleValue());
        assertThat((Map<String, Object>) outcome.manifest().metrics().get("feature_importances")).containsKeys("a", "b");
    }
}
