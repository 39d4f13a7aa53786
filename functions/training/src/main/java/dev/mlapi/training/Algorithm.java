package dev.mlapi.training;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tribuo.Output;
import org.tribuo.Trainer;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.transform.TransformTrainer;
import org.tribuo.transform.TransformationMap;
import org.tribuo.classification.Label;
import org.tribuo.classification.ensemble.FullyWeightedVotingCombiner;
import java.util.Arrays;
import org.tribuo.common.sgd.AbstractSGDTrainer;

/**
 * The algorithms a grid may search, the tasks each serves, their parameters under scikit-learn's
 * names and defaults, and the Tribuo trainer each classification candidate becomes (regression:
 * {@link RegressionSearch}).
 *
 * <p>The linear models standardise every feature inside the model ({@link Standardisation}: Tribuo's
 * {@code MeanStdDevTransformation} with constant columns to 0, folded into the exported weights), as a scikit-learn pipeline
 * of {@code StandardScaler} and the estimator would: {@code logistic_regression} is multinomial
 * (softmax) with an L2 penalty of strength {@code 1 / C}, {@code linear_regression} least squares
 * with an optional ridge penalty {@code alpha}; both fit by AdaGrad for {@code max_iter} epochs.
 */
public enum Algorithm {

    DECISION_TREE(Set.of("max_depth", "min_samples_leaf", "criterion"), true, true),
    RANDOM_FOREST(Set.of("n_estimators", "max_depth", "min_samples_leaf", "criterion", "max_features"), true, true),
    LOGISTIC_REGRESSION(Set.of("C", "max_iter"), true, false),
    LINEAR_REGRESSION(Set.of("alpha", "max_iter"), false, true);

    public static final int MAX_ESTIMATORS = 500;
    /** Values one parameter of a grid may list; the product of the lists is bounded by the job's fits. */
    public static final int MAX_VALUES_PER_PARAMETER = 100;
    /** Combinations a grid may have whatever the folds (a job's fits bound it further). */
    public static final int MAX_CANDIDATES = 1_000;
    public static final int MIN_DEPTH = 1;
    public static final int MAX_DEPTH = 64;
    public static final int MAX_MIN_SAMPLES_LEAF = 100_000;
    public static final double MIN_C = 1e-6;
    public static final double MAX_C = 1e6;
    public static final double MAX_ALPHA = 1e6;
    /**
     * Tribuo's SGD trainers log two INFO lines per fit, one with the target's statistics: a job's
     * log would hold thousands of them, and a summary of the user's data. Held here so the
     * logger (weakly referenced by java.util.logging) keeps its level.
     */
    private static final Logger SGD_LOG = quiet(AbstractSGDTrainer.class.getName());
    public static final int MAX_EPOCHS = 1_000;
    /** Epochs of a linear model when the grid does not set {@code max_iter}. */
    public static final int DEFAULT_EPOCHS = 100;

    private final Set<String> parameters;
    private final boolean classification;
    private final boolean regression;

    Algorithm(Set<String> parameters, boolean classification, boolean regression) {
        this.parameters = parameters;
        this.classification = classification;
        this.regression = regression;
    }

    /** The grid parameters this algorithm takes, sorted. */
    public List<String> parameters() {
        return parameters.stream().sorted().toList();
    }

    /** Whether a standardised linear model (exported by {@link LinearOnnxExporter}) rather than trees. */
    public boolean isLinear() {
        return this == LOGISTIC_REGRESSION || this == LINEAR_REGRESSION;
    }

    /** A 400 unless this algorithm serves the task. */
    public Algorithm requireTask(boolean regressionTask) {
        if (regressionTask ? !regression : !classification) {
            String task = regressionTask ? "regression" : "classification";
            throw InvalidInput.field("algorithm", "'" + value() + "' is not a " + task + " algorithm; " + task
                    + " algorithms: " + Arrays.stream(values())
                            .filter(a -> regressionTask ? a.regression : a.classification).map(Algorithm::value).toList());
        }
        return this;
    }

    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Algorithm parse(String text) {
        for (Algorithm a : values()) {
            if (a.value().equals(text)) {
                return a;
            }
        }
        throw InvalidInput.field("algorithm", "must be one of "
                + Arrays.stream(values()).map(Algorithm::value).toList() + ", got '" + text + "'");
    }

    /** Every combination of the grid, in the grid's order (the last parameter varies fastest); checked values. */
    public List<Map<String, Object>> candidates(Map<String, List<Object>> grid, int featureCount) {
        return candidates(grid, featureCount, false);
    }

