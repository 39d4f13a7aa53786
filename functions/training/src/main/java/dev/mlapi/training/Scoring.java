package dev.mlapi.training;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * The score a grid search ranks candidates by, under scikit-learn's {@code scoring} names; higher
 * is better for every one (hence {@code neg_mean_squared_error}).
 */
public enum Scoring {

    ACCURACY(false),
    F1_MACRO(false),
    /** The mean of each true class's recall (scikit-learn's {@code balanced_accuracy}), for imbalanced classes. */
    BALANCED_ACCURACY(false),
    R2(true),
    NEG_MEAN_SQUARED_ERROR(true);

    private final boolean regression;

    Scoring(boolean regression) {
        this.regression = regression;
    }

    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isRegression() {
        return regression;
    }

    /** scikit-learn's default: accuracy for classification, R² for regression. */
    public static Scoring defaultFor(boolean regression) {
        return regression ? R2 : ACCURACY;
    }

    /** The scorings of a task, in declaration order. */
    public static List<String> valuesFor(boolean regression) {
        return Arrays.stream(values()).filter(s -> s.regression == regression).map(Scoring::value).toList();
    }

    /** {@code text} as a scoring of the task; a 400 listing the valid ones otherwise. */
    public static Scoring parse(String text, boolean regression) {
        for (Scoring s : values()) {
            if (s.value().equals(text) && s.regression == regression) {
                return s;
            }
        }
        throw InvalidInput.field("scoring", "must be one of " + valuesFor(regression) + " for "
                + (regression ? "regression" : "classification") + ", got '" + text + "'");
    }

    /** The score of predicted labels against the true ones. */
    public double score(List<String> truth, List<String> predicted) {
        int correct = 0;
        for (int i = 0; i < truth.size(); i++) {
            if (truth.get(i).equals(predicted.get(i))) {
                correct++;
            }
        }
        return switch (this) {
            case ACCURACY -> (double) correct / truth.size();
            case F1_MACRO -> f1Macro(truth, predicted);
            case BALANCED_ACCURACY -> balancedAccuracy(truth, predicted);
            default -> throw new IllegalStateException(value() + " scores regression");
        };
    }

    /** The score of predicted values against the true ones. */
    public double score(double[] truth, double[] predicted) {
        double mean = 0;
        for (double y : truth) {
            mean += y;
        }
        mean /= truth.length;
        double residual = 0;
        double total = 0;
        for (int i = 0; i < truth.length; i++) {
            residual += (truth[i] - predicted[i]) * (truth[i] - predicted[i]);
            total += (truth[i] - mean) * (truth[i] - mean);
        }
        return switch (this) {
            case R2 -> total == 0 ? 0 : 1 - residual / total;
            case NEG_MEAN_SQUARED_ERROR -> -residual / truth.length;
            default -> throw new IllegalStateException(value() + " scores classification");
        };
    }

    /** The unweighted mean over the classes in the truth of each one's recall (predicted ones absent from the truth do not count). */
    private static double balancedAccuracy(List<String> truth, List<String> predicted) {
        Map<String, int[]> byClass = new TreeMap<>();
        for (int i = 0; i < truth.size(); i++) {
            int[] counts = byClass.computeIfAbsent(truth.get(i), k -> new int[2]);
            counts[0]++;
            if (truth.get(i).equals(predicted.get(i))) {
                counts[1]++;
            }
        }
        double sum = 0;
        for (int[] counts : byClass.values()) {
            sum += (double) counts[1] / counts[0];
        }
        return sum / byClass.size();
    }

    /**
     * The unweighted mean of each class's F1 over the classes that occur in the truth or the
     * predictions (scikit-learn's {@code f1_score(average="macro")}; a class with no true and no
     * predicted row scores 0).
     */
    private static double f1Macro(List<String> truth, List<String> predicted) {
        Set<String> classes = new TreeSet<>(truth);
        classes.addAll(predicted);
        double sum = 0;
        for (String c : classes) {
            int truePositive = 0;
            int falsePositive = 0;
            int falseNegative = 0;
            for (int i = 0; i < truth.size(); i++) {
                boolean actual = truth.get(i).equals(c);
                boolean guessed = predicted.get(i).equals(c);
                if (actual && guessed) {
                    truePositive++;
                } else if (guessed) {
                    falsePositive++;
                } else if (actual) {
                    falseNegative++;
                }
            }
            int denominator = 2 * truePositive + falsePositive + falseNegative;
            sum += denominator == 0 ? 0 : 2.0 * truePositive / denominator;
        }
        return sum / classes.size();
    }
}
