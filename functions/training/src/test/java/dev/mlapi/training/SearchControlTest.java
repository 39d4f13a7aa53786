package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a training worker relies on: the scoring it asked for, folds stratified and shuffled with
 * the seed, a stop (cancel, spent budget) that ends the search with "stopped after N of M fits"
 * and registers nothing, and a manifest that says what was trained on and how, with Tribuo's
 * provenance beside the model.
 */
class SearchControlTest {

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

    static TrainSpec spec(String name, Map<String, Object> extra) {
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", name);
        request.put("algorithm", "decision_tree");
        request.put("dataset", Map.of("csv", ModelTrainerTest.generatedCsv(90, 2)));
        request.put("params", Map.of("max_depth", List.of(2, 3, 4)));
        request.put("cv_folds", 3);
        request.put("seed", 5);
        request.putAll(extra);
        return TrainSpec.parse(Json.write(request));
    }

    /** Nothing registered: the registry does not know the name at all. */
    static void assertNothingRegistered(String name) {
        assertThatThrownBy(() -> registry.versions(name, 10, Optional.empty())).isInstanceOf(NotFound.class);
    }

    @Test
    void f1Macro_isTheMeanOfPerClassF1_overClassesInTruthOrPrediction() {
        double f1 = Scoring.F1_MACRO.score(List.of("a", "a", "b", "b"), List.of("a", "b", "b", "b"));

        assertThat(f1).isCloseTo((2.0 / 3 + 0.8) / 2, within(1e-12));
        assertThat(Scoring.F1_MACRO.score(List.of("a", "b"), List.of("a", "c"))).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(Scoring.ACCURACY.score(List.of("a", "b"), List.of("a", "c"))).isEqualTo(0.5);
    }

    @Test
    void regressionScores_areR2AndNegatedMeanSquaredError() {
        double[] truth = {1, 2, 3};
        double[] predicted = {1, 2, 5};

        assertThat(Scoring.NEG_MEAN_SQUARED_ERROR.score(truth, predicted)).isCloseTo(-4.0 / 3, within(1e-12));
        assertThat(Scoring.R2.score(truth, predicted)).isCloseTo(1 - 4.0 / 2, within(1e-12));
    }

    @Test
    void parse_scoring_defaultsPerTask_andABadOneIs400ListingTheValidOnes() {
        assertThat(spec("s", Map.of()).scoring()).isEqualTo(Scoring.ACCURACY);
        assertThat(spec("s", Map.of("scoring", "f1_macro")).scoring()).isEqualTo(Scoring.F1_MACRO);
        assertThatThrownBy(() -> spec("s", Map.of("scoring", "roc_auc")))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("scoring")
                .hasMessageContaining("[accuracy, f1_macro, balanced_accuracy]");
        assertThatThrownBy(() -> spec("s", Map.of("scoring", "r2")))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("[accuracy, f1_macro, balanced_accuracy]");
    }

    @Test
    void stratifiedFolds_keepEachClassProportion_andFollowTheSeed() {
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            targets.add(i < 80 ? "common" : "rare");
        }

        int[][] folds = GridSearch.stratifiedFolds(targets, 5, 3);

