package dev.mlapi.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.BenchSelection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.tribuo.Model;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.dtree.CARTClassificationTrainer;
import org.tribuo.classification.dtree.impurity.GiniIndex;
import org.tribuo.classification.ensemble.FullyWeightedVotingCombiner;
import org.tribuo.common.tree.RandomForestTrainer;
import org.tribuo.ensemble.BaggingTrainer;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.ensemble.AveragingCombiner;
import org.tribuo.regression.rtree.CARTRegressionTrainer;
import org.tribuo.regression.rtree.impurity.MeanSquaredError;

/**
 * Per-fit time of one decision tree and one random forest (10 trees, depth 8), ours ({@link Cart}:
 * a new plan's refit, from the table's rows to the model, one core; also the refit before, the
 * trainer on a Tribuo dataset built from the rows) against scikit-learn's {@code fit} on the same rows and
 * parameters ({@code benchmarks/scripts/sklearn_trees.py}, one thread), side by side in one run,
 * with Tribuo's own CART (the learner before issue 23) where it finishes in reasonable time. Data:
 * iris and diabetes (shuffled with seed 42), and generated 20-feature two-class tables of 5,000,
 * 20,000 and 100,000 rows, written to {@code target/tree-bench} so both sides read the same CSV;
 * the first 80% of the rows train, the rest give the held-out score (accuracy or R²). Each
 * implementation: at least {@code bench.warmup} unmeasured fits and 2 s of them
 * ({@code bench.warmupSeconds}), then {@code bench.rounds} measured ones (median, min, max). Prints a table; asserts nothing. {@code -Dbench.profile=only} prints where a
 * refit's time goes instead.
 *
 * <pre>./mvnw -q -o -pl functions/training -am test-compile exec:exec@trees -Dbench.python=/work/venv/bin/python</pre>
 */
public final class TreeFitBenchmark {

    private record Workload(String id, String name, Path csv, String target, boolean regression, String algorithm,
            Map<String, Object> params) {
    }

    private record Times(double median, double min, double max, double score) {
        String cell() {
            return String.format(Locale.ROOT, "%.4f (%.4f–%.4f)", median, min, max);
        }
    }

    private static final long SEED = 42;
    /** Tribuo's own CART is only run up to this many rows (at 20,000 its forest takes 13.6 s per fit). */
    private static final int TRIBUO_MAX_ROWS = 5_000;

