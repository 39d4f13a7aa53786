package dev.mlapi.training;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Trainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.ensemble.AveragingCombiner;
import org.tribuo.regression.sgd.linear.LinearSGDTrainer;
import org.tribuo.regression.sgd.objectives.SquaredLoss;
import java.util.Collections;

/**
 * {@link GridSearch} for regression: the same grid, folds shuffled with the seed (not stratified),
 * R² or negated mean squared error as the score (per fold, then averaged, as scikit-learn does),
 * and the refit of the best candidate; decision trees and random forests (averaging their members;
 * every feature per split unless {@code max_features} says otherwise, as scikit-learn's
 * regressor) and standardised linear least squares through Tribuo.
 */
public final class RegressionSearch {

    static final RegressionFactory FACTORY = new RegressionFactory();

    /** The search's outcome, as {@link GridSearch.Result} but with a regression model. */
    public record Result(List<GridSearch.CandidateScore> candidates, int best, Model<Regressor> model) {
        public GridSearch.CandidateScore bestCandidate() {
            return candidates.get(best);
        }
    }

    private RegressionSearch() {
    }

    /** The dataset's targets as numbers; a 400 naming the first row whose target is not one. */
    public static double[] numericTargets(TabularDataset data) {
        double[] targets = new double[data.size()];
        for (int i = 0; i < targets.length; i++) {
            try {
                targets[i] = Double.parseDouble(data.targets().get(i));
            } catch (NumberFormatException e) {
                targets[i] = Double.NaN;
            }
            if (!Double.isFinite(targets[i])) {
                throw InvalidInput.field("dataset.csv", "row " + (i + 2) + ", column '" + data.target() + "': '"
                        + data.targets().get(i) + "' is not a number, and regression needs numeric targets");
            }
        }
        return targets;
    }

    /** R² on every available core, never stopping early. */
    public static Result run(TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates, int folds,
            long seed, GridSearch.Progress progress) {
        return run(data, algorithm, candidates, folds, seed, Scoring.R2, SearchOptions.defaults(), progress);
    }

    /**
     * The search, ranked by {@code scoring}, run as {@code options} say.
     *
     * @throws TrainingStopped when {@code options} or {@code progress} stop it before its end
     */
    public static Result run(TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates, int folds,
            long seed, Scoring scoring, SearchOptions options, GridSearch.Progress progress) {
        SearchPlan plan = SearchPlan.regression(data, algorithm, candidates, folds, seed, scoring);
        int total = plan.fitCount() + 1;
        SearchPlan.Scores scores = plan.aggregate(CrossValidator.run(plan, options, progress));
        CrossValidator.checkBeforeRefit(options, total);
        Model<Regressor> refit = plan.refitRegressor(scores.best(), options);
        CrossValidator.refitDone(progress, total);
        return new Result(scores.candidates(), scores.best(), refit);
    }

    /** As {@link #trainer(Algorithm, Map, long, int)}, for a linear model trained on {@code rows} of targets {@code y}. */
    static Trainer<Regressor> trainer(Algorithm algorithm, Map<String, Object> params, long seed, int featureCount,
            double[] y, int[] rows) {
        return trainer(algorithm, params, seed, featureCount, y, rows, SearchOptions.defaults());
    }

    /** As {@link #trainer(Algorithm, Map, long, int, double[], int[])}; a forest asks {@code options} before each tree. */
    static Trainer<Regressor> trainer(Algorithm algorithm, Map<String, Object> params, long seed, int featureCount,
            double[] y, int[] rows, SearchOptions options) {
        if (algorithm != Algorithm.LINEAR_REGRESSION) {
            return trainer(algorithm, params, seed, featureCount, options);
        }
        double mean = 0;
        for (int i : rows) {
            mean += y[i];
        }
        mean /= rows.length;
        double squares = 0;
        for (int i : rows) {
            squares += (y[i] - mean) * (y[i] - mean);
        }
        // Features are standardised but the target is not: AdaGrad's steps are about the learning
        // rate in size, so a rate of the target's spread reaches its scale in a few epochs.
        double rate = Math.max(1.0, Math.sqrt(squares / rows.length));
        double alpha = ((Number) params.getOrDefault("alpha", 0.0)).doubleValue();
        var sgd = new LinearSGDTrainer(new SquaredLoss(), new L2AdaGrad(rate, 0.1, alpha / rows.length),
                Algorithm.epochs(params), Integer.MAX_VALUE, 1, seed);
        return Algorithm.standardised(sgd);
    }

    /** The Tribuo trainer of one regression candidate; random forests try all features per split unless told. */
    static Trainer<Regressor> trainer(Algorithm algorithm, Map<String, Object> params, long seed, int featureCount) {
        return trainer(algorithm, params, seed, featureCount, SearchOptions.defaults());
    }

    /** As {@link #trainer(Algorithm, Map, long, int)}; a forest asks {@code options} before each tree. */
    static Trainer<Regressor> trainer(Algorithm algorithm, Map<String, Object> params, long seed, int featureCount,
            SearchOptions options) {
        if (algorithm.isLinear()) {
            throw new IllegalArgumentException(algorithm.value() + " needs its training targets");
        }
        int trees = ((Number) params.getOrDefault("n_estimators", 100)).intValue();
        boolean forest = algorithm == Algorithm.RANDOM_FOREST;
        Cart.Params tree = CartTrainers.regression(params, featureCount, forest);
        var twin = CartTrainers.tribuoRegressor(params, seed, featureCount, forest);
        if (!forest) {
            return new CartTrainers.Tree<>(tree, twin, seed);
        }
        // every feature per split (scikit-learn's default for regression forests): bagged trees
        return new CartTrainers.Forest<>(tree, twin, new AveragingCombiner(), trees, seed, options,
                tree.maxFeatures() < featureCount);
    }

    static ArrayExample<Regressor> example(TabularDataset data, int row, double target) {
        return new ArrayExample<>(new Regressor(data.target(), target), data.featureNames().toArray(String[]::new),
                data.rows()[row].clone());
    }

    static MutableDataset<Regressor> dataset(TabularDataset data, double[] y, int[] rows) {
        var dataset = new MutableDataset<Regressor>(new SimpleDataSourceProvenance("csv", FACTORY), FACTORY);
        for (int i : rows) {
            dataset.add(example(data, i, y[i]));
        }
        return dataset;
    }

    /** K folds of shuffled rows (scikit-learn's {@code KFold(shuffle=True)}): sizes differ by at most one. */
    static int[][] shuffledFolds(int rows, int folds, long seed) {
        if (rows < folds) {
            throw InvalidInput.field("cv_folds", folds + " folds need at least " + folds + " rows; the dataset has " + rows);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        int[][] result = new int[folds][];
        int start = 0;
        for (int f = 0; f < folds; f++) {
            int size = rows / folds + (f < rows % folds ? 1 : 0);
            result[f] = order.subList(start, start + size).stream().mapToInt(Integer::intValue).sorted().toArray();
            start += size;
        }
        return result;
    }
}
