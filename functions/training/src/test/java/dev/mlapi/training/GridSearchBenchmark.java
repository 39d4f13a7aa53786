package dev.mlapi.training;

import dev.mlapi.core.testkit.BenchSelection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.Regressor;

/**
 * Grid-search wall time against the same fits done by a plain sequential Tribuo loop in the same
 * run: the loop trains each (candidate, fold) with the same seeded trainer, predicts the fold's
 * test rows, then refits the best, with nothing else (no progress, no stop checks, no pool).
 * {@link GridSearch} / {@link RegressionSearch} run the same work with parallelism 1 and 2.
 * Variants are interleaved round by round; warm-up rounds run until each variant's last three
 * times are within 10% of one another (at most {@code bench.maxWarmup}), then
 * {@code bench.rounds} measured rounds give median, min and max. Prints a table; asserts nothing.
 *
 * <pre>./mvnw -q -o -pl functions/training -am test-compile exec:exec@bench -Dbench=training</pre>
 */
public final class GridSearchBenchmark {

    private record Workload(String name, TabularDataset data, Algorithm algorithm, List<Map<String, Object>> candidates,
            boolean regression) {
        int fits() {
            return candidates.size() * FOLDS + 1;
        }
    }

    private static final int FOLDS = 5;
    private static final long SEED = 42;

    public static void main(String[] args) throws IOException {
        if (!BenchSelection.runs("training")) {
            return;
        }
        int rounds = Integer.getInteger("bench.rounds", 7);
        int maxWarmup = Integer.getInteger("bench.maxWarmup", 15);
        Optional<Path> iris = IrisGridSearchTest.sharedDataset("iris.csv");
        Optional<Path> diabetes = IrisGridSearchTest.sharedDataset("diabetes.csv");
        if (iris.isEmpty() || diabetes.isEmpty()) {
            System.out.println("SKIPPED: ../shared/datasets/iris.csv or diabetes.csv is not on this machine");
            return;
        }
        TabularDataset irisData = TabularDataset.parseCsv(Files.readString(iris.get()), Optional.of("species"));
        TabularDataset diabetesData = TabularDataset.parseCsv(Files.readString(diabetes.get()), Optional.empty(), false);
        List<Workload> workloads = List.of(
                new Workload("iris random_forest 2×2 grid", irisData, Algorithm.RANDOM_FOREST,
                        Algorithm.RANDOM_FOREST.candidates(grid("n_estimators", List.of(20, 50), "max_depth",
                                List.of(3, 5)), 4), false),
                new Workload("iris logistic_regression C×3", irisData, Algorithm.LOGISTIC_REGRESSION,
                        Algorithm.LOGISTIC_REGRESSION.candidates(grid("C", List.of(0.1, 1.0, 10.0)), 4), false),
                new Workload("diabetes random_forest 1×2 grid", diabetesData, Algorithm.RANDOM_FOREST,
                        Algorithm.RANDOM_FOREST.candidates(grid("n_estimators", List.of(50), "max_depth",
                                List.of(4, 8)), 10, true), true));
        System.out.printf("cores available: %d, load average at start: %s%n", Runtime.getRuntime().availableProcessors(),
                loadAverage());
        System.out.println();
        System.out.println("| workload | fits | plain sequential loop, ms | grid search, 1 core, ms | ratio to loop "
                + "| grid search, 2 cores, ms | speed-up vs loop | warm-up rounds |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Workload w : workloads) {
            List<Runnable> variants = List.of(() -> plainLoop(w), () -> search(w, 1), () -> search(w, 2));
            List<List<Double>> times = new ArrayList<>();
            variants.forEach(v -> times.add(new ArrayList<>()));
            int warmup = 0;
            while (warmup < maxWarmup && (warmup < 3 || !stable(times))) {
                runRound(variants, times);
                warmup++;
            }
            times.forEach(List::clear);
            for (int r = 0; r < rounds; r++) {
                runRound(variants, times);
            }
            double loop = median(times.get(0));
            double one = median(times.get(1));
            double two = median(times.get(2));
            System.out.printf("| %s | %d | %s | %s | %.2f× | %s | %.2f× | %d |%n", w.name(), w.fits(),
                    summary(times.get(0)), summary(times.get(1)), one / loop, summary(times.get(2)), loop / two,
                    warmup);
        }
        System.out.println();
        System.out.printf("median (min–max) of %d interleaved rounds; load average at end: %s%n", rounds, loadAverage());
        System.exit(0);
    }

