package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.common.tree.SplitNode;
import org.tribuo.regression.Regressor;

/**
 * Our CART ({@link Cart}) against scikit-learn's figures on the shared tables, and a search's
 * shared-plan fits ({@link CartFits}) against the same trainer on a Tribuo dataset of the same rows.
 */
class CartTest {

    @Test
    void regressionTree_onDiabetes_growsScikitLearnsTree() throws IOException {
        TabularDataset diabetes = shared("diabetes.csv", Optional.empty(), false);
        double[] y = RegressionSearch.numericTargets(diabetes);
        int[] all = IntStream.range(0, diabetes.size()).toArray();
        Model<Regressor> tree = RegressionSearch.trainer(Algorithm.DECISION_TREE, Map.of("max_depth", 3), 42,
                diabetes.featureNames().size()).train(RegressionSearch.dataset(diabetes, y, all));

        // DecisionTreeRegressor(max_depth=3).fit(X, y): root s5 <= 4.60015, training R² 0.500672015470
        var root = (SplitNode<Regressor>) ((org.tribuo.common.tree.TreeModel<Regressor>) tree).getRoot();
        assertThat(tree.getFeatureIDMap().get(root.getFeatureID()).getName()).isEqualTo("s5");
        assertThat(root.splitValue()).isCloseTo(4.60015, within(1e-4));
        double[] predicted = new double[all.length];
        for (int i : all) {
            predicted[i] = tree.predict(RegressionSearch.example(diabetes, i, Double.NaN)).getOutput().getValues()[0];
        }
        assertThat(Scoring.R2.score(y, predicted)).isCloseTo(0.5006720154703376, within(1e-9));
    }

    @Test
    void unlimitedClassificationTree_onIris_fitsEveryTrainingRowAsScikitLearnsDoes() throws IOException {
        TabularDataset iris = shared("iris.csv", Optional.of("species"), true);
        Model<Label> tree = Algorithm.DECISION_TREE.trainer(Map.of(), 42, 4, iris.size())
                .train(TribuoData.dataset(iris, null));
        // DecisionTreeClassifier().fit(X, y): training accuracy 1.0, depth 5
        List<String> predicted = new ArrayList<>();
        for (int i = 0; i < iris.size(); i++) {
            predicted.add(tree.predict(TribuoData.example(iris.featureNames(), iris.rows()[i], null)).getOutput()
                    .getLabel());
        }
        assertThat(Scoring.ACCURACY.score(iris.targets(), predicted)).isEqualTo(1.0);
        assertThat(((org.tribuo.common.tree.TreeModel<Label>) tree).getDepth()).isEqualTo(5);
    }

    @Test
    void searchFits_onTheSharedPlan_scoreAsTheTrainerOnATribuoDatasetOfTheSameRows() throws IOException {
        TabularDataset iris = shared("iris.csv", Optional.of("species"), true);
        for (Algorithm algorithm : List.of(Algorithm.DECISION_TREE, Algorithm.RANDOM_FOREST)) {
            var candidates = algorithm.candidates(Map.of("max_depth", java.util.Arrays.asList(2, null)), 4);
            SearchPlan plan = SearchPlan.classification(iris, algorithm, candidates, 5, 7, Scoring.ACCURACY,
                    ClassWeight.BALANCED);
            int[][] folds = GridSearch.stratifiedFolds(iris.targets(), 5, 7);
            for (int c = 0; c < candidates.size(); c++) {
                for (int f = 0; f < 5; f++) {
                    double shared = plan.fit(c, f, SearchOptions.defaults().withParallelism(1)).score();
                    int[] test = folds[f];
                    int[] training = IntStream.range(0, iris.size())
                            .filter(i -> java.util.Arrays.binarySearch(test, i) < 0).toArray();
                    Model<Label> model = algorithm.trainer(candidates.get(c), 7, 4, training.length,
                            SearchOptions.defaults().withParallelism(1))
                            .train(TribuoData.dataset(iris, training, ClassWeight.BALANCED));
                    List<String> truth = new ArrayList<>();
                    List<String> predicted = new ArrayList<>();
                    for (int i : test) {
                        truth.add(iris.targets().get(i));
                        predicted.add(model.predict(TribuoData.example(iris.featureNames(), iris.rows()[i], null))
                                .getOutput().getLabel());
                    }
                    assertThat(shared).as("%s candidate %d fold %d", algorithm, c, f)
                            .isEqualTo(Scoring.ACCURACY.score(truth, predicted));
                }
            }
        }
    }

    private static TabularDataset shared(String name, Optional<String> target, boolean classification)
            throws IOException {
        Optional<Path> csv = IrisGridSearchTest.sharedDataset(name);
        assumeThat(csv).as("../shared/datasets/" + name + " is not on this machine").isPresent();
        return TabularDataset.parseCsv(Files.readString(csv.get()), target, classification);
    }
}
