package dev.mlapi.training;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Trainer;
import org.tribuo.common.tree.RandomForestTrainer;
import org.tribuo.ensemble.BaggingTrainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.ensemble.AveragingCombiner;
import org.tribuo.regression.rtree.CARTRegressionTrainer;
import org.tribuo.regression.rtree.impurity.MeanAbsoluteError;
import org.tribuo.regression.rtree.impurity.MeanSquaredError;

/**
 * {@link GridSearch} for regression: the same grid, folds shuffled with the seed (not stratified),
 * R² as the score (per fold, then averaged, as scikit-learn does), and the refit of the best
 * candidate; decision trees and random forests (averaging their members; every feature per split unless
 * {@code max_features} says otherwise, as scikit-learn's regressor) through Tribuo.
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

    public static Result run(TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates, int folds,
            long seed, GridSearch.Progress progress) {
        double[] y = numericTargets(data);
        int[][] testFolds = shuffledFolds(data.size(), folds, seed);
        int fits = candidates.size() * folds;
        int total = fits + 1;
        int features = data.featureNames().size();
        double[][] scores = new double[candidates.size()][folds];
        double[][] seconds = new double[candidates.size()][folds];
        AtomicInteger done = new AtomicInteger();
        IntStream.range(0, fits).parallel().forEach(fit -> {
            int c = fit / folds;
            int f = fit % folds;
            long started = System.nanoTime();
            Model<Regressor> model = trainer(algorithm, candidates.get(c), seed, features)
                    .train(dataset(data, y, without(testFolds[f], data.size())));
            seconds[c][f] = (System.nanoTime() - started) / 1e9;
            scores[c][f] = r2(model, data, y, testFolds[f]);
            progress.fitsDone(done.incrementAndGet(), total);
        });
        List<GridSearch.CandidateScore> results = new ArrayList<>();
        int best = 0;
        for (int c = 0; c < candidates.size(); c++) {
            double mean = GridSearch.mean(scores[c]);
            results.add(new GridSearch.CandidateScore(candidates.get(c), mean, GridSearch.std(scores[c], mean),
                    GridSearch.mean(seconds[c])));
            if (mean > results.get(best).meanScore()) {
                best = c;
            }
        }
        Model<Regressor> refit = trainer(algorithm, candidates.get(best), seed, features)
                .train(dataset(data, y, IntStream.range(0, data.size()).toArray()));
        progress.fitsDone(total, total);
        return new Result(results, best, refit);
    }

    /** The Tribuo trainer of one regression candidate; random forests try all features per split unless told. */
    static Trainer<Regressor> trainer(Algorithm algorithm, Map<String, Object> params, long seed, int featureCount) {
        Object depth = params.get("max_depth");
        int maxDepth = depth == null ? Integer.MAX_VALUE : ((Number) depth).intValue();
        float minLeaf = ((Number) params.getOrDefault("min_samples_leaf", 1)).floatValue();
        var impurity = "absolute_error".equals(params.get("criterion")) ? new MeanAbsoluteError() : new MeanSquaredError();
        if (algorithm == Algorithm.DECISION_TREE) {
            return new CARTRegressionTrainer(maxDepth, minLeaf, 0.0f, 1.0f, false, impurity, seed);
        }
        float fraction = Algorithm.featureFraction(params.getOrDefault("max_features", 1.0), featureCount);
        var tree = new CARTRegressionTrainer(maxDepth, minLeaf, 0.0f, fraction, false, impurity, seed);
        int trees = ((Number) params.getOrDefault("n_estimators", 100)).intValue();
        if (fraction >= 1.0f) {
            // scikit-learn's default for regression forests: bagged trees over every feature, which
            // Tribuo's RandomForestTrainer refuses; its BaggingTrainer is exactly that.
            return new BaggingTrainer<>(tree, new AveragingCombiner(), trees, seed);
        }
        return new RandomForestTrainer<>(tree, new AveragingCombiner(), trees, seed);
    }

    static ArrayExample<Regressor> example(TabularDataset data, int row, double target) {
        return new ArrayExample<>(new Regressor(data.target(), target), data.featureNames().toArray(String[]::new),
                data.rows()[row].clone());
    }

    private static MutableDataset<Regressor> dataset(TabularDataset data, double[] y, int[] rows) {
        var dataset = new MutableDataset<Regressor>(new SimpleDataSourceProvenance("csv", FACTORY), FACTORY);
        for (int i : rows) {
            dataset.add(example(data, i, y[i]));
        }
        return dataset;
    }

    private static double r2(Model<Regressor> model, TabularDataset data, double[] y, int[] rows) {
        double mean = 0;
        for (int i : rows) {
            mean += y[i];
        }
        mean /= rows.length;
        double residual = 0;
        double totalSquares = 0;
        for (int i : rows) {
            double predicted = model.predict(example(data, i, Double.NaN)).getOutput().getValues()[0];
            residual += (y[i] - predicted) * (y[i] - predicted);
            totalSquares += (y[i] - mean) * (y[i] - mean);
        }
        return totalSquares == 0 ? 0 : 1 - residual / totalSquares;
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
        java.util.Collections.shuffle(order, new Random(seed));
        int[][] result = new int[folds][];
        int start = 0;
        for (int f = 0; f < folds; f++) {
            int size = rows / folds + (f < rows % folds ? 1 : 0);
            result[f] = order.subList(start, start + size).stream().mapToInt(Integer::intValue).sorted().toArray();
            start += size;
        }
        return result;
    }

    private static int[] without(int[] test, int rows) {
        boolean[] excluded = new boolean[rows];
        for (int i : test) {
            excluded[i] = true;
        }
        return IntStream.range(0, rows).filter(i -> !excluded[i]).toArray();
    }
}