    public static void main(String[] args) throws Exception {
        if (!BenchSelection.runs("trees")) {
            return;
        }
        int warmup = Integer.getInteger("bench.warmup", 3);
        int rounds = Integer.getInteger("bench.rounds", 5);
        String python = PythonScripts.python();
        Optional<Path> script = PythonScripts.findUp(Path.of("benchmarks", "scripts", "sklearn_trees.py"));
        Optional<Path> iris = IrisGridSearchTest.sharedDataset("iris.csv");
        Optional<Path> diabetes = IrisGridSearchTest.sharedDataset("diabetes.csv");
        if (script.isEmpty() || iris.isEmpty() || diabetes.isEmpty()) {
            System.out.println("SKIPPED: benchmarks/scripts/sklearn_trees.py or ../shared/datasets/{iris,diabetes}.csv"
                    + " not found");
            return;
        }
        Path folder = Path.of("target", "tree-bench").toAbsolutePath();
        Files.createDirectories(folder);
        List<Workload> workloads = new ArrayList<>();
        Map<String, Object> forest = Map.of("n_estimators", 10, "max_depth", 8);
        Path irisCsv = shuffled(iris.get(), folder.resolve("iris.csv"));
        Path diabetesCsv = shuffled(diabetes.get(), folder.resolve("diabetes.csv"));
        workloads.add(new Workload("iris-dt", "iris (150)", irisCsv, "species", false, "decision_tree", Map.of()));
        workloads.add(new Workload("iris-rf", "iris (150)", irisCsv, "species", false, "random_forest", forest));
        workloads.add(new Workload("diabetes-dt", "diabetes (442)", diabetesCsv, "progression", true, "decision_tree",
                Map.of()));
        workloads.add(new Workload("diabetes-rf", "diabetes (442)", diabetesCsv, "progression", true, "random_forest",
                forest));
        for (int rows : List.of(5_000, 20_000, 100_000)) {
            Path csv = generated(folder.resolve("generated-" + rows + ".csv"), rows, 20);
            String name = String.format(Locale.ROOT, "generated %,d × 20", rows);
            workloads.add(new Workload("gen" + rows + "-dt", name, csv, "y", false, "decision_tree", Map.of()));
            workloads.add(new Workload("gen" + rows + "-rf", name, csv, "y", false, "random_forest", forest));
        }

        System.out.printf("cores available: %d, load average at start: %s%n", Runtime.getRuntime().availableProcessors(),
                PythonScripts.loadAverage());
        if ("only".equals(System.getProperty("bench.profile"))) {
            profile(workloads, warmup, rounds);
            System.exit(0);
        }
        if ("only".equals(System.getProperty("bench.grid"))) {
            // -Dbench.grid=only: the grid alone; -Dbench.grid=true: the per-fit table, then the grid
            grid(folder.resolve("generated-20000.csv"), python, script.get(), folder);
            System.exit(0);
        }
        Map<String, Times> ours = new LinkedHashMap<>();
        Map<String, Times> refit = new LinkedHashMap<>();
        Map<String, Times> refitTwo = new LinkedHashMap<>();
        Map<String, Times> tribuo = new LinkedHashMap<>();
        Map<String, Times> searchFit = new LinkedHashMap<>();
        Map<String, Times> planFirstFit = new LinkedHashMap<>();
        Map<String, Integer> trainRows = new HashMap<>();
        for (Workload w : workloads) {
            TabularDataset data = TabularDataset.parseCsv(Files.readString(w.csv()), Optional.of(w.target()),
                    !w.regression());
            int train = data.size() * 4 / 5;
            trainRows.put(w.id(), train);
            int[] rows = IntStream.range(0, train).toArray();
            int[] test = IntStream.range(train, data.size()).toArray();
            TabularDataset training = data.subset(IntStream.range(0, train).boxed().toList());
            refit.put(w.id(), measure(warmup, rounds, () -> plan(w, training).refit(0, SearchOptions.defaults()
                    .withParallelism(1)), data, test, w));
            ours.put(w.id(), measure(warmup, rounds, () -> fit(w, data, rows, ours(w, data, rows, 1)), data, test, w));
            SearchPlan plan = plan(w, data);
            searchFit.put(w.id(), seconds(warmup, rounds, () -> plan.fit(0, 0, SearchOptions.defaults()
                    .withParallelism(1))));
            planFirstFit.put(w.id(), seconds(warmup, rounds, () -> plan(w, data).fit(0, 0, SearchOptions.defaults()
                    .withParallelism(1))));
            if (w.algorithm().equals("random_forest")) {
                refitTwo.put(w.id(), measure(warmup, rounds, () -> plan(w, training).refit(0, SearchOptions.defaults()
                        .withParallelism(2)), data, test, w));
            }
            if (data.size() <= TRIBUO_MAX_ROWS) {
                tribuo.put(w.id(), measure(Math.min(warmup, 1), Math.min(rounds, 3),
                        () -> fit(w, data, rows, tribuo(w, data)), data, test, w));
            }
            System.out.printf("  %s: refit %s s, Tribuo dataset + fit %s s%n", w.id(), refit.get(w.id()).cell(),
                    ours.get(w.id()).cell());
        }

        List<Map<String, Object>> tasks = new ArrayList<>();
        for (Workload w : workloads) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", w.id());
            t.put("csv", w.csv().toString());
            t.put("target", w.target());
            t.put("regression", w.regression());
            t.put("algorithm", w.algorithm());
            t.put("params", w.params());
            t.put("train_rows", trainRows.get(w.id()));
            t.put("warmup", warmup);
            t.put("rounds", rounds);
            tasks.add(t);
        }
        Path taskFile = folder.resolve("tasks.json");
        Files.write(taskFile, Json.write(tasks));
        Map<String, JsonNode> sklearn = new HashMap<>();
        try {
            PythonScripts.Output fit = PythonScripts.run(python, script.get(), taskFile.toString());
            sklearn.putAll(fit.byId());
            if (fit.exit() != 0) {
                System.out.println("scikit-learn's script failed (exit " + fit.exit() + ")");
            }
        } catch (IOException e) {
            System.out.println("scikit-learn not run (" + python + "): " + e.getMessage());
        }

