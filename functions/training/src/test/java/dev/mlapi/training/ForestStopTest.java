package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.tribuo.Model;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.common.tree.RandomForestTrainer;
import org.tribuo.ensemble.BaggingTrainer;
import org.tribuo.regression.Regressor;

/**
 * A random forest (or bagged trees) fit asks the search's stop condition before each tree: a flag
 * raised during a long fit ends it within one tree, and a fit that is not stopped builds exactly
 * the same model for a seed on one core or on two (every tree's seed is drawn before any tree grows).
 */
class ForestStopTest {

    @Test
    void randomForest_whenTheStopFlagIsRaisedDuringTheFit_stopsWithinOneTree() {
        TabularDataset data = generated(2_000, 8, false);
        AtomicBoolean stop = new AtomicBoolean();
        int[] treesAtRaise = new int[1];
        StoppableEnsembles.Counted[] forest = new StoppableEnsembles.Counted[1];
        SearchOptions options = SearchOptions.defaults().withStop(() -> {
            // raised from inside the fit, once 3 of its 500 trees are built
            if (!stop.get() && forest[0].membersStarted() == 3) {
                treesAtRaise[0] = forest[0].membersStarted();
                stop.set(true);
            }
            return stop.get();
        }, "the job was cancelled");
        Trainer<Label> trainer = Algorithm.RANDOM_FOREST.trainer(Map.of("n_estimators", 500), 7,
                data.featureNames().size(), data.size(), options);
        forest[0] = (StoppableEnsembles.Counted) trainer;

        TrainingStopped stopped = catchThrowableOfType(() -> trainer.train(TribuoData.dataset(data, null)),
                TrainingStopped.class);

        assertThat(stopped).as("the fit must end early, not after its 500 trees").isNotNull();
        assertThat(stopped.reason()).contains("the job was cancelled", "after 3 trees");
        assertThat(treesAtRaise[0]).isEqualTo(3);
        assertThat(forest[0].membersStarted()).as("trees built after the flag was raised").isEqualTo(3);
    }

    @Test
    void gridSearch_whenStoppedInsideAForestFit_reportsTheFitsDoneAndTheReason() {
        TabularDataset data = generated(1_000, 6, false);
        int[] checks = new int[1];
        // the first fit passes its start check and stops before its 6th tree
        SearchOptions options = SearchOptions.defaults().withParallelism(1)
                .withStop(() -> ++checks[0] > 6, "the job was cancelled");
        var candidates = Algorithm.RANDOM_FOREST.candidates(Map.of("n_estimators", List.of(200)),
                data.featureNames().size());

        TrainingStopped stopped = catchThrowableOfType(() -> GridSearch.run(data, Algorithm.RANDOM_FOREST, candidates,
                3, 1, Scoring.ACCURACY, options, (done, total) -> { }), TrainingStopped.class);

        assertThat(stopped.getMessage()).startsWith("stopped after 0 of 4 fits: the job was cancelled (after 5 trees");
    }

    @Test
    void randomForest_sameSeed_buildsTheSameForestOnOneCoreAndOnTwo_onAGeneratedTable() {
        TabularDataset data = generated(600, 6, false);
        Map<String, Object> params = Map.of("n_estimators", 25, "max_depth", 6);
        Model<Label> oneCore = Algorithm.RANDOM_FOREST.trainer(params, 13, 6, 600,
                SearchOptions.defaults().withParallelism(1)).train(TribuoData.dataset(data, null));
        Model<Label> twoCores = Algorithm.RANDOM_FOREST.trainer(params, 13, 6, 600,
                SearchOptions.defaults().withParallelism(2)).train(TribuoData.dataset(data, null));
        Model<Label> otherSeed = Algorithm.RANDOM_FOREST.trainer(params, 14, 6, 600,
                SearchOptions.defaults().withParallelism(1)).train(TribuoData.dataset(data, null));
        assertSamePredictions(oneCore, twoCores, data);
        assertThat(differentScores(oneCore, otherSeed, data)).as("another seed grows other trees").isPositive();
    }

    @Test
    void randomForest_onIris_isSeededAndKeepsTribuosProvenance() throws IOException {
        Optional<Path> csv = IrisGridSearchTest.sharedDataset("iris.csv");
        assumeThat(csv).as("../shared/datasets/iris.csv is not on this machine: iris not compared").isPresent();
        TabularDataset iris = TabularDataset.parseCsv(Files.readString(csv.get()), Optional.of("species"));
        Model<Label> first = Algorithm.RANDOM_FOREST.trainer(Map.of("n_estimators", 100), 42, 4, iris.size(),
                SearchOptions.defaults()).train(TribuoData.dataset(iris, null));
        Model<Label> second = Algorithm.RANDOM_FOREST.trainer(Map.of("n_estimators", 100), 42, 4, iris.size(),
                SearchOptions.defaults().withParallelism(1)).train(TribuoData.dataset(iris, null));
        assertSamePredictions(first, second, iris);
        assertThat(first.getProvenance().getTrainerProvenance().getClassName())
                .isEqualTo(RandomForestTrainer.class.getName());
    }

