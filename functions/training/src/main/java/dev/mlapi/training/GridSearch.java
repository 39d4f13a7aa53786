package dev.mlapi.training;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.tribuo.Model;
import org.tribuo.classification.Label;

/**
 * scikit-learn's {@code GridSearchCV} for classification over Tribuo: every combination of the
 * grid, stratified k-fold cross-validation shuffled with the seed, accuracy, macro F1 or balanced
 * accuracy as the score, and a refit of the best candidate (highest mean; the first on a tie) on
 * every training row. Fits
 * run in parallel on {@link SearchOptions#parallelism()} cores; each fit has its own seeded
 * trainer, so a search is reproducible whatever the scheduling.
 */
public final class GridSearch {

    /**
     * Told after every fit, with the number done and the total (candidates × folds + refit). May
     * throw {@link TrainingStopped} to stop the search: no new fit starts, nothing is registered.
     */
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

    /** Accuracy on every available core, never stopping early. */
    public static Result run(TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates, int folds,
            long seed, Progress progress) {
        return run(data, algorithm, candidates, folds, seed, Scoring.ACCURACY, SearchOptions.defaults(), progress);
    }

    /**
     * The search, ranked by {@code scoring}, run as {@code options} say.
     *
     * @throws TrainingStopped when {@code options} or {@code progress} stop it before its end
     */
    public static Result run(TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates, int folds,
            long seed, Scoring scoring, SearchOptions options, Progress progress) {
        return run(data, algorithm, candidates, folds, seed, scoring, ClassWeight.NONE, options, progress);
    }

    /**
     * The search with every fit's training rows weighted by {@code classWeight} (over that fit's
     * rows); the fold scores stay unweighted, as scikit-learn's {@code GridSearchCV} scores them.
     *
     * @throws TrainingStopped when {@code options} or {@code progress} stop it before its end
     */
    public static Result run(TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates, int folds,
            long seed, Scoring scoring, ClassWeight classWeight, SearchOptions options, Progress progress) {
        SearchPlan plan = SearchPlan.classification(data, algorithm, candidates, folds, seed, scoring, classWeight);
        int total = plan.fitCount() + 1;
        SearchPlan.Scores scores = plan.aggregate(CrossValidator.run(plan, options, progress));
        CrossValidator.checkBeforeRefit(options, total);
        Model<Label> refit = plan.refitClassifier(scores.best(), options);
        CrossValidator.refitDone(progress, total);
        return new Result(scores.candidates(), scores.best(), refit);
    }

    /** The highest mean score; the first candidate on a tie, as scikit-learn's {@code best_index_}. */
    static int best(List<CandidateScore> results) {
        int best = 0;
        for (int c = 1; c < results.size(); c++) {
            if (results.get(c).meanScore() > results.get(best).meanScore()) {
                best = c;
            }
        }
        return best;
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
