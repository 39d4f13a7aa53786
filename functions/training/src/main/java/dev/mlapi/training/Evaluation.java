package dev.mlapi.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.common.tree.Node;
import org.tribuo.common.tree.SplitNode;
import org.tribuo.common.tree.TreeModel;
import org.tribuo.ensemble.WeightedEnsembleModel;
import org.tribuo.regression.Regressor;

/**
 * What a user reads about a trained model: its scores on the held-out rows (scikit-learn's
 * {@code sklearn.metrics} definitions) and, for trees and forests, feature importances. Every map
 * is JSON-ready (no nulls) and goes into the manifest's metrics and the job's result.
 */
public final class Evaluation {

    private Evaluation() {
    }

    /**
     * The classifier's scores on {@code heldOut}: accuracy, balanced accuracy (mean recall over
     * the classes), macro F1, per-class precision, recall, F1 and support, the confusion matrix
     * (rows: true class, columns: predicted, both in {@code classes} order) and, for two classes,
     * ROC AUC from the probability of the second class (scikit-learn's positive class).
     */
    public static Map<String, Object> classifier(Model<Label> model, TabularDataset heldOut, List<String> classes) {
        List<String> truth = heldOut.targets();
        List<String> predicted = new ArrayList<>();
        double[] positive = new double[heldOut.size()];
        for (int i = 0; i < heldOut.size(); i++) {
            Prediction<Label> p = model.predict(TribuoData.example(heldOut.featureNames(), heldOut.rows()[i], null));
            predicted.add(p.getOutput().getLabel());
            if (classes.size() == 2) {
                Label score = p.getOutputScores().get(classes.get(1));
                positive[i] = score == null ? 0 : score.getScore();
            }
        }
        Map<String, Object> result = classification(truth, predicted, classes);
        if (classes.size() == 2) {
            boolean[] isPositive = new boolean[truth.size()];
            for (int i = 0; i < isPositive.length; i++) {
                isPositive[i] = truth.get(i).equals(classes.get(1));
            }
            result.put("roc_auc", rocAuc(isPositive, positive));
            result.put("roc_auc_positive_class", classes.get(1));
        }
        return result;
    }

