package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.oracle.labs.mlrg.olcut.config.json.JsonProvenanceSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.regression.Regressor;

/**
 * A plan's refit of our trees grows on the plan's sorted rows without a Tribuo dataset
 * ({@link CartFits#source()}), and gives the very model that the trainer gives on a Tribuo dataset
 * of the same rows (the refit before): the same ONNX export, the same prediction and scores for
 * every row, the same feature map (with its statistics) and output map, and the same provenance
 * but for its timestamps. On iris (class weights) and diabetes of {@code ../shared/datasets}
 * (skipped where that folder is absent), and on generated tables everywhere.
 */
class CartRefitTest {

    private static final long SEED = 11;

    @Test
    void refit_onIris_isTheModelOfATribuoDataset() throws IOException {
        TabularDataset iris = shared("iris.csv", Optional.of("species"), true);
        assertSameClassifiers(iris, ClassWeight.BALANCED);
    }

    @Test
    void refit_onDiabetes_isTheModelOfATribuoDataset() throws IOException {
        TabularDataset diabetes = shared("diabetes.csv", Optional.empty(), false);
        assertSameRegressors(diabetes, Map.of("max_depth", 6));
        assertSameRegressors(diabetes, Map.of("max_depth", 3, "criterion", "absolute_error"));
    }

    @Test
    void refit_onGeneratedTables_isTheModelOfATribuoDataset() {
        assertSameClassifiers(generated(250, true), ClassWeight.NONE);
        assertSameClassifiers(generated(250, true), ClassWeight.BALANCED);
        assertSameRegressors(generated(250, false), Map.of("min_samples_leaf", 3));
        assertSameRegressors(generated(250, false), Map.of("max_depth", 4, "criterion", "absolute_error"));
    }

    private static void assertSameClassifiers(TabularDataset data, ClassWeight classWeight) {
        int features = data.featureNames().size();
        for (Algorithm algorithm : List.of(Algorithm.DECISION_TREE, Algorithm.RANDOM_FOREST)) {
            Map<String, Object> params = algorithm == Algorithm.DECISION_TREE ? Map.of("criterion", "entropy")
                    : Map.of("n_estimators", 4, "max_depth", 5);
            SearchOptions options = SearchOptions.defaults().withParallelism(1);
            SearchPlan plan = SearchPlan.classification(data, algorithm, List.of(params), 3, SEED, Scoring.ACCURACY,
                    classWeight);
            plan.fit(0, 0, options); // the refit may follow fits on the same plan
            Model<Label> refit = plan.refitClassifier(0, options);
            Model<Label> before = algorithm.trainer(params, SEED, features, data.size(), options)
                    .train(TribuoData.dataset(data, null, classWeight));

            String what = algorithm.value() + " " + params + " " + classWeight;
            assertThat(TreeOnnxExporter.export(refit, data.featureNames(), data.classes())).as(what)
                    .isEqualTo(TreeOnnxExporter.export(before, data.featureNames(), data.classes()));
            for (int i = 0; i < data.size(); i++) {
                var example = TribuoData.example(data.featureNames(), data.rows()[i], null);
                Prediction<Label> a = refit.predict(example);
                Prediction<Label> b = before.predict(example);
                assertThat(a.getOutput().getLabel()).as(what + " row " + i).isEqualTo(b.getOutput().getLabel());
                assertThat(a.getOutputScores().toString()).as(what + " row " + i)
                        .isEqualTo(b.getOutputScores().toString());
            }
            assertSameMapsAndProvenance(refit, before, what);
        }
    }

    private static void assertSameRegressors(TabularDataset data, Map<String, Object> treeParams) {
        int features = data.featureNames().size();
        double[] y = RegressionSearch.numericTargets(data);
        int[] all = IntStream.range(0, data.size()).toArray();
        for (Algorithm algorithm : List.of(Algorithm.DECISION_TREE, Algorithm.RANDOM_FOREST)) {
            Map<String, Object> params = new java.util.LinkedHashMap<>(treeParams);
            if (algorithm == Algorithm.RANDOM_FOREST) {
                params.put("n_estimators", 3);
            }
            SearchOptions options = SearchOptions.defaults().withParallelism(1);
            SearchPlan plan = SearchPlan.regression(data, algorithm, List.of(params), 3, SEED, Scoring.R2);
            Model<Regressor> refit = plan.refitRegressor(0, options);
            Model<Regressor> before = RegressionSearch.trainer(algorithm, params, SEED, features, y, all, options)
                    .train(RegressionSearch.dataset(data, y, all));

            String what = algorithm.value() + " " + params;
            assertThat(TreeRegressorOnnxExporter.export(refit, data.featureNames())).as(what)
                    .isEqualTo(TreeRegressorOnnxExporter.export(before, data.featureNames()));
            for (int i = 0; i < data.size(); i++) {
                var example = RegressionSearch.example(data, i, Double.NaN);
                assertThat(refit.predict(example).getOutput().getValues()).as(what + " row " + i)
                        .isEqualTo(before.predict(example).getOutput().getValues());
            }
            assertSameMapsAndProvenance(refit, before, what);
        }
    }

    private static void assertSameMapsAndProvenance(Model<?> refit, Model<?> before, String what) {
        assertThat(refit.getFeatureIDMap()).as(what).isEqualTo(before.getFeatureIDMap());
        assertThat(refit.getFeatureIDMap().toString()).as(what).isEqualTo(before.getFeatureIDMap().toString());
        assertThat(refit.getOutputIDInfo().toReadableString()).as(what)
                .isEqualTo(before.getOutputIDInfo().toReadableString());
        assertThat(refit.getClass()).as(what).isEqualTo(before.getClass());
        assertThat(withoutTimes(refit)).as(what).isEqualTo(withoutTimes(before));
    }

    /** The model's provenance as {@code provenance.json} holds it, every date-time blanked. */
    private static String withoutTimes(Model<?> model) {
        return new JsonProvenanceSerialization(true).marshalAndSerialize(model.getProvenance())
                .replaceAll("\\d{4}-\\d\\d-\\d\\dT[^\"]*", "TIME");
    }

    /** {@code rows} rows of 5 numeric features (some repeated values), 3 classes or an integer target. */
    private static TabularDataset generated(int rows, boolean classification) {
        Random random = new Random(SEED);
        List<String> names = List.of("a", "b", "c", "d", "e");
        double[][] x = new double[rows][];
        List<String> targets = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            double[] row = {random.nextGaussian(), random.nextInt(7), random.nextDouble() * 10, random.nextInt(2),
                    Math.round(random.nextGaussian() * 4) / 4.0};
            x[r] = row;
            double signal = row[0] + 0.4 * row[1] - 0.2 * row[2] + row[3] * row[4] + random.nextGaussian() * 0.5;
            targets.add(classification ? (signal < -0.5 ? "low" : signal < 1.5 ? "mid" : "high")
                    : String.format(Locale.ROOT, "%d", Math.round(signal * 10)));
        }
        return new TabularDataset(names, "y", x, targets);
    }

    private static TabularDataset shared(String name, Optional<String> target, boolean classification)
            throws IOException {
        Optional<Path> csv = IrisGridSearchTest.sharedDataset(name);
        assumeThat(csv).as("../shared/datasets/" + name + " is not on this machine").isPresent();
        return TabularDataset.parseCsv(Files.readString(csv.get()), target, classification);
    }
}
