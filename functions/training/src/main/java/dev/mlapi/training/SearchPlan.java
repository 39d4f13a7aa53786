package dev.mlapi.training;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.tribuo.Model;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.regression.Regressor;
import org.tribuo.ensemble.WeightedEnsembleModel;

/**
 * A grid search as independent fits, so that they can run anywhere and in any order: the
 * candidates in the grid's order and the test folds, both fixed by the data and the seed exactly as
 * {@link GridSearch} (stratified) and {@link RegressionSearch} (shuffled) assign them; {@link #fit}
 * of one candidate on one fold gives a small {@link FitResult}; {@link #aggregate} turns every
 * result into the candidates' scores and the best one ({@link GridSearch#best}); {@link #refit}
 * trains the best on every row. The in-process search is a loop over the same pieces
 * ({@link CrossValidator}), so both ways give the same scores and the same model for a seed.
 */
public final class SearchPlan {

    /**
     * One fit's outcome: candidate {@code candidate} trained on every row outside fold
     * {@code fold}, scored on that fold's rows, in {@code seconds} (training and scoring).
     */
    public record FitResult(int candidate, int fold, double score, double seconds) {
    }

    /** The candidates' cross-validation scores in grid order, and the index of the best. */
    public record Scores(List<GridSearch.CandidateScore> candidates, int best) {
        public GridSearch.CandidateScore bestCandidate() {
            return candidates.get(best);
        }
    }

    private final TabularDataset data;
    private final Algorithm algorithm;
    private final List<Map<String, Object>> candidates;
    private final int folds;
    private final long seed;
    private final Scoring scoring;
    private final ClassWeight classWeight;
    /** Numeric targets of a regression; null for classification. */
    private final double[] y;
    private final int[][] testFolds;
    /** Our trees' view of the rows, shared by every fit of this plan (built on first use). */
    private volatile CartFits<?> cartFits;

    private SearchPlan(TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates, int folds,
            long seed, Scoring scoring, ClassWeight classWeight) {
        this.data = data;
        this.algorithm = algorithm;
        this.candidates = List.copyOf(candidates);
        this.folds = folds;
        this.seed = seed;
        this.scoring = scoring;
        this.classWeight = classWeight;
        if (scoring.isRegression()) {
            this.y = RegressionSearch.numericTargets(data);
            this.testFolds = RegressionSearch.shuffledFolds(data.size(), folds, seed);
        } else {
            this.y = null;
            this.testFolds = GridSearch.stratifiedFolds(data.targets(), folds, seed);
        }
    }

    /** The plan of a training request: its grid, folds and seed over the rows its search trains on ({@link TrainSpec#split()}). */
    public static SearchPlan of(TrainSpec spec) {
        return of(spec, spec.split().training());
    }

    /** As {@link #of(TrainSpec)}, with the training part of its split already made. */
    public static SearchPlan of(TrainSpec spec, TabularDataset training) {
        return new SearchPlan(training, spec.algorithm(), spec.candidates(), spec.cvFolds(), spec.seed(),
                spec.scoring(), spec.classWeight());
    }

    /** A classification plan ({@code scoring} must score classification). */
    static SearchPlan classification(TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates,
            int folds, long seed, Scoring scoring, ClassWeight classWeight) {
        if (scoring.isRegression()) {
            throw new IllegalArgumentException(scoring.value() + " scores regression");
        }
        return new SearchPlan(data, algorithm, candidates, folds, seed, scoring, classWeight);
    }

    /** A regression plan ({@code scoring} must score regression). */
    static SearchPlan regression(TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates,
            int folds, long seed, Scoring scoring) {
        if (!scoring.isRegression()) {
            throw new IllegalArgumentException(scoring.value() + " scores classification");
        }
        return new SearchPlan(data, algorithm, candidates, folds, seed, scoring, ClassWeight.NONE);
    }

    public int candidateCount() {
        return candidates.size();
    }

    public int folds() {
        return folds;
    }

    /** Cross-validation fits: candidates × folds (the refit not counted). */
    public int fitCount() {
        return candidates.size() * folds;
    }

    /** Candidate {@code candidate}'s parameters, as the grid gives them. */
    public Map<String, Object> params(int candidate) {
        return candidates.get(candidate);
    }