        System.out.println();
        System.out.println("| data | algorithm | train rows | ours, 1 core: refit (a new plan's, rows → model), s, median "
                + "(min–max) | ours: Tribuo dataset + fit (the refit before) | ours: a search's fit (SearchPlan.fit: fit "
                + "+ fold scoring) | ours: a new plan's first fit | ours, 2 cores: refit | scikit-learn fit, 1 thread "
                + "| ours ÷ scikit-learn (refit; search fit) | Tribuo CART (before), 1 core "
                + "| held-out score: ours / scikit-learn / Tribuo |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Workload w : workloads) {
            Times r = refit.get(w.id());
            Times o = ours.get(w.id());
            Times two = refitTwo.get(w.id());
            Times t = tribuo.get(w.id());
            JsonNode s = sklearn.get(w.id());
            String sk = s == null ? "—" : String.format(Locale.ROOT, "%.4f (%.4f–%.4f)", s.get("median").asDouble(),
                    s.get("min").asDouble(), s.get("max").asDouble());
            Times sf = searchFit.get(w.id());
            Times first = planFirstFit.get(w.id());
            String ratio = s == null ? "—" : String.format(Locale.ROOT, "%.2f×; %.2f×", r.median() / s.get("median")
                    .asDouble(), sf.median() / s.get("median").asDouble());
            String scores = String.format(Locale.ROOT, "%.4f / %s / %s", r.score(),
                    s == null ? "—" : String.format(Locale.ROOT, "%.4f", s.get("score").asDouble()),
                    t == null ? "—" : String.format(Locale.ROOT, "%.4f", t.score()));
            System.out.printf("| %s | %s %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", w.name(),
                    w.regression() ? "regression" : "classification", w.algorithm() + describe(w.params()),
                    trainRows.get(w.id()), r.cell(), o.cell(), sf.cell(), first.cell(),
                    two == null ? "—" : two.cell(), sk, ratio, t == null ? "not run" : t.cell(), scores);
        }
        System.out.printf("%nload average at end: %s%n", PythonScripts.loadAverage());
        if ("true".equals(System.getProperty("bench.grid"))) {
            grid(folder.resolve("generated-20000.csv"), python, script.get(), folder);
        }
        System.exit(0);
    }

    /**
     * Issue 23's whole grid on the 20,000-row table: random_forest {@code n_estimators} {50, 100} ×
     * {@code max_depth} {8, none}, 5 folds, one core, search and refit ({@link GridSearch#run}),
     * against {@code GridSearchCV(n_jobs=1).fit} on the same CSV.
     */
    private static void grid(Path csv, String python, Path script, Path folder) throws Exception {
        TabularDataset data = TabularDataset.parseCsv(Files.readString(csv), Optional.of("y"), true);
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        grid.put("n_estimators", List.of(50, 100));
        grid.put("max_depth", Arrays.asList(8, null));
        var candidates = Algorithm.RANDOM_FOREST.candidates(grid, data.featureNames().size());
        System.out.printf("%ngrid on %s, load average at start: %s%n", csv.getFileName(), PythonScripts.loadAverage());
        long started = System.nanoTime();
        GridSearch.Result ours = GridSearch.run(data, Algorithm.RANDOM_FOREST, candidates, 5, SEED, Scoring.ACCURACY,
                SearchOptions.defaults().withParallelism(1), (d, t) -> { });
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Object> task = new LinkedHashMap<>();
        task.put("id", "grid");
        task.put("csv", csv.toString());
        task.put("target", "y");
        task.put("regression", false);
        task.put("algorithm", "random_forest");
        task.put("grid", grid);
        Path taskFile = folder.resolve("grid.json");
        Files.write(taskFile, Json.write(List.of(task)));
        List<JsonNode> printed = PythonScripts.run(python, script, taskFile.toString()).lines();
        JsonNode s = printed.isEmpty() ? null : printed.get(printed.size() - 1);
        System.out.println("| grid | ours: s (search + refit, 1 core) | ours: best CV | ours: best params "
                + "| scikit-learn GridSearchCV(n_jobs=1): s | best CV | best params | ours ÷ scikit-learn |");
        System.out.println("|---|---:|---:|---|---:|---:|---|---:|");
        System.out.printf(Locale.ROOT, "| random_forest n_estimators {50, 100} × max_depth {8, none}, 5 folds, %d rows "
                + "| %.1f | %.4f | %s | %s | %s | %s | %s |%n", data.size(), seconds, ours.bestCandidate().meanScore(),
                new java.util.TreeMap<>(ours.bestCandidate().params()),
                s == null ? "—" : String.format(Locale.ROOT, "%.1f", s.get("seconds").asDouble()),
                s == null ? "—" : String.format(Locale.ROOT, "%.4f", s.get("best_score").asDouble()),
                s == null ? "—" : s.get("best_params").toString(),
                s == null ? "—" : String.format(Locale.ROOT, "%.2f×", seconds / s.get("seconds").asDouble()));
        System.out.printf("load average at end: %s%n", PythonScripts.loadAverage());
    }

    /**
     * {@code -Dbench.profile=only}: where a refit's time goes, per workload (medians of
     * {@code rounds} after {@code warmup}, ms): before, the Tribuo dataset's construction, our
     * trees' columns and sorts read back from it, and the whole {@code train}; now, a new plan, its
     * sorted columns ({@link CartFits}), the Tribuo feature statistics ({@link CartFits#source()})
     * and the whole refit.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void profile(List<Workload> workloads, int warmup, int rounds) throws IOException {
        System.out.println("| workload | train rows | Tribuo dataset | its columns + sorts (CartTrainers.data) "
                + "| train(dataset) | total before | new plan | CartFits (columns + sorts) | source() (statistics) "
                + "| plan.refit (all of it) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Workload w : workloads) {
            TabularDataset data = TabularDataset.parseCsv(Files.readString(w.csv()), Optional.of(w.target()),
                    !w.regression());
            int train = data.size() * 4 / 5;
            TabularDataset training = data.subset(IntStream.range(0, train).boxed().toList());
            int[] rows = IntStream.range(0, train).toArray();
            Supplier<org.tribuo.Dataset<?>> dataset = () -> w.regression()
                    ? RegressionSearch.dataset(training, RegressionSearch.numericTargets(training), rows)
                    : TribuoData.dataset(training, rows);
            org.tribuo.Dataset<?> built = dataset.get();
            Trainer trainer = ours(w, training, rows, 1);
            org.tribuo.provenance.TrainerProvenance twin = ((Trainer<?>) trainer).getProvenance();
            double datasetMs = millis(warmup, rounds, dataset::get);
            double columnsMs = millis(warmup, rounds, () -> CartTrainers.data((org.tribuo.Dataset) built,
                    w.regression()));
            double trainMs = millis(warmup, rounds, () -> trainer.train(built));
            double beforeMs = millis(warmup, rounds, () -> trainer.train(dataset.get()));
            double planMs = millis(warmup, rounds, () -> plan(w, training));
            double fitsMs = millis(warmup, rounds, () -> w.regression()
                    ? CartFits.regression(training, RegressionSearch.numericTargets(training), () -> twin)
                    : CartFits.classification(training, () -> twin));
            double sourceMs = millis(warmup, rounds, () -> (w.regression()
                    ? CartFits.regression(training, RegressionSearch.numericTargets(training), () -> twin)
                    : CartFits.classification(training, () -> twin)).source()) - fitsMs;
            double refitMs = millis(warmup, rounds, () -> plan(w, training).refit(0, SearchOptions.defaults()
                    .withParallelism(1)));
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n",
                    w.id(), train, datasetMs, columnsMs, trainMs, beforeMs, planMs, fitsMs, sourceMs, refitMs);
        }
        System.out.printf("load average at end: %s%n", PythonScripts.loadAverage());
    }

    private static double millis(int warmup, int rounds, Supplier<?> work) {
        warmUp(warmup, work);
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long started = System.nanoTime();
            work.get();
            times.add((System.nanoTime() - started) / 1e6);
        }
        Collections.sort(times);
        return times.get(times.size() / 2);
    }

    private static String describe(Map<String, Object> params) {
        return params.isEmpty() ? " (defaults)" : " " + new java.util.TreeMap<>(params);
    }

    /** Builds the Tribuo dataset of the rows and fits: what a search's fit does before scoring. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Model<?> fit(Workload w, TabularDataset data, int[] rows, Trainer<?> trainer) {
        if (w.regression()) {
            double[] y = RegressionSearch.numericTargets(data);
            return ((Trainer) trainer).train(RegressionSearch.dataset(data, y, rows));
        }
        return ((Trainer) trainer).train(TribuoData.dataset(data, rows));
    }

    private static Trainer<?> ours(Workload w, TabularDataset data, int[] rows, int cores) {
        Algorithm algorithm = Algorithm.parse(w.algorithm());
        SearchOptions options = SearchOptions.defaults().withParallelism(cores);
        int features = data.featureNames().size();
        if (w.regression()) {
            return RegressionSearch.trainer(algorithm, w.params(), SEED, features, options);
        }
        return algorithm.trainer(w.params(), SEED, features, rows.length, options);
    }

    /** The trainers before issue 23, as Algorithm and RegressionSearch built them. */
    private static Trainer<?> tribuo(Workload w, TabularDataset data) {
        int features = data.featureNames().size();
        boolean forest = w.algorithm().equals("random_forest");
        int depth = forest ? 8 : Integer.MAX_VALUE;
        if (w.regression()) {
            var tree = new CARTRegressionTrainer(depth, 1, 0.0f, 1.0f, false, new MeanSquaredError(), SEED);
            return forest ? new BaggingTrainer<>(tree, new AveragingCombiner(), 10, SEED) : tree;
        }
        float fraction = forest ? Algorithm.featureFraction("sqrt", features) : 1.0f;
        var tree = new CARTClassificationTrainer(depth, 1, 0.0f, fraction, false, new GiniIndex(), SEED);
        return forest ? new RandomForestTrainer<>(tree, new FullyWeightedVotingCombiner(), 10, SEED) : tree;
    }

    /** A 5-fold plan of the workload's one candidate, seed 42: its fold 0 trains on 80% of the rows. */
    private static SearchPlan plan(Workload w, TabularDataset data) {
        Algorithm algorithm = Algorithm.parse(w.algorithm());
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        w.params().forEach((k, v) -> grid.put(k, List.of(v)));
        var candidates = algorithm.candidates(grid, data.featureNames().size(), w.regression());
        return w.regression() ? SearchPlan.regression(data, algorithm, candidates, 5, SEED, Scoring.R2)
                : SearchPlan.classification(data, algorithm, candidates, 5, SEED, Scoring.ACCURACY, ClassWeight.NONE);
    }

    /**
     * Unmeasured runs: at least {@code warmup}, and until {@code bench.warmupSeconds} (2 s) have
     * passed (at most 5,000): a fit of a few milliseconds needs hundreds of runs before the JIT has
     * compiled it, and scikit-learn's compiled code needs none.
     */
    private static void warmUp(int warmup, Supplier<?> work) {
        long until = System.nanoTime() + (long) (Double.parseDouble(System.getProperty("bench.warmupSeconds", "2"))
                * 1e9);
        for (int i = 0; i < 5_000 && (i < warmup || System.nanoTime() < until); i++) {
            work.get();
        }
    }

    private static Times seconds(int warmup, int rounds, Supplier<SearchPlan.FitResult> fit) {
        warmUp(warmup, fit);
        List<Double> seconds = new ArrayList<>();
        double score = 0;
        for (int i = 0; i < rounds; i++) {
            long started = System.nanoTime();
            score = fit.get().score();
            seconds.add((System.nanoTime() - started) / 1e9);
        }
        Collections.sort(seconds);
        return new Times(seconds.get(seconds.size() / 2), seconds.get(0), seconds.get(seconds.size() - 1), score);
    }

    @SuppressWarnings("unchecked")
    private static Times measure(int warmup, int rounds, Supplier<Model<?>> fit, TabularDataset data, int[] test,
            Workload w) {
        warmUp(warmup, fit);
        Model<?> model = null;
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long started = System.nanoTime();
            model = fit.get();
            seconds.add((System.nanoTime() - started) / 1e9);
        }
        Collections.sort(seconds);
        double score;
        if (w.regression()) {
            double[] y = RegressionSearch.numericTargets(data);
            double[] truth = new double[test.length];
            double[] predicted = new double[test.length];
            for (int k = 0; k < test.length; k++) {
                truth[k] = y[test[k]];
                predicted[k] = ((Model<Regressor>) model).predict(RegressionSearch.example(data, test[k], Double.NaN))
                        .getOutput().getValues()[0];
            }
            score = Scoring.R2.score(truth, predicted);
        } else {
            List<String> truth = new ArrayList<>();
            List<String> predicted = new ArrayList<>();
            for (int i : test) {
                truth.add(data.targets().get(i));
                predicted.add(((Model<Label>) model).predict(TribuoData.example(data.featureNames(), data.rows()[i],
                        null)).getOutput().getLabel());
            }
            score = Scoring.ACCURACY.score(truth, predicted);
        }
        return new Times(seconds.get(seconds.size() / 2), seconds.get(0), seconds.get(seconds.size() - 1), score);
    }

    /** The CSV's rows shuffled with the seed (header first), written to {@code out}. */
    private static Path shuffled(Path csv, Path out) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(csv));
        String header = lines.remove(0);
        lines.removeIf(String::isBlank);
        Collections.shuffle(lines, new Random(SEED));
        lines.add(0, header);
        Files.write(out, lines);
        return out;
    }

    /** {@code rows} × {@code features} Gaussian numbers, two classes from a noisy non-linear rule. */
    private static Path generated(Path out, int rows, int features) throws IOException {
        Random random = new Random(SEED + rows);
        StringBuilder csv = new StringBuilder();
        for (int f = 0; f < features; f++) {
            csv.append('x').append(f).append(',');
        }
        csv.append("y\n");
        double[] v = new double[features];
        for (int r = 0; r < rows; r++) {
            for (int f = 0; f < features; f++) {
                v[f] = random.nextGaussian();
                csv.append(String.format(Locale.ROOT, "%.5f,", v[f]));
            }
            double signal = v[0] - 0.8 * v[1] + 0.6 * v[2] * v[3] + Math.sin(2 * v[4]) + 0.5 * Math.abs(v[5])
                    - 0.3 * v[6] + random.nextGaussian();
            csv.append(signal > 0.3 ? "a" : "b").append('\n');
        }
        Files.writeString(out, csv);
        return out;
    }

}
