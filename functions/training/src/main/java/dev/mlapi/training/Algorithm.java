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
import org.tribuo.classification.dtree.CARTClassificationTrainer;
import org.tribuo.classification.dtree.impurity.Entropy;
import org.tribuo.classification.dtree.impurity.GiniIndex;
import org.tribuo.classification.dtree.impurity.LabelImpurity;
import org.tribuo.classification.ensemble.FullyWeightedVotingCombiner;
import org.tribuo.common.tree.RandomForestTrainer;

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
    /**
     * Tribuo's SGD trainers log two INFO lines per fit, one with the target's statistics: a job's
     * log would hold thousands of them, and a summary of the user's data. Held here so the
     * logger (weakly referenced by java.util.logging) keeps its level.
     */
    private static final Logger SGD_LOG = quiet(org.tribuo.common.sgd.AbstractSGDTrainer.class.getName());
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
                    + " algorithms: " + java.util.Arrays.stream(values())
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
                + java.util.Arrays.stream(values()).map(Algorithm::value).toList() + ", got '" + text + "'");
    }

    /** Every combination of the grid, in the grid's order (the last parameter varies fastest); checked values. */
    public List<Map<String, Object>> candidates(Map<String, List<Object>> grid, int featureCount) {
        return candidates(grid, featureCount, false);
    }

    /** As {@link #candidates(Map, int)}, with the criteria of regression trees when {@code regression}. */
    public List<Map<String, Object>> candidates(Map<String, List<Object>> grid, int featureCount, boolean regression) {
        requireTask(regression);
        List<Map<String, Object>> candidates = new ArrayList<>();
        candidates.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<Object>> entry : grid.entrySet()) {
            String name = entry.getKey();
            if (!parameters.contains(name)) {
                throw InvalidInput.field("params." + name, "is not a parameter of " + value() + "; supported: "
                        + parameters.stream().sorted().toList());
            }
            if (entry.getValue() == null || entry.getValue().isEmpty()) {
                throw InvalidInput.field("params." + name, "needs at least one value");
            }
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : candidates) {
                for (Object v : entry.getValue()) {
                    check(name, v, featureCount, regression);
                    Map<String, Object> candidate = new LinkedHashMap<>(partial);
                    candidate.put(name, v);
                    next.add(candidate);
                }
            }
            candidates = next;
        }
        return candidates;
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
        if (this == LOGISTIC_REGRESSION) {
            double c = ((Number) params.getOrDefault("C", 1.0)).doubleValue();
            var sgd = new LinearSGDTrainer(new LogMulticlass(), new L2AdaGrad(1.0, 0.1, 1.0 / (c * Math.max(1, rows))),
                    epochs(params), Integer.MAX_VALUE, 1, seed);
            return standardised(sgd);
        }
        if (this == LINEAR_REGRESSION) {
            throw new IllegalArgumentException("linear_regression is a regression algorithm");
        }
        Object depth = params.getOrDefault("max_depth", null);
        int maxDepth = depth == null ? Integer.MAX_VALUE : ((Number) depth).intValue();
        float minLeaf = ((Number) params.getOrDefault("min_samples_leaf", 1)).floatValue();
        LabelImpurity impurity = "entropy".equals(params.get("criterion")) ? new Entropy() : new GiniIndex();
        if (this == DECISION_TREE) {
            return new CARTClassificationTrainer(maxDepth, minLeaf, 0.0f, 1.0f, false, impurity, seed);
        }
        float fraction = featureFraction(params.getOrDefault("max_features", "sqrt"), featureCount);
        var tree = new CARTClassificationTrainer(maxDepth, minLeaf, 0.0f, fraction, false, impurity, seed);
        int trees = ((Number) params.getOrDefault("n_estimators", 100)).intValue();
        return new RandomForestTrainer<>(tree, new FullyWeightedVotingCombiner(), trees, seed);
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

    private static void check(String name, Object v, int featureCount, boolean regression) {
        String field = "params." + name;
        switch (name) {
            case "max_depth" -> {
                if (v != null && !(v instanceof Integer i && i >= 1)) {
                    throw InvalidInput.field(field, "values are positive integers or null (unlimited), got " + v);
                }
            }
            case "min_samples_leaf" -> {
                if (!(v instanceof Integer i && i >= 1)) {
                    throw InvalidInput.field(field, "values are positive integers, got " + v);
                }
            }
            case "n_estimators" -> {
                if (!(v instanceof Integer i && i >= 1 && i <= MAX_ESTIMATORS)) {
                    throw InvalidInput.field(field, "values are integers from 1 to " + MAX_ESTIMATORS + ", got " + v);
                }
            }
            case "criterion" -> {
                List<String> criteria = regression ? List.of("squared_error", "absolute_error") : List.of("gini", "entropy");
                if (!criteria.contains(v)) {
                    throw InvalidInput.field(field, "values are " + criteria + ", got " + v);
                }
            }
            case "max_features" -> {
                boolean ok = "sqrt".equals(v) || "log2".equals(v)
                        || (v instanceof Integer i && i >= 1 && i < featureCount)
                        || (v instanceof Double d && d > 0 && (d < 1 || (regression && d == 1)));
                if (!ok) {
                    throw InvalidInput.field(field, "values are 'sqrt', 'log2', an integer below the feature count ("
                            + featureCount + ") or a fraction in (0, 1); a random forest tries fewer than all"
                            + " features per split, got " + v);
                }
            }
            case "C" -> {
                if (!(v instanceof Number n && n.doubleValue() > 0 && Double.isFinite(n.doubleValue()))) {
                    throw InvalidInput.field(field, "values are positive numbers (the inverse of the L2 penalty), got " + v);
                }
            }
            case "alpha" -> {
                if (!(v instanceof Number n && n.doubleValue() >= 0 && Double.isFinite(n.doubleValue()))) {
                    throw InvalidInput.field(field, "values are numbers ≥ 0 (the L2 penalty; 0 is ordinary least squares),"
                            + " got " + v);
                }
            }
            case "max_iter" -> {
                if (!(v instanceof Integer i && i >= 1 && i <= MAX_EPOCHS)) {
                    throw InvalidInput.field(field, "values are integers from 1 to " + MAX_EPOCHS
                            + " (epochs over the training rows), got " + v);
                }
            }
            default -> throw new IllegalStateException(name);
        }
    }
}