        for (int[] fold : folds) {
            assertThat(fold).hasSize(20);
            assertThat(java.util.Arrays.stream(fold).filter(i -> i >= 80).count()).isEqualTo(4);
        }
        assertThat(GridSearch.stratifiedFolds(targets, 5, 3)).isDeepEqualTo(folds);
        assertThat(GridSearch.stratifiedFolds(targets, 5, 4)).isNotEqualTo(folds);
        assertThat(RegressionSearch.shuffledFolds(100, 5, 3)).isDeepEqualTo(RegressionSearch.shuffledFolds(100, 5, 3));
        assertThat(RegressionSearch.shuffledFolds(100, 5, 3)[0]).isNotEqualTo(RegressionSearch.shuffledFolds(100, 5, 4)[0]);
    }

    @Test
    void train_withF1Macro_ranksAndRecordsByIt() {
        var outcome = new ModelTrainer(registry).train(spec("f1-model", Map.of("scoring", "f1_macro")), "erin",
                (d, t) -> { });

        assertThat(outcome.metric()).isEqualTo("f1_macro");
        assertThat(outcome.manifest().metrics()).containsEntry("metric", "f1_macro");
        assertThat(outcome.manifest().parameters()).containsEntry("scoring", "f1_macro");
    }

    @Test
    void train_whenProgressThrowsTrainingStopped_stopsAfterThatFit_andRegistersNothing() {
        TrainSpec spec = spec("cancelled-model", Map.of());
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> new ModelTrainer(registry).train(spec, "erin", (done, total) -> {
            calls.incrementAndGet();
            if (done == 3) {
                throw new TrainingStopped("cancelled");
            }
        }, SearchOptions.defaults().withParallelism(1)))
                .isInstanceOf(TrainingStopped.class)
                .hasMessage("stopped after 3 of 10 fits: cancelled");
        assertThat(calls.get()).isEqualTo(3);
        assertNothingRegistered("cancelled-model");
    }

    @Test
    void train_whenShouldStopTurnsTrueOnTwoCores_stopsAndRegistersNothing() {
        AtomicInteger done = new AtomicInteger();
        SearchOptions options = SearchOptions.defaults().withParallelism(2)
                .withStop(() -> done.get() >= 2, "cancelled by the user");

        assertThatThrownBy(() -> new ModelTrainer(registry).train(spec("stopped-model", Map.of()), "erin",
                (d, t) -> done.set(d), options))
                .isInstanceOf(TrainingStopped.class)
                .hasMessageMatching("stopped after [2-4] of 10 fits: cancelled by the user");
        assertNothingRegistered("stopped-model");
    }

    @Test
    void train_whenTheDeadlineHasPassed_stopsBeforeAnyFit() {
        SearchOptions options = SearchOptions.defaults().withDeadline(Instant.now().minusSeconds(1), Clock.systemUTC());

        assertThatThrownBy(() -> new ModelTrainer(registry).train(spec("late-model", Map.of()), "erin", (d, t) -> { },
                options))
                .isInstanceOf(TrainingStopped.class)
                .hasMessageStartingWith("stopped after 0 of 10 fits: the time budget ran out")
                .satisfies(e -> assertThat(((TrainingStopped) e).done()).isZero());
        assertNothingRegistered("late-model");
    }

    @Test
    void train_manifestSaysWhatWasTrainedOnAndHow_andCarriesTribuosProvenance() {
        String csv = ModelTrainerTest.generatedCsv(90, 2);
        TrainSpec spec = TrainSpec.parse(Json.write(Map.of("model_name", "documented", "algorithm", "logistic_regression",
                "dataset", Map.of("id", "ds-123"), "params", Map.of("C", List.of(1, 10)), "cv_folds", 3, "seed", 9)),
                id -> id.equals("ds-123") ? csv : null);

        Manifest manifest = new ModelTrainer(registry).train(spec, "erin", (d, t) -> { }).manifest();

        assertThat(manifest.featureNames()).containsExactly("x", "y");
        assertThat(manifest.labels()).containsExactly("high", "low", "mid");
        assertThat(manifest.metrics()).containsKeys("metric", "best_score", "best_score_std", "cv_results",
                "training_seconds");
        Map<String, Object> parameters = manifest.parameters();
        assertThat(parameters).containsEntry("task", "classification").containsEntry("seed", 9L)
                .containsKeys("best_params", "param_grid", "libraries", "feature_order");
        assertThat(parameters.get("dataset")).isEqualTo(Map.of("rows", 90, "id", "ds-123",
                "sha256", ModelFile.sha256Hex(csv.getBytes(StandardCharsets.UTF_8))));
        assertThat(manifest.files()).extracting(Manifest.FileEntry::name)
                .containsExactlyInAnyOrder(ModelTrainer.MODEL_FILE, ModelTrainer.PROVENANCE_FILE);
        String provenance = new String(registry.readFile(manifest, ModelTrainer.PROVENANCE_FILE), StandardCharsets.UTF_8);
        assertThat(Json.readTree(provenance.getBytes(StandardCharsets.UTF_8)).isArray()).isTrue();
        assertThat(provenance).contains("TransformTrainer").contains("LinearSGDTrainer").contains("L2AdaGrad");
    }

    @Test
    void parse_datasetById_withoutALoader_is400() {
        assertThatThrownBy(() -> TrainSpec.parse(Json.write(Map.of("model_name", "m", "algorithm", "decision_tree",
                "dataset", Map.of("id", "ds-1")))))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("dataset.id");
    }
}
