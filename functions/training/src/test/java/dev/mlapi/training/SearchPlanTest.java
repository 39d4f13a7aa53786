package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A search run as independent fits (one by one, in a shuffled order, as a fan-out runs them)
 * aggregates into exactly the in-process search's candidates, scores and best candidate for the
 * same seed, and its refit is the same model: on iris (classification, stratified folds) and on
 * diabetes (regression, shuffled folds) of {@code ../shared/datasets} (skipped, saying so, where
 * that folder is absent), and on a generated table through {@link ModelTrainer}'s two ends.
 */
class SearchPlanTest {

    @Test
    void fitsInAnyOrder_onIris_aggregateToTheInProcessSearch() throws IOException {
        TabularDataset iris = dataset("iris.csv", Optional.of("species"), true);
        List<Object> depths = new ArrayList<>(List.of(1, 2, 3, 5));
        depths.add(null);
        var candidates = Algorithm.RANDOM_FOREST.candidates(IrisGridSearchTest.grid("n_estimators", List.of(5, 20),
                "max_depth", depths), iris.featureNames().size());
        GridSearch.Result inProcess = GridSearch.run(iris, Algorithm.RANDOM_FOREST, candidates, 5, 17,
                Scoring.ACCURACY, SearchOptions.defaults(), (done, total) -> { });

        SearchPlan plan = SearchPlan.classification(iris, Algorithm.RANDOM_FOREST, candidates, 5, 17,
                Scoring.ACCURACY, ClassWeight.NONE);
        SearchPlan.Scores fannedOut = plan.aggregate(fitOneByOne(plan, 1));

        assertSameScores(fannedOut, inProcess.candidates(), inProcess.best());
        assertThat(TreeOnnxExporter.export(plan.refitClassifier(fannedOut.best(), SearchOptions.defaults()),
                iris.featureNames(), iris.classes()))
                .isEqualTo(TreeOnnxExporter.export(inProcess.model(), iris.featureNames(), iris.classes()));
    }

    @Test
    void fitsInAnyOrder_onDiabetes_aggregateToTheInProcessSearch() throws IOException {
        TabularDataset diabetes = dataset("diabetes.csv", Optional.empty(), false);
        var candidates = Algorithm.DECISION_TREE.candidates(IrisGridSearchTest.grid("max_depth", List.of(2, 3, 4, 6),
                "min_samples_leaf", List.of(1, 5, 20)), diabetes.featureNames().size(), true);
        RegressionSearch.Result inProcess = RegressionSearch.run(diabetes, Algorithm.DECISION_TREE, candidates, 5, 42,
                Scoring.R2, SearchOptions.defaults(), (done, total) -> { });

        SearchPlan plan = SearchPlan.regression(diabetes, Algorithm.DECISION_TREE, candidates, 5, 42, Scoring.R2);
        SearchPlan.Scores fannedOut = plan.aggregate(fitOneByOne(plan, 2));

        assertSameScores(fannedOut, inProcess.candidates(), inProcess.best());
        assertThat(TreeRegressorOnnxExporter.export(plan.refitRegressor(fannedOut.best(), SearchOptions.defaults()),
                diabetes.featureNames()))
                .isEqualTo(TreeRegressorOnnxExporter.export(inProcess.model(), diabetes.featureNames()));
    }

    @Test
    void linearFits_inAnyOrder_onDiabetes_aggregateToTheInProcessSearch() throws IOException {
        TabularDataset diabetes = dataset("diabetes.csv", Optional.empty(), false);
        var candidates = Algorithm.LINEAR_REGRESSION.candidates(IrisGridSearchTest.grid("alpha",
                List.of(0.0, 1.0, 100.0), "max_iter", List.of(20, 50)), diabetes.featureNames().size(), true);
        RegressionSearch.Result inProcess = RegressionSearch.run(diabetes, Algorithm.LINEAR_REGRESSION, candidates, 4,
                3, Scoring.NEG_MEAN_SQUARED_ERROR, SearchOptions.defaults(), (done, total) -> { });

        SearchPlan plan = SearchPlan.regression(diabetes, Algorithm.LINEAR_REGRESSION, candidates, 4, 3,
                Scoring.NEG_MEAN_SQUARED_ERROR);

        assertSameScores(plan.aggregate(fitOneByOne(plan, 3)), inProcess.candidates(), inProcess.best());
    }