    /**
     * As {@link #candidates(Map, int)}, with the criteria of regression trees when {@code regression}.
     * Every value is checked once and the grid's size is counted before anything is expanded: a
     * grid of more than {@link #MAX_CANDIDATES} combinations is a 400, not an allocation.
     */
    public List<Map<String, Object>> candidates(Map<String, List<Object>> grid, int featureCount, boolean regression) {
        requireTask(regression);
        if (this == RANDOM_FOREST && featureCount < 2) {
            // Tribuo's forests try a fraction (< 1) of the features at each split: one feature gives none
            throw InvalidInput.field("algorithm", "random_forest needs at least 2 features (it tries a fraction of"
                    + " them at each split); this table has " + featureCount + ": use decision_tree");
        }
        long size = gridSize(grid);
        if (size > MAX_CANDIDATES) {
            throw InvalidInput.field("params", describeProduct(grid) + " = " + size + " candidates; a grid has at most "
                    + MAX_CANDIDATES);
        }
        checkValues(grid, featureCount, regression);
        List<Map<String, Object>> candidates = new ArrayList<>();
        candidates.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<Object>> entry : grid.entrySet()) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : candidates) {
                for (Object v : entry.getValue()) {
                    Map<String, Object> candidate = new LinkedHashMap<>(partial);
                    candidate.put(entry.getKey(), v);
                    next.add(candidate);
                }
            }
            candidates = next;
        }
        return candidates;
    }

    /**
     * The number of combinations of {@code grid}, counted without building any: every name must be
     * a parameter of this algorithm with 1 to {@link #MAX_VALUES_PER_PARAMETER} values (a 400
     * naming it otherwise). Saturates at {@link Long#MAX_VALUE}.
     */
    public long gridSize(Map<String, List<Object>> grid) {
        long size = 1;
        for (Map.Entry<String, List<Object>> entry : grid.entrySet()) {
            String name = entry.getKey();
            if (!parameters.contains(name)) {
                throw InvalidInput.field("params." + name, "is not a parameter of " + value() + "; supported: "
                        + parameters.stream().sorted().toList());
            }
            List<Object> values = entry.getValue();
            if (values == null || values.isEmpty()) {
                throw InvalidInput.field("params." + name, "needs at least one value");
            }
            if (values.size() > MAX_VALUES_PER_PARAMETER) {
                throw InvalidInput.field("params." + name, "has " + values.size() + " values; a parameter takes at most "
                        + MAX_VALUES_PER_PARAMETER);
            }
            try {
                size = Math.multiplyExact(size, values.size());
            } catch (ArithmeticException e) {
                size = Long.MAX_VALUE;
            }
        }
        return size;
    }

    /** {@code max_depth (3 values) × n_estimators (2 values)}, for messages about a grid's size. */
    static String describeProduct(Map<String, List<Object>> grid) {
        if (grid.isEmpty()) {
            return "1 (no parameters)";
        }
        return String.join(" × ", grid.keySet()) + " = " + String.join(" × ",
                grid.values().stream().map(v -> Integer.toString(v.size())).toList());
    }

    /** Checks every value of the grid once against its parameter's type and allowed range. */
    public void checkValues(Map<String, List<Object>> grid, int featureCount, boolean regression) {
        grid.forEach((name, values) -> values.forEach(v -> check(name, v, featureCount, regression)));
    }

    /** The Tribuo trainer of one tree or forest candidate, seeded. */
    public Trainer<Label> trainer(Map<String, Object> params, long seed, int featureCount) {
        if (isLinear()) {
            throw new IllegalArgumentException(value() + " needs the number of training rows: use trainer(params, seed,"
                    + " featureCount, rows)");
        }
        return trainer(params, seed, featureCount, 0);
    }

    /**
     * The Tribuo trainer of one classification candidate, seeded; {@code rows} is the size of the
     * set it will train on (a linear model's penalty per example is {@code 1 / (C · rows)}).
     */
    public Trainer<Label> trainer(Map<String, Object> params, long seed, int featureCount, int rows) {
        return trainer(params, seed, featureCount, rows, SearchOptions.defaults());
    }

    /**
     * As {@link #trainer(Map, long, int, int)}; a random forest asks {@code options} before each tree
     * and stops with {@link TrainingStopped} once the search must stop (the same trees otherwise).
     */
    public Trainer<Label> trainer(Map<String, Object> params, long seed, int featureCount, int rows,
            SearchOptions options) {
        if (this == LOGISTIC_REGRESSION) {
            double c = ((Number) params.getOrDefault("C", 1.0)).doubleValue();
            var sgd = new LinearSGDTrainer(new LogMulticlass(), new L2AdaGrad(1.0, 0.1, 1.0 / (c * Math.max(1, rows))),
                    epochs(params), Integer.MAX_VALUE, 1, seed);
            return standardised(sgd);
        }
        if (this == LINEAR_REGRESSION) {
            throw new IllegalArgumentException("linear_regression is a regression algorithm");
        }
        if (this == DECISION_TREE) {
            return new CartTrainers.Tree<>(CartTrainers.classification(params, featureCount, false),
                    CartTrainers.tribuoClassifier(params, seed, featureCount, false), seed);
        }
        int trees = ((Number) params.getOrDefault("n_estimators", 100)).intValue();
        return new CartTrainers.Forest<>(CartTrainers.classification(params, featureCount, true),
                CartTrainers.tribuoClassifier(params, seed, featureCount, true), new FullyWeightedVotingCombiner(),
                trees, seed, options, true);
    }

    /** {@code inner} trained on features standardised to mean 0 and standard deviation 1 (constant ones to 0); the model keeps the transformation. */
    static <T extends Output<T>> Trainer<T> standardised(Trainer<T> inner) {
        return new TransformTrainer<>(inner, new TransformationMap(List.of(new Standardisation())), true);
    }

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.WARNING);
        return logger;
    }

    static int epochs(Map<String, Object> params) {
        return ((Number) params.getOrDefault("max_iter", DEFAULT_EPOCHS)).intValue();
    }

    /** scikit-learn's {@code max_features} as Tribuo's fraction of features tried per split. */
    static float featureFraction(Object maxFeatures, int featureCount) {
        int count;
        if ("sqrt".equals(maxFeatures)) {
            count = (int) Math.max(1, Math.floor(Math.sqrt(featureCount)));
        } else if ("log2".equals(maxFeatures)) {
            count = (int) Math.max(1, Math.floor(Math.log(featureCount) / Math.log(2)));
        } else if (maxFeatures instanceof Integer i) {
            count = i;
        } else {
            return ((Number) maxFeatures).floatValue();
        }
        // just above count/F, so that Tribuo's rounding down still tries count features
        return Math.min(1.0f, (count + 0.5f) / featureCount);
    }

    /**
     * The allowed values of one parameter, as the 400s and {@code docs/TRAINING.md} state them.
     * Integer parameters take JSON integers only (not {@code 1.5}, {@code 1e30}, {@code "3"} or
     * {@code true}); the ranges keep every fit bounded and every value exact in Tribuo's types.
     */
    public static String allowed(String name, int featureCount, boolean regression) {
        return switch (name) {
            case "max_depth" -> "integers " + MIN_DEPTH + ".." + MAX_DEPTH + " or null (unlimited)";
            case "min_samples_leaf" -> "integers 1.." + MAX_MIN_SAMPLES_LEAF;
            case "n_estimators" -> "integers 1.." + MAX_ESTIMATORS;
            case "max_iter" -> "integers 1.." + MAX_EPOCHS + " (epochs over the training rows)";
            case "criterion" -> (regression ? List.of("squared_error", "absolute_error") : List.of("gini", "entropy"))
                    .toString();
            case "max_features" -> "'sqrt', 'log2', an integer 1.." + (featureCount - 1)
                    + " (below the feature count, " + featureCount + ") or a fraction in (0, 1"
                    + (regression ? "]" : ")") + "; a random forest tries fewer than all features per split";
            case "C" -> "positive numbers 1e-6..1e6 (the inverse of the L2 penalty)";
            case "alpha" -> "numbers 0..1e6 (the L2 penalty; 0 is ordinary least squares)";
            default -> throw new IllegalStateException(name);
        };
    }

    private static void check(String name, Object v, int featureCount, boolean regression) {
        boolean ok = switch (name) {
            case "max_depth" -> v == null || isIntIn(v, MIN_DEPTH, MAX_DEPTH);
            case "min_samples_leaf" -> isIntIn(v, 1, MAX_MIN_SAMPLES_LEAF);
            case "n_estimators" -> isIntIn(v, 1, MAX_ESTIMATORS);
            case "max_iter" -> isIntIn(v, 1, MAX_EPOCHS);
            case "criterion" -> (regression ? List.of("squared_error", "absolute_error") : List.of("gini", "entropy"))
                    .contains(v);
            case "max_features" -> "sqrt".equals(v) || "log2".equals(v) || isIntIn(v, 1, featureCount - 1)
                    || (v instanceof Double d && d > 0 && (d < 1 || (regression && d == 1)));
            case "C" -> isNumberIn(v, MIN_C, MAX_C);
            case "alpha" -> isNumberIn(v, 0, MAX_ALPHA);
            default -> throw new IllegalStateException(name);
        };
        if (!ok) {
            throw InvalidInput.field("params." + name, describe(v) + " is not allowed; " + name + " takes "
                    + allowed(name, featureCount, regression));
        }
    }

    /** An exact {@code int} in range: never a wider number cut down, nor a float, string or boolean. */
    private static boolean isIntIn(Object v, int min, int max) {
        return v instanceof Integer i && i >= min && i <= max;
    }

    private static boolean isNumberIn(Object v, double min, double max) {
        if (!(v instanceof Integer || v instanceof Double)) {
            return false;
        }
        double d = ((Number) v).doubleValue();
        return Double.isFinite(d) && d >= min && d <= max;
    }

    /** The value as a message shows it, with what it is when that is the problem. */
    static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return "'" + s + "' (a string)";
        }
        if (v instanceof Boolean b) {
            return b + " (a boolean)";
        }
        if (v instanceof Double d) {
            return d + (Double.isFinite(d) && d == Math.rint(d) ? " (not an integer)" : "");
        }
        return String.valueOf(v);
    }
}
