package dev.mlapi.training;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.tribuo.Model;
import org.tribuo.classification.Label;

/**
 * scikit-learn's {@code GridSearchCV} for classification over Tribuo: every combination of the
 * grid, stratified k-fold cross-validation shuffled with the seed, accuracy as the score, and a
 * refit of the best candidate (highest mean; the first on a tie) on every row. Fits run in
 * parallel on the machine's cores; each fit has its own seeded trainer, so a search is
 * reproducible whatever the scheduling.
 */
public final class GridSearch {

    /** Told after every fit, with the number done and the total (candidates × folds + refit). */
    public interface Progress {
        void fitsDone(int done, int total);
    }

    /** One candidate's cross-validation: its parameters, mean and standard deviation of the fold scores. */
    public record CandidateScore(Map<String, Object> params, double meanScore, double stdScore, double meanFitSeconds) {
    }

    /** The search's outcome: every candidate, the best one's index, and the best refit on all rows. */
    public record Result(List<CandidateScore> candidates, int best, Model<Label> model) {
        public CandidateScore bestCandidate() {
            return candidates.get(best);
        }
    }

    private GridSearch() {
    }

    public static Result run(TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates, int folds,
            long seed, Progress progress) {
        int[][] testFolds = stratifiedFolds(data.targets(), folds, seed);
        int fits = candidates.size() * folds;
        int total = fits + 1;
        int features = data.featureNames().size();
        double[][] scores = new double[candidates.size()][folds];
        double[][] seconds = new double[candidates.size()][folds];
        var done = new java.util.concurrent.atomic.AtomicInteger();
        IntStream.range(0, fits).parallel().forEach(fit -> {
            int c = fit / folds;
            int f = fit % folds;
            long started = System.nanoTime();
            Model<Label> model = algorithm.trainer(candidates.get(c), seed, features)
                    .train(TribuoData.dataset(data, trainingIndices(testFolds, f, data.size())));
            seconds[c][f] = (System.nanoTime() - started) / 1e9;
            scores[c][f] = accuracy(model, data, testFolds[f]);
            progress.fitsDone(done.incrementAndGet(), total);
        });
        List<CandidateScore> results = new ArrayList<>();
        int best = 0;
        for (int c = 0; c < candidates.size(); c++) {
            double mean = mean(scores[c]);
            results.add(new CandidateScore(candidates.get(c), mean, std(scores[c], mean), mean(seconds[c])));
            if (mean > results.get(best).meanScore()) {
                best = c;
            }
        }
        Model<Label> refit = algorithm.trainer(candidates.get(best), seed, features).train(TribuoData.dataset(data, null));
        progress.fitsDone(total, total);
        return new Result(results, best, refit);
    }

    /**
     * Test-fold row indices: each class's rows shuffled with the seed and dealt to the folds in
     * turn, so every fold holds each class in about its overall proportion.
     */
    static int[][] stratifiedFolds(List<String> targets, int folds, long seed) {
        if (folds < 2) {
            throw InvalidInput.field("cv_folds", "must be at least 2");
        }
        if (targets.size() < folds) {
            throw InvalidInput.field("cv_folds", folds + " folds need at least " + folds + " rows; the dataset has "
                    + targets.size());
        }
        Map<String, List<Integer>> byClass = new TreeMap<>();
        for (int i = 0; i < targets.size(); i++) {
            byClass.computeIfAbsent(targets.get(i), k -> new ArrayList<>()).add(i);
        }
        Random random = new Random(seed);
        List<List<Integer>> assigned = new ArrayList<>();
        for (int f = 0; f < folds; f++) {
            assigned.add(new ArrayList<>());
        }
        int next = 0;
        for (List<Integer> rows : byClass.values()) {
            Collections.shuffle(rows, random);
            for (int row : rows) {
                assigned.get(next).add(row);
                next = (next + 1) % folds;
            }
        }
        return assigned.stream().map(l -> l.stream().mapToInt(Integer::intValue).sorted().toArray()).toArray(int[][]::new);
    }

    private static int[] trainingIndices(int[][] testFolds, int fold, int rows) {
        boolean[] test = new boolean[rows];
        for (int i : testFolds[fold]) {
            test[i] = true;
        }
        return IntStream.range(0, rows).filter(i -> !test[i]).toArray();
    }

    private static double accuracy(Model<Label> model, TabularDataset data, int[] rows) {
        int correct = 0;
        for (int i : rows) {
            String predicted = model.predict(TribuoData.example(data.featureNames(), data.rows()[i], null))
                    .getOutput().getLabel();
            if (predicted.equals(data.targets().get(i))) {
                correct++;
            }
        }
        return (double) correct / rows.length;
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    static double std(double[] values, double mean) {
        double sum = 0;
        for (double v : values) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / values.length);
    }
}