    /**
     * The whole training request both ways through {@link ModelTrainer}: in process, and as fits
     * made one by one from the spec then {@link ModelTrainer#finish}; the registered versions hold
     * the same best parameters, scores and model file.
     */
    @Test
    void finish_afterFitsMadeElsewhere_registersWhatTrainRegisters() {
        try (TestStack stack = TestStack.start()) {
            S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
            Map<String, Object> request = new HashMap<>();
            request.put("model_name", "bands");
            request.put("algorithm", "random_forest");
            request.put("dataset", Map.of("csv", ModelTrainerTest.generatedCsv(150, 4)));
            request.put("params", Map.of("n_estimators", List.of(5, 10), "max_depth", List.of(2, 4)));
            request.put("cv_folds", 3);
            request.put("seed", 23);
            request.put("test_size", 0.2);
            TrainSpec spec = TrainSpec.parse(Json.write(request));
            ModelTrainer trainer = new ModelTrainer(registry);

            ModelTrainer.Outcome inProcess = trainer.train(spec, "alice", (done, total) -> { });
            SearchPlan plan = SearchPlan.of(spec);
            ModelTrainer.Outcome fannedOut = trainer.finish(spec, fitOneByOne(plan, 4), "alice",
                    SearchOptions.defaults(), 0.5);

            assertThat(fannedOut.version()).isEqualTo(inProcess.version() + 1);
            assertThat(fannedOut.best().params()).isEqualTo(inProcess.best().params());
            assertThat(fannedOut.best().meanScore()).isEqualTo(inProcess.best().meanScore());
            assertThat(fannedOut.evaluation()).isEqualTo(inProcess.evaluation());
            Manifest first = inProcess.manifest();
            Manifest second = fannedOut.manifest();
            assertThat(registry.readFile(second, ModelTrainer.MODEL_FILE))
                    .isEqualTo(registry.readFile(first, ModelTrainer.MODEL_FILE));
        }
    }

    @Test
    void aggregate_withAFitMissingOrTwice_isRefused() {
        TabularDataset data = TabularDataset.parseCsv(ModelTrainerTest.generatedCsv(60, 1), Optional.empty());
        var candidates = Algorithm.DECISION_TREE.candidates(IrisGridSearchTest.grid("max_depth", List.of(2, 3)), 2);
        SearchPlan plan = SearchPlan.classification(data, Algorithm.DECISION_TREE, candidates, 3, 1, Scoring.ACCURACY,
                ClassWeight.NONE);
        List<SearchPlan.FitResult> results = fitOneByOne(plan, 5);

        assertThatThrownBy(() -> plan.aggregate(results.subList(1, results.size())))
                .hasMessageContaining("5 fit results for a plan of 6 fits");
        List<SearchPlan.FitResult> twice = new ArrayList<>(results.subList(1, results.size()));
        twice.add(twice.get(0));
        assertThatThrownBy(() -> plan.aggregate(twice)).hasMessageContaining("given twice");
    }

    /** Every fit of {@code plan} on its own, in an order shuffled with {@code shuffleSeed}. */
    static List<SearchPlan.FitResult> fitOneByOne(SearchPlan plan, long shuffleSeed) {
        List<int[]> fits = new ArrayList<>();
        for (int c = 0; c < plan.candidateCount(); c++) {
            for (int f = 0; f < plan.folds(); f++) {
                fits.add(new int[] {c, f});
            }
        }
        Collections.shuffle(fits, new Random(shuffleSeed));
        List<SearchPlan.FitResult> results = new ArrayList<>();
        for (int[] fit : fits) {
            results.add(plan.fit(fit[0], fit[1], SearchOptions.defaults()));
        }
        return results;
    }

    /** Same parameters, mean and standard deviation per candidate (fit times differ run to run), same best. */
    private static void assertSameScores(SearchPlan.Scores actual, List<GridSearch.CandidateScore> expected,
            int expectedBest) {
        assertThat(actual.candidates()).hasSameSizeAs(expected);
        for (int c = 0; c < expected.size(); c++) {
            assertThat(actual.candidates().get(c).params()).isEqualTo(expected.get(c).params());
            assertThat(actual.candidates().get(c).meanScore()).isEqualTo(expected.get(c).meanScore());
            assertThat(actual.candidates().get(c).stdScore()).isEqualTo(expected.get(c).stdScore());
        }
        assertThat(actual.best()).isEqualTo(expectedBest);
        System.out.printf("fanned-out search: best %s score %.4f ± %.4f (in process: %s)%n",
                actual.bestCandidate().params(), actual.bestCandidate().meanScore(), actual.bestCandidate().stdScore(),
                expected.get(expectedBest).params());
    }

    private static TabularDataset dataset(String name, Optional<String> target, boolean classification)
            throws IOException {
        Optional<Path> csv = IrisGridSearchTest.sharedDataset(name);
        assumeThat(csv).as("../shared/datasets/" + name + " is not on this machine: fanned-out search not compared")
                .isPresent();
        return TabularDataset.parseCsv(Files.readString(csv.get()), target, classification);
    }
}
