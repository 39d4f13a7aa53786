package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression grid search and export on the diabetes data of {@code ../shared/datasets} (skipped,
 * saying so, where that folder is absent): a random forest lands within 0.05 of scikit-learn's
 * 5-fold R² (0.40-0.45 in the datasets README), linear regression within 0.05 of its 0.48, and
 * each ONNX export equals Tribuo on every row.
 */
class DiabetesRegressionTest {

    static TabularDataset diabetes;

    @BeforeAll
    static void load() throws IOException {
        Optional<Path> csv = IrisGridSearchTest.sharedDataset("diabetes.csv");
        assumeThat(csv).as("../shared/datasets/diabetes.csv is not on this machine: diabetes figures not checked")
                .isPresent();
        diabetes = TabularDataset.parseCsv(Files.readString(csv.get()), Optional.empty(), false);
    }

    static RegressionSearch.Result search(Algorithm algorithm, Map<String, List<Object>> grid) {
        var candidates = algorithm.candidates(grid, diabetes.featureNames().size(), true);
        return RegressionSearch.run(diabetes, algorithm, candidates, 5, 42, (done, total) -> { });
    }

    @Test
    void randomForest_onDiabetes_scoresNearScikitLearn_andExportsExactly() {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        grid.put("n_estimators", new ArrayList<>(List.of(100)));
        grid.put("max_depth", new ArrayList<>(List.of(4, 8)));
        grid.put("min_samples_leaf", new ArrayList<>(List.of(5)));
        var result = search(Algorithm.RANDOM_FOREST, grid);

        System.out.printf("diabetes random_forest: best %s R2 %.4f ± %.4f%n", result.bestCandidate().params(),
                result.bestCandidate().meanScore(), result.bestCandidate().stdScore());
        assertThat(result.bestCandidate().meanScore()).isBetween(0.40 - 0.05, 0.45 + 0.05);
        byte[] onnx = TreeRegressorOnnxExporter.export(result.model(), diabetes.featureNames());
        assertThat(ExportVerifier.verifyRegressor(onnx, result.model(), diabetes)).isEqualTo(442);
    }

    @Test
    void linearRegression_onDiabetes_scoresNearScikitLearn_andExportsExactly() {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        grid.put("alpha", new ArrayList<>(List.of(0.0, 10.0)));
        var result = search(Algorithm.LINEAR_REGRESSION, grid);

        System.out.printf("diabetes linear_regression: best %s R2 %.4f ± %.4f%n", result.bestCandidate().params(),
                result.bestCandidate().meanScore(), result.bestCandidate().stdScore());
        assertThat(result.bestCandidate().meanScore()).isBetween(0.48 - 0.05, 0.48 + 0.05);
        byte[] onnx = LinearOnnxExporter.exportRegressor(result.model(), diabetes.featureNames());
        assertThat(ExportVerifier.verifyRegressor(onnx, result.model(), diabetes)).isEqualTo(442);
    }

    @Test
    void negMeanSquaredError_onDiabetes_isTheNegatedFoldMse() {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        grid.put("max_depth", new ArrayList<>(List.of(3)));
        var candidates = Algorithm.DECISION_TREE.candidates(grid, diabetes.featureNames().size(), true);
        var result = RegressionSearch.run(diabetes, Algorithm.DECISION_TREE, candidates, 5, 42,
                Scoring.NEG_MEAN_SQUARED_ERROR, SearchOptions.defaults(), (done, total) -> { });

        // the target's variance is about 5900: a depth-3 tree leaves a mean squared error well inside it
        assertThat(result.bestCandidate().meanScore()).isBetween(-5900.0, -2000.0);
    }

    @Test
    void decisionTree_onDiabetes_exportsExactly() {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        grid.put("max_depth", new ArrayList<>(List.of(3, 5)));
        var result = search(Algorithm.DECISION_TREE, grid);

        System.out.printf("diabetes decision_tree: best %s R2 %.4f ± %.4f%n", result.bestCandidate().params(),
                result.bestCandidate().meanScore(), result.bestCandidate().stdScore());
        byte[] onnx = TreeRegressorOnnxExporter.export(result.model(), diabetes.featureNames());
        assertThat(ExportVerifier.verifyRegressor(onnx, result.model(), diabetes)).isEqualTo(442);
    }
}