    @Test
    void regressionForestAndBaggedTrees_sameSeed_predictTheSameOnOneCoreAndOnTwo() {
        TabularDataset data = generated(500, 5, true);
        double[] y = RegressionSearch.numericTargets(data);
        int[] all = IntStream.range(0, data.size()).toArray();
        var dataset = RegressionSearch.dataset(data, y, all);
        // max_features 0.5: a random forest; every feature: bagged trees
        Map<String, Object> half = Map.of("n_estimators", 30, "max_depth", 8, "min_samples_leaf", 2, "max_features", 0.5);
        Map<String, Object> every = Map.of("n_estimators", 30, "max_depth", 8, "min_samples_leaf", 2);
        SearchOptions one = SearchOptions.defaults().withParallelism(1);
        SearchOptions two = SearchOptions.defaults().withParallelism(2);
        Model<Regressor> forest1 = RegressionSearch.trainer(Algorithm.RANDOM_FOREST, half, 5, 5, one).train(dataset);
        Model<Regressor> forest2 = RegressionSearch.trainer(Algorithm.RANDOM_FOREST, half, 5, 5, two).train(dataset);
        Model<Regressor> bagging1 = RegressionSearch.trainer(Algorithm.RANDOM_FOREST, every, 5, 5, one).train(dataset);
        Model<Regressor> bagging2 = RegressionSearch.trainer(Algorithm.RANDOM_FOREST, every, 5, 5, two).train(dataset);

        for (int i : all) {
            var example = RegressionSearch.example(data, i, Double.NaN);
            assertThat(forest2.predict(example).getOutput().getValues())
                    .containsExactly(forest1.predict(example).getOutput().getValues());
            assertThat(bagging2.predict(example).getOutput().getValues())
                    .containsExactly(bagging1.predict(example).getOutput().getValues());
        }
        assertThat(forest1.getProvenance().getTrainerProvenance().getClassName())
                .isEqualTo(RandomForestTrainer.class.getName());
        assertThat(bagging1.getProvenance().getTrainerProvenance().getClassName())
                .isEqualTo(BaggingTrainer.class.getName());
    }

    @Test
    void searchOptions_deadline_stopsAForestBetweenTrees() {
        TabularDataset data = generated(500, 4, false);
        Instant past = Instant.parse("2020-01-01T00:00:00Z");
        Trainer<Label> trainer = Algorithm.RANDOM_FOREST.trainer(Map.of("n_estimators", 50), 1, 4, 500,
                SearchOptions.defaults().withDeadline(past, Clock.systemUTC()));
        TrainingStopped stopped = catchThrowableOfType(() -> trainer.train(TribuoData.dataset(data, null)),
                TrainingStopped.class);
        assertThat(stopped.reason()).contains("time budget", "after 0 trees");
    }

    private static void assertSamePredictions(Model<Label> expected, Model<Label> actual, TabularDataset data) {
        for (int i = 0; i < data.size(); i++) {
            var example = TribuoData.example(data.featureNames(), data.rows()[i], null);
            var want = expected.predict(example);
            var got = actual.predict(example);
            assertThat(got.getOutput().getLabel()).as("row %d", i).isEqualTo(want.getOutput().getLabel());
            assertThat(got.getOutputScores().toString()).as("row %d", i).isEqualTo(want.getOutputScores().toString());
        }
    }

    private static int differentScores(Model<Label> a, Model<Label> b, TabularDataset data) {
        int different = 0;
        for (int i = 0; i < data.size(); i++) {
            var example = TribuoData.example(data.featureNames(), data.rows()[i], null);
            if (!a.predict(example).getOutputScores().toString().equals(b.predict(example).getOutputScores().toString())) {
                different++;
            }
        }
        return different;
    }

    /** A noisy table of {@code rows} × {@code features} numbers with a two-class or numeric target. */
    static TabularDataset generated(int rows, int features, boolean regression) {
        Random random = new Random(3);
        StringBuilder csv = new StringBuilder();
        for (int f = 0; f < features; f++) {
            csv.append('x').append(f).append(',');
        }
        csv.append("y\n");
        for (int r = 0; r < rows; r++) {
            double signal = 0;
            for (int f = 0; f < features; f++) {
                double v = random.nextGaussian();
                signal += f % 2 == 0 ? v : -0.5 * v;
                csv.append(String.format(Locale.ROOT, "%.4f,", v));
            }
            signal += 0.7 * random.nextGaussian();
            csv.append(regression ? String.format(Locale.ROOT, "%.4f", signal) : signal > 0 ? "a" : "b").append('\n');
        }
        return TabularDataset.parseCsv(csv.toString(), Optional.of("y"), !regression);
    }
}
