package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The held-out metrics against scikit-learn 1.x on fixed small examples; each expected figure is
 * what the {@code sklearn.metrics} call in the comment printed.
 */
class EvaluationTest {

    static final List<String> TRUTH = List.of("a", "a", "a", "b", "b", "c", "c", "c", "c", "a");
    static final List<String> PREDICTED = List.of("a", "b", "a", "b", "c", "b", "c", "a", "c", "a");

    @Test
    @SuppressWarnings("unchecked")
    void classification_matchesScikitLearn() {
        Map<String, Object> m = Evaluation.classification(TRUTH, PREDICTED, List.of("a", "b", "c"));

        // accuracy_score(yt, yp) = 0.6
        assertThat((double) m.get("accuracy")).isCloseTo(0.6, within(1e-12));
        // balanced_accuracy_score(yt, yp) = 0.5833333333333334
        assertThat((double) m.get("balanced_accuracy")).isCloseTo(0.5833333333333334, within(1e-12));
        assertThat(Scoring.BALANCED_ACCURACY.score(TRUTH, PREDICTED)).isCloseTo(0.5833333333333334, within(1e-12));
        assertThat(Scoring.F1_MACRO.score(TRUTH, PREDICTED)).isCloseTo(0.5738095238095238, within(1e-12));
        // f1_score(yt, yp, average="macro") = 0.5738095238095238
        assertThat((double) m.get("f1_macro")).isCloseTo(0.5738095238095238, within(1e-12));
        // precision_recall_fscore_support(yt, yp): precision [0.75, 0.3333, 0.6667], recall [0.75, 0.5, 0.5],
        // f1 [0.75, 0.4, 0.5714285714285714], support [4, 2, 4]
        var perClass = (Map<String, Map<String, Object>>) m.get("per_class");
        assertThat((double) perClass.get("b").get("precision")).isCloseTo(1 / 3.0, within(1e-12));
        assertThat((double) perClass.get("c").get("precision")).isCloseTo(2 / 3.0, within(1e-12));
        assertThat((double) perClass.get("c").get("recall")).isCloseTo(0.5, within(1e-12));
        assertThat((double) perClass.get("c").get("f1")).isCloseTo(0.5714285714285714, within(1e-12));
        assertThat(perClass.get("a").get("support")).isEqualTo(4L);
        assertThat(perClass.get("b").get("support")).isEqualTo(2L);
        // confusion_matrix(yt, yp, labels=["a", "b", "c"]) = [[3, 1, 0], [0, 1, 1], [1, 1, 2]]
        var matrix = (Map<String, Object>) m.get("confusion_matrix");
        assertThat(matrix.get("labels")).isEqualTo(List.of("a", "b", "c"));
        assertThat(matrix.get("matrix")).isEqualTo(List.of(List.of(3L, 1L, 0L), List.of(0L, 1L, 1L),
                List.of(1L, 1L, 2L)));
    }

    @Test
    void rocAuc_matchesScikitLearn_withTies() {
        // roc_auc_score([0,0,1,1,0,1,0,1,1,0], [0.1,0.4,0.35,0.8,0.4,0.9,0.2,0.4,0.7,0.6]) = 0.8
        boolean[] positive = {false, false, true, true, false, true, false, true, true, false};
        double[] score = {0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.4, 0.7, 0.6};

        assertThat(Evaluation.rocAuc(positive, score)).isCloseTo(0.8, within(1e-12));
    }

    @Test
    void regression_matchesScikitLearn() {
        double[] truth = {3.0, -0.5, 2.0, 7.0, 4.2};
        double[] predicted = {2.5, 0.0, 2.0, 8.0, 3.9};

        Map<String, Object> m = Evaluation.regression(truth, predicted);

        // r2_score = 0.9480256276150627, mean_absolute_error = 0.46, mean_squared_error ** 0.5 = 0.5639148871948674
        assertThat((double) m.get("r2")).isCloseTo(0.9480256276150627, within(1e-12));
        assertThat((double) m.get("mae")).isCloseTo(0.46, within(1e-12));
        assertThat((double) m.get("rmse")).isCloseTo(0.5639148871948674, within(1e-12));
    }

    @Test
    void balancedWeights_matchScikitLearn() {
        // compute_class_weight("balanced", classes=["a","b","c"], y=yt) = [0.8333, 1.6667, 0.8333]
        Map<String, Double> weights = ClassWeight.BALANCED.weights(TRUTH);

        assertThat(weights.get("a")).isCloseTo(10 / 12.0, within(1e-12));
        assertThat(weights.get("b")).isCloseTo(10 / 6.0, within(1e-12));
        assertThat(weights.get("c")).isCloseTo(10 / 12.0, within(1e-12));
        assertThat(ClassWeight.NONE.weights(TRUTH).values()).containsOnly(1.0);
    }

    @Test
    void featureImportances_areTribuosSplitCounts_normalised() {
        TabularDataset data = ClassWeightTest.imbalanced(5);
        var tree = (org.tribuo.common.tree.TreeModel<org.tribuo.classification.Label>) Algorithm.DECISION_TREE
                .trainer(Map.of("max_depth", 4), 1, 2).train(TribuoData.dataset(data, null));
        // Tribuo's own view of a tree's features: how many splits use each one
        Map<String, Double> counts = new java.util.HashMap<>();
        tree.getTopFeatures(-1).values().iterator().next().forEach(p -> counts.put(p.getA(), p.getB()));
        double total = counts.values().stream().mapToDouble(Double::doubleValue).sum();

        Map<String, Object> importances = Evaluation.featureImportances(tree, data.featureNames());

        assertThat(importances.keySet()).containsExactly("a", "b");
        for (String feature : List.of("a", "b")) {
            assertThat((double) importances.get(feature)).isCloseTo(counts.getOrDefault(feature, 0.0) / total,
                    within(1e-12));
        }
        assertThat(importances.values().stream().mapToDouble(v -> (double) v).sum()).isCloseTo(1.0, within(1e-12));
    }
}