    /** The rows the search trains on (the training part of a split). */
    public TabularDataset data() {
        return data;
    }

    /**
     * Fits candidate {@code candidate} on the rows outside fold {@code fold} and scores it on the
     * fold's rows, as {@code options} say (its stop check).
     */
    public FitResult fit(int candidate, int fold, SearchOptions options) {
        if (candidate < 0 || candidate >= candidates.size() || fold < 0 || fold >= folds) {
            throw new IllegalArgumentException("no fit (" + candidate + ", " + fold + ") in a plan of "
                    + candidates.size() + " candidates × " + folds + " folds");
        }
        long started = System.nanoTime();
        int[] training = without(testFolds[fold], data.size());
        Model<?> model = train(candidate, training, options, true);
        double score = score(model, testFolds[fold]);
        return new FitResult(candidate, fold, score, (System.nanoTime() - started) / 1e9);
    }

    /**
     * Every candidate's mean and standard deviation of its fold scores and mean fit time, and the
     * best (highest mean; the first on a tie), from exactly one result per fit, in any order.
     */
    public Scores aggregate(Collection<FitResult> results) {
        double[][] scores = new double[candidates.size()][folds];
        double[][] seconds = new double[candidates.size()][folds];
        boolean[][] seen = new boolean[candidates.size()][folds];
        for (FitResult r : results) {
            if (r.candidate() < 0 || r.candidate() >= candidates.size() || r.fold() < 0 || r.fold() >= folds) {
                throw new IllegalArgumentException("fit (" + r.candidate() + ", " + r.fold() + ") is not in a plan of "
                        + candidates.size() + " candidates × " + folds + " folds");
            }
            if (seen[r.candidate()][r.fold()]) {
                throw new IllegalArgumentException("fit (" + r.candidate() + ", " + r.fold() + ") given twice");
            }
            seen[r.candidate()][r.fold()] = true;
            scores[r.candidate()][r.fold()] = r.score();
            seconds[r.candidate()][r.fold()] = r.seconds();
        }
        if (results.size() != fitCount()) {
            throw new IllegalArgumentException(results.size() + " fit results for a plan of " + fitCount() + " fits");
        }
        List<GridSearch.CandidateScore> summary = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) {
            double mean = GridSearch.mean(scores[c]);
            summary.add(new GridSearch.CandidateScore(candidates.get(c), mean, GridSearch.std(scores[c], mean),
                    GridSearch.mean(seconds[c])));
        }
        return new Scores(summary, GridSearch.best(summary));
    }

    /** Candidate {@code candidate} trained on every row of the plan: a Tribuo model of labels or of regressors. */
    public Model<?> refit(int candidate, SearchOptions options) {
        return train(candidate, IntStream.range(0, data.size()).toArray(), options, false);
    }

    @SuppressWarnings("unchecked")
    Model<Label> refitClassifier(int candidate, SearchOptions options) {
        return (Model<Label>) refit(candidate, options);
    }

    @SuppressWarnings("unchecked")
    Model<Regressor> refitRegressor(int candidate, SearchOptions options) {
        return (Model<Regressor>) refit(candidate, options);
    }

    /**
     * Each fit has its own trainer seeded with the search's seed: the same model wherever and
     * whenever it runs. Our trees grow on the plan's shared {@link CartFits} (no Tribuo dataset per
     * fit): a cross-validation fit ({@code direct}) on its rows, the refit on every row with what a
     * Tribuo dataset of them would carry (feature statistics, provenance: {@link CartFits#source()}),
     * so the kept model is the one {@code trainer.train(TribuoData.dataset(rows))} gives. Other
     * algorithms train on Tribuo's dataset.
     */
    private Model<?> train(int candidate, int[] rows, SearchOptions options, boolean direct) {
        int features = data.featureNames().size();
        Map<String, Object> params = candidates.get(candidate);
        Trainer<?> trainer = y != null ? RegressionSearch.trainer(algorithm, params, seed, features, y, rows, options)
                : algorithm.trainer(params, seed, features, rows.length, options);
        if (trainer instanceof CartTrainers.Tree<?> || trainer instanceof CartTrainers.Forest<?>) {
            return direct ? fitOnPlan(trainer, rows) : refitOnPlan(trainer);
        }
        if (y != null) {
            return ((Trainer<Regressor>) trainer).train(RegressionSearch.dataset(data, y, rows));
        }
        return ((Trainer<Label>) trainer).train(TribuoData.dataset(data, rows, classWeight));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Model<?> fitOnPlan(Trainer<?> trainer, int[] rows) {
        CartFits fits = cartFits(trainer);
        double[] weights = classWeights(rows);
        if (trainer instanceof CartTrainers.Tree tree) {
            return tree.fit(fits, rows, weights);
        }
        return ((CartTrainers.Forest) trainer).fit(fits, rows, weights);
    }

    /** The refit of our trees on every row of the plan, as {@link #fitOnPlan} grows it on its rows. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private Model<?> refitOnPlan(Trainer<?> trainer) {
        CartFits fits = cartFits(trainer);
        double[] weights = classWeights(IntStream.range(0, data.size()).toArray());
        if (trainer instanceof CartTrainers.Tree tree) {
            return tree.refit(fits, weights);
        }
        return ((CartTrainers.Forest) trainer).refit(fits, weights);
    }

    /**
     * Each of {@code rows}' class weight over exactly these rows (indexed by row, as an example's
     * weight: a float), or null when the plan has none.
     */
    private double[] classWeights(int[] rows) {
        if (y != null || classWeight == ClassWeight.NONE) {
            return null;
        }
        List<String> targets = new ArrayList<>();
        for (int i : rows) {
            targets.add(data.targets().get(i));
        }
        Map<String, Double> byClass = classWeight.weights(targets);
        double[] weights = new double[data.size()];
        for (int i : rows) {
            weights[i] = byClass.get(data.targets().get(i)).floatValue();
        }
        return weights;
    }

    /** The plan's rows as our trees read them, built by the first fit that needs them. */
    private CartFits<?> cartFits(Trainer<?> trainer) {
        CartFits<?> fits = cartFits;
        if (fits == null) {
            synchronized (this) {
                fits = cartFits;
                if (fits == null) {
                    fits = y != null ? CartFits.regression(data, y, trainer::getProvenance)
                            : CartFits.classification(data, trainer::getProvenance);
                    cartFits = fits;
                }
            }
        }
        return fits;
    }

    /** The fold's score; a model of {@link CartFits} predicts straight from the table's rows. */
    @SuppressWarnings("unchecked")
    private double score(Model<?> model, int[] rows) {
        CartFits<?> fits = isCart(model) ? cartFits : null;
        if (y != null) {
            Model<Regressor> regressor = (Model<Regressor>) model;
            double[] truth = new double[rows.length];
            double[] predicted = new double[rows.length];
            for (int k = 0; k < rows.length; k++) {
                truth[k] = y[rows[k]];
                predicted[k] = fits != null ? ((CartFits<Regressor>) fits).value(regressor, data.rows()[rows[k]])
                        : regressor.predict(RegressionSearch.example(data, rows[k], Double.NaN)).getOutput()
                                .getValues()[0];
            }
            return scoring.score(truth, predicted);
        }
        Model<Label> classifier = (Model<Label>) model;
        List<String> truth = new ArrayList<>();
        List<String> predicted = new ArrayList<>();
        for (int i : rows) {
            truth.add(data.targets().get(i));
            predicted.add(fits != null ? ((CartFits<Label>) fits).label(classifier, data.rows()[i])
                    : classifier.predict(TribuoData.example(data.featureNames(), data.rows()[i], null)).getOutput()
                            .getLabel());
        }
        return scoring.score(truth, predicted);
    }

    private boolean isCart(Model<?> model) {
        if (cartFits == null) {
            return false;
        }
        if (model instanceof WeightedEnsembleModel<?> forest) {
            return forest.getModels().stream().allMatch(CartModel.class::isInstance);
        }
        return model instanceof CartModel<?>;
    }

    private static int[] without(int[] test, int rows) {
        boolean[] excluded = new boolean[rows];
        for (int i : test) {
            excluded[i] = true;
        }
        return IntStream.range(0, rows).filter(i -> !excluded[i]).toArray();
    }
}