    /** The label metrics of {@link #classifier} from the true and predicted labels. */
    static Map<String, Object> classification(List<String> truth, List<String> predicted, List<String> classes) {
        int k = classes.size();
        long[][] matrix = new long[k][k];
        for (int i = 0; i < truth.size(); i++) {
            int t = classes.indexOf(truth.get(i));
            int p = classes.indexOf(predicted.get(i));
            if (t >= 0 && p >= 0) {
                matrix[t][p]++;
            }
        }
        Map<String, Object> perClass = new LinkedHashMap<>();
        double recallSum = 0;
        int present = 0;
        double f1Sum = 0;
        int f1Classes = 0;
        long correct = 0;
        for (int c = 0; c < k; c++) {
            long support = Arrays.stream(matrix[c]).sum();
            long predictedCount = 0;
            for (long[] row : matrix) {
                predictedCount += row[c];
            }
            long tp = matrix[c][c];
            correct += tp;
            double precision = predictedCount == 0 ? 0 : (double) tp / predictedCount;
            double recall = support == 0 ? 0 : (double) tp / support;
            double f1 = support + predictedCount == 0 ? 0 : 2.0 * tp / (support + predictedCount);
            if (support > 0) {
                recallSum += recall;
                present++;
            }
            if (support + predictedCount > 0) {
                f1Sum += f1;
                f1Classes++;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("precision", precision);
            row.put("recall", recall);
            row.put("f1", f1);
            row.put("support", support);
            perClass.put(classes.get(c), row);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rows", truth.size());
        result.put("accuracy", truth.isEmpty() ? 0 : (double) correct / truth.size());
        result.put("balanced_accuracy", present == 0 ? 0 : recallSum / present);
        result.put("f1_macro", f1Classes == 0 ? 0 : f1Sum / f1Classes);
        result.put("per_class", perClass);
        List<List<Long>> rows = new ArrayList<>();
        for (long[] row : matrix) {
            rows.add(Arrays.stream(row).boxed().toList());
        }
        result.put("confusion_matrix", Map.of("labels", classes, "matrix", rows));
        return result;
    }

    /**
     * The area under the ROC curve: the probability that a positive row scores above a negative
     * one, ties counting half (the Mann–Whitney statistic, equal to scikit-learn's
     * {@code roc_auc_score}). 0.5 when one side has no row.
     */
    static double rocAuc(boolean[] positive, double[] score) {
        int n = score.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[a], score[b]));
        double[] rank = new double[n];
        for (int i = 0; i < n;) {
            int j = i;
            while (j + 1 < n && score[order[j + 1]] == score[order[i]]) {
                j++;
            }
            double average = (i + j) / 2.0 + 1;
            for (int m = i; m <= j; m++) {
                rank[order[m]] = average;
            }
            i = j + 1;
        }
        long positives = 0;
        double rankSum = 0;
        for (int i = 0; i < n; i++) {
            if (positive[i]) {
                positives++;
                rankSum += rank[i];
            }
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return 0.5;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /** The regressor's R², mean absolute error and root mean squared error on {@code heldOut}. */
    public static Map<String, Object> regressor(Model<Regressor> model, TabularDataset heldOut) {
        double[] truth = RegressionSearch.numericTargets(heldOut);
        double[] predicted = new double[truth.length];
        for (int i = 0; i < truth.length; i++) {
            predicted[i] = model.predict(RegressionSearch.example(heldOut, i, Double.NaN)).getOutput().getValues()[0];
        }
        return regression(truth, predicted);
    }

    static Map<String, Object> regression(double[] truth, double[] predicted) {
        double absolute = 0;
        double squared = 0;
        for (int i = 0; i < truth.length; i++) {
            absolute += Math.abs(truth[i] - predicted[i]);
            squared += (truth[i] - predicted[i]) * (truth[i] - predicted[i]);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rows", truth.length);
        result.put("r2", Scoring.R2.score(truth, predicted));
        result.put("mae", absolute / truth.length);
        result.put("rmse", Math.sqrt(squared / truth.length));
        return result;
    }

    /**
     * Split-count importances of a tree or forest: how many splits (over every tree) test each
     * feature, divided by all splits, so they sum to 1 (every one 0 when no tree splits). Tribuo's
     * trees keep no node sample counts, so this is not scikit-learn's impurity decrease. Empty
     * for a model that is not a tree or forest.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Map<String, Object> featureImportances(Model<?> model, List<String> featureNames) {
        List<TreeModel<?>> trees = new ArrayList<>();
        if (model instanceof TreeModel<?> tree) {
            trees.add(tree);
        } else if (model instanceof WeightedEnsembleModel<?> ensemble) {
            for (Model<?> member : ensemble.getModels()) {
                if (!(member instanceof TreeModel<?> tree)) {
                    return Map.of();
                }
                trees.add(tree);
            }
        } else {
            return Map.of();
        }
        double[] counts = new double[featureNames.size()];
        for (TreeModel<?> tree : trees) {
            List<Node<?>> pending = new ArrayList<>();
            pending.add(tree.getRoot());
            while (!pending.isEmpty()) {
                Node<?> node = pending.remove(pending.size() - 1);
                if (node instanceof SplitNode split) {
                    String name = tree.getFeatureIDMap().get(split.getFeatureID()).getName();
                    counts[featureNames.indexOf(name)]++;
                    pending.add(split.getLessThanOrEqual());
                    pending.add(split.getGreaterThan());
                }
            }
        }
        double total = Arrays.stream(counts).sum();
        Map<String, Object> importances = new LinkedHashMap<>();
        for (int f = 0; f < counts.length; f++) {
            importances.put(featureNames.get(f), total == 0 ? 0.0 : counts[f] / total);
        }
        return importances;
    }

    /**
     * {@code encoded} importances summed by raw column: a date's four parts and a category's
     * one-hot features count for the column they come from, in the table's column order.
     */
    public static Map<String, Object> byColumn(Map<String, Object> encoded, TableSchema schema) {
        Map<String, Object> columns = new LinkedHashMap<>();
        for (TableSchema.Column column : schema.used()) {
            double sum = 0;
            for (String name : column.encodedNames()) {
                Object value = encoded.get(name);
                sum += value == null ? 0 : ((Number) value).doubleValue();
            }
            columns.put(column.name(), sum);
        }
        return columns;
    }
}
