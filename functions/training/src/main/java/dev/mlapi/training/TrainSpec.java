package dev.mlapi.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.json.Json;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.storage.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import dev.mlapi.registry.ModelRef;

/**
 * A training request as {@code POST /train} takes it, checked completely before any job exists:
 * {@code {"model_name", "algorithm", "task", "target", "dataset": {"csv"} | {"id"}, "params",
 * "cv_folds", "seed", "scoring", "deploy", "test_size", "class_weight"}}. Every problem is a 400
 * naming the field, the CSV's row and column, or the parameter with the supported ones.
 *
 * @param candidates    every combination of the parameter grid, in order
 * @param scoring       what ranks the candidates (default: accuracy, or R² for regression)
 * @param datasetSha256 lower-case hex SHA-256 of the CSV text as UTF-8 (empty when unknown)
 * @param datasetId     the uploaded dataset the CSV came from, when it was not inline
 * @param testSize      the fraction of rows held out for evaluation ({@link HoldOut}); 0: none
 * @param classWeight   how the rows of each fit are weighted by class
 */
public record TrainSpec(String modelName, Algorithm algorithm, String task, TabularDataset dataset,
        Map<String, List<Object>> params, List<Map<String, Object>> candidates, int cvFolds, long seed,
        boolean deploy, Scoring scoring, String datasetSha256, Optional<String> datasetId, double testSize,
        ClassWeight classWeight) {

    /** A spec without a held-out part or class weights. */
    public TrainSpec(String modelName, Algorithm algorithm, String task, TabularDataset dataset,
            Map<String, List<Object>> params, List<Map<String, Object>> candidates, int cvFolds, long seed,
            boolean deploy, Scoring scoring, String datasetSha256, Optional<String> datasetId) {
        this(modelName, algorithm, task, dataset, params, candidates, cvFolds, seed, deploy, scoring, datasetSha256,
                datasetId, 0, ClassWeight.NONE);
    }

    /** Reads the CSV text of an uploaded dataset by id (a 404 or 403 of its own when it cannot). */
    @FunctionalInterface
    public interface Datasets {
        String csv(String datasetId);
    }

    /** A spec with the task's default scoring and no dataset digest or id (the form before scoring existed). */
    public TrainSpec(String modelName, Algorithm algorithm, String task, TabularDataset dataset,
            Map<String, List<Object>> params, List<Map<String, Object>> candidates, int cvFolds, long seed,
            boolean deploy) {
        this(modelName, algorithm, task, dataset, params, candidates, cvFolds, seed, deploy,
                Scoring.defaultFor("regression".equals(task)), "", Optional.empty());
    }

    public static final int DEFAULT_FOLDS = 5;
    public static final int MAX_FOLDS = 20;
    public static final int MAX_FITS = 2_000;
    /** scikit-learn's {@code random_state} range. */
    public static final long MAX_SEED = 4_294_967_295L;
    private static final Set<String> FIELDS = Set.of("model_name", "algorithm", "task", "target", "dataset", "params",
            "cv_folds", "seed", "deploy", "scoring", "test_size", "class_weight", "columns", "features", "exclude");

    /** Parses a request whose dataset is inline ({@code "dataset": {"csv": "…"}}). */
    public static TrainSpec parse(byte[] body) {
        return parse(body, id -> {
            throw InvalidInput.field("dataset.id", "is not available here: send the CSV inline as dataset.csv");
        });
    }

    /** Parses a request whose dataset is inline or an uploaded one ({@code "dataset": {"id": "…"}}) read by {@code datasets}. */
    public static TrainSpec parse(byte[] body, Datasets datasets) {
        return parse(Json.readTree(body), datasets);
    }

    /**
     * Parses a request already read as JSON (so a caller never parses the body twice). Everything
     * that needs no data is checked first, the grid's size included, so a huge grid is refused
     * before the dataset is read or any combination exists; {@code datasets} is asked only then.
     */
    public static TrainSpec parse(JsonNode json, Datasets datasets) {
        return parse(json, datasets, DatasetLimits.DEFAULTS);
    }

    /** As {@link #parse(JsonNode, Datasets)}, with the table within {@code limits}. */
    public static TrainSpec parse(JsonNode json, Datasets datasets, DatasetLimits limits) {
        Request request = Request.parse(json);
        JsonNode dataset = json.get("dataset");
        Optional<String> datasetId = Optional.empty();
        String csv;
        if (dataset != null && dataset.isObject() && dataset.path("csv").isTextual() && !dataset.has("id")) {
            csv = dataset.get("csv").asText();
        } else if (dataset != null && dataset.isObject() && dataset.path("id").isTextual() && !dataset.has("csv")
                && !dataset.get("id").asText().isBlank()) {
            datasetId = Optional.of(dataset.get("id").asText());
            csv = datasets.csv(datasetId.get());
        } else {
            throw InvalidInput.field("dataset", "is required: {\"csv\": the CSV text, a header row then data rows}"
                    + " or {\"id\": an uploaded dataset's id}");
        }
        TabularDataset data = TabularDataset.parseCsv(csv, request.target(), !request.regression(),
                request.overrides(), limits);
        return request.spec(data, ModelFile.sha256Hex(csv.getBytes(StandardCharsets.UTF_8)), datasetId);
    }

    /**
     * Parses a request whose CSV is read from {@code csv} (a stored dataset, streamed: never a whole
     * String): {@code json} is the request without its {@code dataset}, checked first; then the CSV
     * is opened, parsed within {@code limits} and digested in the same pass. The same 400s as
     * {@link #parse(JsonNode, Datasets)}.
     *
     * @param datasetId the uploaded dataset the CSV is, if it is one
     */
    public static TrainSpec parse(JsonNode json, Supplier<InputStream> csv, Optional<String> datasetId,
            DatasetLimits limits) {
        Request request = Request.parse(json);
        if (json.has("dataset")) {
            throw InvalidInput.field("dataset", "is read from the stored CSV here, not from the request");
        }
        MessageDigest sha256 = Sha256.newDigest();
        TabularDataset data;
        try (InputStream in = csv.get();
                Reader reader = new InputStreamReader(new DigestInputStream(in, sha256), StandardCharsets.UTF_8)) {
            data = TabularDataset.parseCsv(reader, request.target(), !request.regression(), request.overrides(),
                    limits);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the dataset", e);
        }
        return request.spec(data, HexFormat.of().formatHex(sha256.digest()), datasetId);
    }

    /**
     * Checks a request against the start of its stored dataset, without its rows (the API's check
     * before a job exists; the worker reads the rows): the request's fields and grid first, then
     * {@code head} is asked for the CSV's start and its header checked within {@code limits}, with
     * the target and the columns the request names. A 400 naming the problem.
     */
    public static Checked checkAgainstHeader(JsonNode json, Supplier<Head> head, DatasetLimits limits) {
        Request request = Request.parse(json);
        Head start = head.get();
        TabularDataset.checkHeader(start.text(), start.complete(), request.target(), request.overrides(), limits);
        // Values whose range depends on the encoded features (max_features) are checked by the worker.
        request.algorithm().checkValues(request.params(), Integer.MAX_VALUE, request.regression());
        long candidates = request.algorithm().gridSize(request.params());
        return new Checked(request.modelName(), request.algorithm(), request.task(),
                Math.toIntExact(candidates * request.folds() + 1));
    }

    /** The first characters of a CSV, and whether they are all of it. */
    public record Head(String text, boolean complete) {
    }

    /** What a job needs to know of a request checked without its rows: its name, algorithm, task and fits. */
    public record Checked(String modelName, Algorithm algorithm, String task, int totalFits) {
    }

    /** This spec as {@link Checked}. */
    public Checked checked() {
        return new Checked(modelName, algorithm, task, totalFits());
    }

    /** The fields of a training request that need no data, checked. */
    private record Request(String modelName, Algorithm algorithm, String task, Scoring scoring, int folds, long seed,
            boolean deploy, double testSize, ClassWeight classWeight, Map<String, List<Object>> params,
            TableSchema.Overrides overrides, Optional<String> target) {

        boolean regression() {
            return task.equals("regression");
        }

        static Request parse(JsonNode json) {
            if (json == null || !json.isObject()) {
                throw new InvalidInput("the body must be a JSON object");
            }
            json.fieldNames().forEachRemaining(name -> {
                if (!FIELDS.contains(name)) {
                    throw InvalidInput.field(name, "is not a field of a training request; fields: "
                            + FIELDS.stream().sorted().toList());
                }
            });
            String modelName = text(json, "model_name").orElseThrow(() -> InvalidInput.field("model_name",
                    "is required"));
            ModelRef.requireName("model_name", modelName);
            String task = text(json, "task").orElse("classification");
            if (!task.equals("classification") && !task.equals("regression")) {
                throw InvalidInput.field("task", "must be 'classification' or 'regression', got '" + task + "'");
            }
            boolean regression = task.equals("regression");
            Algorithm algorithm = Algorithm.parse(text(json, "algorithm")
                    .orElseThrow(() -> InvalidInput.field("algorithm", "is required")));
            algorithm.requireTask(regression);
            Scoring scoring = text(json, "scoring").map(s -> Scoring.parse(s, regression))
                    .orElse(Scoring.defaultFor(regression));
            int folds = json.has("cv_folds") ? (int) integer(json.get("cv_folds"), "cv_folds", 2, MAX_FOLDS)
                    : DEFAULT_FOLDS;
            long seed = json.has("seed") ? integer(json.get("seed"), "seed", 0, MAX_SEED) : 0;
            boolean deploy = flag(json, "deploy");
            double testSize = HoldOut.parseTestSize(json.get("test_size"));
            ClassWeight classWeight = ClassWeight.parse(json.get("class_weight"), regression);
            Map<String, List<Object>> params = TrainSpec.params(json.get("params"));
            TableSchema.Overrides overrides = TrainSpec.overrides(json);
            requireAtMostMaxFits(algorithm, params, folds);
            return new Request(modelName, algorithm, task, scoring, folds, seed, deploy, testSize, classWeight, params,
                    overrides, text(json, "target"));
        }

        /** The spec of this request on {@code data}: the checks that need the rows, then the grid's candidates. */
        TrainSpec spec(TabularDataset data, String sha256, Optional<String> datasetId) {
            if (algorithm.isLinear() && data.schema().plain()) {
                // An encoded table may well have a constant feature (every date in one year, one category):
                // Standardisation maps it to 0, as scikit-learn's StandardScaler does.
                requireVaryingFeatures(data);
            }
            if (data.size() < folds) {
                throw InvalidInput.field("cv_folds", folds + " folds need at least " + folds + " rows; the dataset has "
                        + data.size());
            }
            if (testSize > 0) {
                HoldOut.split(data, testSize, seed, !regression(), folds);
            }
            List<Map<String, Object>> candidates = algorithm.candidates(params, data.featureNames().size(),
                    regression());
            return new TrainSpec(modelName, algorithm, task, data, params, candidates, folds, seed, deploy, scoring,
                    sha256, datasetId, testSize, classWeight);
        }
    }

    /** {@code columns}, {@code features} and {@code exclude}: their shapes here, their names once the CSV is read. */
    private static TableSchema.Overrides overrides(JsonNode json) {
        Map<String, String> columns = new LinkedHashMap<>();
        JsonNode node = json.get("columns");
        if (node != null && !node.isNull()) {
            if (!node.isObject()) {
                String shown = node.toString();
                throw InvalidInput.field("columns", "must be an object of column name to one of categorical, numeric,"
                        + " date, ignore; got " + (shown.length() <= 40 ? shown : shown.substring(0, 40) + "…"));
            }
            node.fields().forEachRemaining(e -> {
                if (!e.getValue().isTextual()) {
                    String shown = e.getValue().toString();
                    throw InvalidInput.field("columns." + e.getKey(), "must be one of categorical, numeric, date,"
                            + " ignore (a string); got " + (shown.length() <= 40 ? shown : shown.substring(0, 40) + "…"));
                }
                columns.put(e.getKey(), e.getValue().asText());
            });
        }
        Optional<List<String>> features = json.hasNonNull("features") ? Optional.of(names(json.get("features"),
                "features")) : Optional.empty();
        if (features.isPresent() && features.get().isEmpty()) {
            throw InvalidInput.field("features", "must name at least one column");
        }
        List<String> exclude = json.hasNonNull("exclude") ? names(json.get("exclude"), "exclude") : List.of();
        return new TableSchema.Overrides(columns, features, exclude);
    }

    private static List<String> names(JsonNode node, String field) {
        if (!node.isArray()) {
            throw InvalidInput.field(field, "must be a list of column names, got " + node);
        }
        List<String> names = new ArrayList<>();
        for (JsonNode name : node) {
            if (!name.isTextual()) {
                throw InvalidInput.field(field, "must be a list of column names, got " + name);
            }
            names.add(name.asText());
        }
        return names;
    }

    /** The grid's fits (candidates × folds + the refit), counted from the list lengths alone, against {@link #MAX_FITS}. */
    private static void requireAtMostMaxFits(Algorithm algorithm, Map<String, List<Object>> params, int folds) {
        long candidates = algorithm.gridSize(params);
        long fits;
        try {
            fits = Math.addExact(Math.multiplyExact(candidates, folds), 1);
        } catch (ArithmeticException e) {
            fits = Long.MAX_VALUE;
        }
        if (fits > MAX_FITS) {
            throw InvalidInput.field("params", Algorithm.describeProduct(params) + " = " + candidates + " candidates × "
                    + folds + " folds + 1 refit = " + fits + " fits; a job does at most " + MAX_FITS
                    + " (fewer values or fewer folds)");
        }
    }

    /** A linear model standardises its features: a constant column has no spread to divide by. */
    private static void requireVaryingFeatures(TabularDataset data) {
        for (int f = 0; f < data.featureNames().size(); f++) {
            double first = data.rows()[0][f];
            boolean varies = false;
            for (double[] row : data.rows()) {
                if (row[f] != first) {
                    varies = true;
                    break;
                }
            }
            if (!varies) {
                throw InvalidInput.field("dataset.csv", "column '" + data.featureNames().get(f) + "' is " + first
                        + " on every row; linear models standardise each feature, so drop constant columns");
            }
        }
    }

    /** The rows the search and the refit train on, and the held-out rows (none when {@code testSize} is 0). */
    public HoldOut split() {
        return HoldOut.split(dataset, testSize, seed, !isRegression(), cvFolds);
    }

    public boolean isRegression() {
        return task.equals("regression");
    }

    /** Fits the job will make: candidates × folds, plus the refit. */
    public int totalFits() {
        return candidates.size() * cvFolds + 1;
    }

    /**
     * The grid as typed values: JSON integers as {@code Integer} when they fit one, else kept whole
     * as {@code BigInteger} (refused by the range checks, never cut down to an {@code int}); other
     * numbers as {@code Double}; strings, booleans and null as they are, so that the 400 can name
     * the value. A list longer than {@link Algorithm#MAX_VALUES_PER_PARAMETER} is refused before
     * its values are read.
     */
    private static Map<String, List<Object>> params(JsonNode node) {
        Map<String, List<Object>> params = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return params;
        }
        if (!node.isObject()) {
            throw InvalidInput.field("params", "must be an object of parameter name to a list of values");
        }
        node.fields().forEachRemaining(e -> {
            String field = "params." + e.getKey();
            JsonNode values = e.getValue().isArray() ? e.getValue() : Json.mapper().createArrayNode().add(e.getValue());
            if (values.size() > Algorithm.MAX_VALUES_PER_PARAMETER) {
                throw InvalidInput.field(field, "has " + values.size() + " values; a parameter takes at most "
                        + Algorithm.MAX_VALUES_PER_PARAMETER);
            }
            List<Object> list = new ArrayList<>();
            for (JsonNode v : values) {
                if (v.isNull()) {
                    list.add(null);
                } else if (v.isIntegralNumber()) {
                    list.add(v.canConvertToInt() ? (Object) v.intValue() : v.bigIntegerValue());
                } else if (v.isNumber()) {
                    list.add(v.doubleValue());
                } else if (v.isTextual()) {
                    list.add(v.asText());
                } else if (v.isBoolean()) {
                    list.add(v.booleanValue());
                } else {
                    throw InvalidInput.field(field, "values are numbers, strings or null, got " + v);
                }
            }
            params.put(e.getKey(), list);
        });
        return params;
    }

    private static Optional<String> text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw InvalidInput.field(field, "must be a non-empty string");
        }
        return Optional.of(node.asText().trim());
    }

    /** A JSON integer in {@code min..max}; never a string, a float such as {@code 3.0} or {@code 1e30}, or a wider number cut down. */
    private static long integer(JsonNode node, String field, long min, long max) {
        if (node.isIntegralNumber() && node.canConvertToLong() && node.longValue() >= min && node.longValue() <= max) {
            return node.longValue();
        }
        throw InvalidInput.field(field, "must be an integer from " + min + " to " + max + ", got " + node);
    }

    private static boolean flag(JsonNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw InvalidInput.field(field, "must be true or false, got " + node);
        }
        return node.booleanValue();
    }
}