    private static void runRound(List<Runnable> variants, List<List<Double>> times) {
        for (int v = 0; v < variants.size(); v++) {
            long started = System.nanoTime();
            variants.get(v).run();
            times.get(v).add((System.nanoTime() - started) / 1e6);
        }
    }

    private static boolean stable(List<List<Double>> times) {
        for (List<Double> t : times) {
            List<Double> last = t.subList(t.size() - 3, t.size());
            double min = last.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double max = last.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            if (max > min * 1.10) {
                return false;
            }
        }
        return true;
    }

    private static void search(Workload w, int cores) {
        SearchOptions options = SearchOptions.defaults().withParallelism(cores);
        if (w.regression()) {
            RegressionSearch.run(w.data(), w.algorithm(), w.candidates(), FOLDS, SEED, Scoring.R2, options, (d, t) -> { });
        } else {
            GridSearch.run(w.data(), w.algorithm(), w.candidates(), FOLDS, SEED, Scoring.ACCURACY, options,
                    (d, t) -> { });
        }
    }

    /** The same fits, folds and scoring as the search, in two plain nested loops over Tribuo. */
    private static void plainLoop(Workload w) {
        TabularDataset data = w.data();
        int features = data.featureNames().size();
        double[] means = new double[w.candidates().size()];
        if (w.regression()) {
            double[] y = RegressionSearch.numericTargets(data);
            int[][] test = RegressionSearch.shuffledFolds(data.size(), FOLDS, SEED);
            for (int c = 0; c < w.candidates().size(); c++) {
                for (int f = 0; f < FOLDS; f++) {
                    int[] train = complement(test[f], data.size());
                    Model<Regressor> model = RegressionSearch.trainer(w.algorithm(), w.candidates().get(c), SEED, features,
                            y, train).train(regressionDataset(data, y, train));
                    double[] truth = new double[test[f].length];
                    double[] predicted = new double[test[f].length];
                    for (int k = 0; k < test[f].length; k++) {
                        truth[k] = y[test[f][k]];
                        predicted[k] = model.predict(RegressionSearch.example(data, test[f][k], Double.NaN)).getOutput()
                                .getValues()[0];
                    }
                    means[c] += Scoring.R2.score(truth, predicted) / FOLDS;
                }
            }
            int[] all = IntStream.range(0, data.size()).toArray();
            RegressionSearch.trainer(w.algorithm(), w.candidates().get(argmax(means)), SEED, features, y, all)
                    .train(regressionDataset(data, y, all));
        } else {
            int[][] test = GridSearch.stratifiedFolds(data.targets(), FOLDS, SEED);
            for (int c = 0; c < w.candidates().size(); c++) {
                for (int f = 0; f < FOLDS; f++) {
                    int[] train = complement(test[f], data.size());
                    Model<Label> model = w.algorithm().trainer(w.candidates().get(c), SEED, features, train.length)
                            .train(TribuoData.dataset(data, train));
                    int correct = 0;
                    for (int i : test[f]) {
                        if (model.predict(TribuoData.example(data.featureNames(), data.rows()[i], null)).getOutput()
                                .getLabel().equals(data.targets().get(i))) {
                            correct++;
                        }
                    }
                    means[c] += (double) correct / test[f].length / FOLDS;
                }
            }
            w.algorithm().trainer(w.candidates().get(argmax(means)), SEED, features, data.size())
                    .train(TribuoData.dataset(data, null));
        }
    }

    private static MutableDataset<Regressor> regressionDataset(TabularDataset data, double[] y, int[] rows) {
        var dataset = new MutableDataset<Regressor>(new SimpleDataSourceProvenance("csv", RegressionSearch.FACTORY),
                RegressionSearch.FACTORY);
        for (int i : rows) {
            dataset.add(RegressionSearch.example(data, i, y[i]));
        }
        return dataset;
    }

    private static int[] complement(int[] test, int rows) {
        boolean[] excluded = new boolean[rows];
        for (int i : test) {
            excluded[i] = true;
        }
        return IntStream.range(0, rows).filter(i -> !excluded[i]).toArray();
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static Map<String, List<Object>> grid(Object... nameValues) {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            grid.put((String) nameValues[i], new ArrayList<>((List<?>) nameValues[i + 1]));
        }
        return grid;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static String summary(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format("%.0f (%.0f–%.0f)", median(values), sorted[0], sorted[sorted.length - 1]);
    }

    private static String loadAverage() {
        try {
            return Arrays.stream(Files.readString(Path.of("/proc/loadavg")).split(" ")).limit(3).toList().toString();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
