package dev.mlapi.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.BenchSelection;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Best cross-validated scores against scikit-learn on public tables with text columns and blanks
 * (issue 19), side by side in one run. Ours: the training request as JSON through
 * {@link TrainSpec#parse(byte[])} (column typing, imputation, one-hot) and {@link ModelTrainer}
 * (search on one core, refit, ONNX export with the raw-row preprocessing, verification,
 * registration against the test stack's S3 registry). scikit-learn's: {@code
 * benchmarks/scripts/sklearn_tabular.py}, {@code GridSearchCV(Pipeline(ColumnTransformer(
 * SimpleImputer(median) | SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown='ignore')),
 * estimator))}, the same grid, 5 folds (stratified, shuffled, seed 42 for classification; KFold
 * shuffled, seed 42 for regression), on the columns our schema used (its ignored columns dropped,
 * its date columns split into the same four parts). The script writes the CSVs from the installed
 * {@code vega_datasets} package into {@code target/sklearn-bench}; without Python or the package
 * the benchmark prints SKIPPED. Prints a table; asserts nothing.
 *
 * <pre>./mvnw -q -o -pl functions/training -am test-compile exec:exec@sklearn -Dbench.python=/work/venv/bin/python</pre>
 */
public final class SklearnComparisonBenchmark {

    private record Task(String id, String dataset, String csv, String target, String task, String algorithm,
            Map<String, List<Object>> grid, String classWeight) {
        int gridSize() {
            return grid.values().stream().mapToInt(List::size).reduce(1, (a, b) -> a * b);
        }
    }

    private record Ours(double score, Map<String, Object> params, double seconds, TableSchema schema) {
    }

    private static final long SEED = 42;
    private static final int FOLDS = 5;

    public static void main(String[] args) throws Exception {
        if (!BenchSelection.runs("sklearn")) {
            return;
        }
        String python = PythonScripts.python();
        Optional<Path> script = PythonScripts.findUp(Path.of("benchmarks", "scripts", "sklearn_tabular.py"));
        if (script.isEmpty()) {
            System.out.println("SKIPPED: benchmarks/scripts/sklearn_tabular.py not found above " + Path.of("").toAbsolutePath());
            return;
        }
        Path folder = Path.of("target", "sklearn-bench").toAbsolutePath();
        Files.createDirectories(folder);
        String writeOut;
        int writeExit;
        try {
            Process write = new ProcessBuilder(python, script.get().toString(), "write", folder.toString())
                    .redirectErrorStream(true).start();
            writeOut = new String(write.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            writeExit = write.waitFor();
        } catch (IOException e) {
            writeOut = e.getMessage();
            writeExit = -1;
        }
        if (writeExit != 0 || !Files.isRegularFile(folder.resolve("cars.csv"))
                || !Files.isRegularFile(folder.resolve("seattle-weather.csv"))) {
            System.out.println("SKIPPED: " + python + " could not write the vega_datasets tables into " + folder
                    + " (pip install scikit-learn pandas vega_datasets; -Dbench.python=…):\n" + writeOut.strip());
            return;
        }
        List<Task> tasks = List.of(
                new Task("cars-origin-rf", "cars (406)", "cars.csv", "Origin", "classification", "random_forest",
                        grid("max_depth", Arrays.asList(3, 6, null), "n_estimators", List.of(50, 100)), null),
                new Task("cars-origin-dt", "cars (406)", "cars.csv", "Origin", "classification", "decision_tree",
                        grid("max_depth", Arrays.asList(3, 6, null)), null),
                new Task("cars-mpg-rf", "cars, MPG known (398)", "cars_mpg.csv", "Miles_per_Gallon", "regression",
                        "random_forest", grid("max_depth", Arrays.asList(3, 6, null), "n_estimators", List.of(50, 100)),
                        null),
                new Task("cars-mpg-lin", "cars, MPG known (398)", "cars_mpg.csv", "Miles_per_Gallon", "regression",
                        "linear_regression", grid(), null),
                new Task("weather-rf", "seattle-weather (1461)", "seattle-weather.csv", "weather", "classification",
                        "random_forest", grid("max_depth", Arrays.asList(3, 6, null), "n_estimators", List.of(50, 100)),
                        null),
                new Task("weather-rf-balanced", "seattle-weather (1461)", "seattle-weather.csv", "weather",
                        "classification", "random_forest",
                        grid("max_depth", Arrays.asList(3, 6, null), "n_estimators", List.of(50, 100)), "balanced"));

        System.out.printf("cores available: %d, load average at start: %s%n", Runtime.getRuntime().availableProcessors(),
                PythonScripts.loadAverage());
        Map<String, Ours> ours = new LinkedHashMap<>();
        try (TestStack stack = TestStack.start()) {
            S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
            for (Task t : tasks) {
                ours.put(t.id(), ours(t, folder, registry));
            }
        }
        // scikit-learn on the columns our schema used: its ignored columns dropped, its dates split alike
        List<Map<String, Object>> requests = new ArrayList<>();
        for (Task t : tasks) {
            TableSchema schema = ours.get(t.id()).schema();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", t.id());
            r.put("csv", t.csv());
            r.put("target", t.target());
            r.put("task", t.task());
            r.put("algorithm", t.algorithm());
            r.put("grid", t.grid());
            r.put("class_weight", t.classWeight());
            r.put("ignore", schema.columns().stream().filter(c -> !c.type().used()).map(TableSchema.Column::name).toList());
            r.put("dates", schema.used().stream().filter(c -> c.type() == TableSchema.Type.DATE)
                    .map(TableSchema.Column::name).toList());
            r.put("text", schema.used().stream().filter(c -> c.type().text()).map(TableSchema.Column::name).toList());
            requests.add(r);
        }
        Path requestFile = folder.resolve("tasks.json");
        Files.write(requestFile, Json.write(requests));
        PythonScripts.Output fit = PythonScripts.run(python, script.get(), "fit", folder.toString(), requestFile.toString());
        Map<String, JsonNode> sklearn = fit.byId();
        if (fit.exit() != 0) {
            System.out.println("scikit-learn's script failed (exit " + fit.exit() + "); its rows are blank");
        }

        System.out.println();
        System.out.println("columns as our schema typed them:");
        Map<String, String> seen = new LinkedHashMap<>();
        for (Task t : tasks) {
            seen.putIfAbsent(t.csv(), ours.get(t.id()).schema().columns().stream()
                    .map(c -> c.name() + " " + c.type().value() + (c.blanks() > 0 ? " (" + c.blanks() + " blank)" : "")
                            + (c.note() != null ? " [" + c.note() + "]" : ""))
                    .toList().toString());
        }
        seen.forEach((csv, columns) -> System.out.println("  " + csv + ": " + columns));
        System.out.println();
        System.out.println("| dataset | task | algorithm | grid | ours: best CV | ours: best params | ours: s "
                + "| scikit-learn: best CV | scikit-learn: best params | scikit-learn: s | ours − sklearn |");
        System.out.println("|---|---|---|---:|---:|---|---:|---:|---|---:|---:|");
        for (Task t : tasks) {
            Ours o = ours.get(t.id());
            JsonNode s = sklearn.get(t.id());
            String metric = t.task().equals("regression") ? "R²" : "accuracy";
            String algorithm = t.algorithm() + (t.classWeight() != null ? ", class_weight " + t.classWeight() : "");
            String sklearnScore = s == null ? "—" : String.format("%.4f", s.get("best_score").asDouble());
            String sklearnParams = s == null ? "—" : params(Json.mapper().convertValue(s.get("best_params"), Map.class));
            String sklearnSeconds = s == null ? "—" : String.format("%.1f", s.get("seconds").asDouble());
            String diff = s == null ? "—" : String.format("%+.4f", o.score() - s.get("best_score").asDouble());
            System.out.printf("| %s | %s (%s) | %s | %d | %.4f | %s | %.1f | %s | %s | %s | %s |%n", t.dataset(),
                    t.task(), metric, algorithm, t.gridSize(), o.score(), params(o.params()), o.seconds(), sklearnScore,
                    sklearnParams, sklearnSeconds, diff);
        }
        System.out.println();
        System.out.printf("5-fold CV, seed 42, both on one core; ours: TrainSpec.parse + ModelTrainer.train (search, refit,"
                + " ONNX export and verification, registration), one cold JVM; scikit-learn: GridSearchCV.fit"
                + " (search and refit), n_jobs=1; load average at end: %s%n", PythonScripts.loadAverage());
        System.exit(0);
    }

    private static Ours ours(Task t, Path folder, S3ModelRegistry registry) throws IOException {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model_name", t.id());
        request.put("algorithm", t.algorithm());
        request.put("task", t.task());
        request.put("target", t.target());
        request.put("dataset", Map.of("csv", Files.readString(folder.resolve(t.csv()))));
        request.put("params", t.grid());
        request.put("cv_folds", FOLDS);
        request.put("seed", SEED);
        if (t.classWeight() != null) {
            request.put("class_weight", t.classWeight());
        }
        long started = System.nanoTime();
        TrainSpec spec = TrainSpec.parse(Json.write(request));
        ModelTrainer.Outcome outcome = new ModelTrainer(registry).train(spec, "bench", (d, n) -> { },
                SearchOptions.defaults().withParallelism(1));
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Ours(outcome.best().meanScore(), outcome.best().params(), seconds, spec.dataset().schema());
    }

    private static String params(Map<?, ?> params) {
        Map<String, Object> sorted = new TreeMap<>();
        params.forEach((k, v) -> sorted.put(String.valueOf(k), v));
        return sorted.toString();
    }

    private static Map<String, List<Object>> grid(Object... nameValues) {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            grid.put((String) nameValues[i], new ArrayList<>((List<?>) nameValues[i + 1]));
        }
        return grid;
    }

}
