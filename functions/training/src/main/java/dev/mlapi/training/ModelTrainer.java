package dev.mlapi.training;

import com.oracle.labs.mlrg.olcut.config.json.JsonProvenanceSerialization;
import dev.mlapi.registry.DriftBaseline;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.ModelRegistryWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.Model;
import org.tribuo.Tribuo;
import org.tribuo.classification.Label;
import org.tribuo.regression.Regressor;

/**
 * Runs a training request (classification or regression) to its end: grid search, export of the
 * refit model to ONNX, verification against Tribuo on every training row (the rows left once
 * {@code test_size}'s held-out part is set aside; that part is scored by the refit model, see
 * {@link Evaluation}), and registration as the
 * next version of the named model (kind {@code tabular}): the manifest holds the feature names in
 * input order, labels, task, metric, CV results, parameters, the dataset's rows, sha256 and id,
 * seed, training time and library versions, and the version carries Tribuo's provenance of the
 * model as {@value #PROVENANCE_FILE}. The {@code production} alias moves to it when the request
 * says {@code deploy}. Any failure or stop before registration registers nothing; a
 * {@link BeforeWrite} check runs right before the registration and before the alias moves.
 */
public final class ModelTrainer {

    public static final String MODEL_FILE = "model.onnx";
    /** Tribuo's provenance of the refit model (trainer, its configuration, dataset), OLCUT's JSON form. */
    public static final String PROVENANCE_FILE = "provenance.json";
    public static final String TRIBUO_VERSION = Tribuo.VERSION;

    /**
     * What a finished job reports: every candidate's scores, the best one, the refit Tribuo model,
     * the registered version, the held-out scores (empty when nothing was held out) and the feature
     * importances (empty for a linear model).
     */
    public record Outcome(List<GridSearch.CandidateScore> candidates, GridSearch.CandidateScore best, Model<?> model,
            String metric, Manifest manifest, Map<String, Object> evaluation, Map<String, Object> featureImportances) {

        /** The registered version's number. */
        public int version() {
            return manifest.version();
        }
    }

    /**
     * Asked right before each registry write of a job (registering the version, moving
     * {@code production}) with the model's name; it throws to stop the job there, e.g. when the
     * name no longer belongs to the job's user.
     */
    @FunctionalInterface
    public interface BeforeWrite {
        void check(String modelName);
    }

    private final ModelRegistryWriter registry;
    private final BeforeWrite beforeWrite;

    public ModelTrainer(ModelRegistryWriter registry) {
        this(registry, name -> { });
    }

    public ModelTrainer(ModelRegistryWriter registry, BeforeWrite beforeWrite) {
        this.registry = registry;
        this.beforeWrite = beforeWrite;
    }

    /** Trains on every available core, to the end. */
    public Outcome train(TrainSpec spec, String user, GridSearch.Progress progress) {
        return train(spec, user, progress, SearchOptions.defaults());
    }

    /**
     * Trains as {@code options} say: on how many cores, and until when.
     *
     * @throws TrainingStopped when {@code options} or {@code progress} stop the job ("stopped after N
     *                         of M fits: reason"); nothing is registered
     */
    public Outcome train(TrainSpec spec, String user, GridSearch.Progress progress, SearchOptions options) {
        HoldOut split = spec.split();
        long started = System.nanoTime();
        // the search, the refit and the export's verification see the training part only
        SearchPlan plan = SearchPlan.of(spec, split.training());
        SearchPlan.Scores scores = plan.aggregate(CrossValidator.run(plan, options, progress));
        return finish(spec, split, plan, scores, user, progress, options, started);
    }

    /**
     * The end of a search whose fits ran elsewhere ({@link SearchPlan#fit}, one result per fit):
     * aggregates them into the candidates' scores and does what {@link #train} does after its
     * fits: the refit of the best candidate on every training row, export, verification,
     * registration. {@code searchSeconds} (the fits' wall time) counts into the reported
     * training time.
     *
     * @throws TrainingStopped when {@code options} stop the job before registration; nothing is registered
     */
    public Outcome finish(TrainSpec spec, Collection<SearchPlan.FitResult> results, String user, SearchOptions options,
            double searchSeconds) {
        HoldOut split = spec.split();
        SearchPlan plan = SearchPlan.of(spec, split.training());
        SearchPlan.Scores scores = plan.aggregate(results);
        long started = System.nanoTime() - (long) (searchSeconds * 1e9);
        return finish(spec, split, plan, scores, user, (done, total) -> { }, options, started);
    }

    private Outcome finish(TrainSpec spec, HoldOut split, SearchPlan plan, SearchPlan.Scores scores, String user,
            GridSearch.Progress progress, SearchOptions options, long started) {
        TabularDataset data = plan.data();
        int fits = plan.fitCount() + 1;
        CrossValidator.checkBeforeRefit(options, fits);
        Model<?> model = plan.refit(scores.best(), options);
        CrossValidator.refitDone(progress, fits);
        Map<String, Object> evaluation = new LinkedHashMap<>();
        byte[] onnx;
        if (spec.isRegression()) {
            @SuppressWarnings("unchecked")
            Model<Regressor> regressor = (Model<Regressor>) model;
            onnx = OnnxPreprocessing.wrap(exportRegressor(spec.algorithm(), regressor, data), data.schema());
            ExportVerifier.verifyRegressor(onnx, regressor, data);
            split.heldOut().ifPresent(heldOut -> evaluation.putAll(Evaluation.regressor(regressor, heldOut)));
        } else {
            @SuppressWarnings("unchecked")
            Model<Label> classifier = (Model<Label>) model;
            onnx = OnnxPreprocessing.wrap(exportClassifier(spec.algorithm(), classifier, data), data.schema());
            ExportVerifier.verify(onnx, classifier, data);
            split.heldOut().ifPresent(heldOut -> evaluation.putAll(
                    Evaluation.classifier(classifier, heldOut, data.classes())));
        }
        List<GridSearch.CandidateScore> candidates = scores.candidates();
        GridSearch.CandidateScore best = scores.bestCandidate();
        double seconds = (System.nanoTime() - started) / 1e9;
        if (!evaluation.isEmpty()) {
            evaluation.put("test_size", spec.testSize());
        }
        Map<String, Object> encodedImportances = Evaluation.featureImportances(model, data.featureNames());
        // by raw column (what a caller sends), summed over the column's encoded features
        Map<String, Object> importances = data.schema().plain() || encodedImportances.isEmpty() ? encodedImportances
                : Evaluation.byColumn(encodedImportances, data.schema());
        byte[] provenance = new JsonProvenanceSerialization(true).marshalAndSerialize(model.getProvenance())
                .getBytes(StandardCharsets.UTF_8);
        int total = spec.totalFits();
        options.stopReason().ifPresent(reason -> {
            throw new TrainingStopped(reason + " (before registration)", total, total);
        });
        String metric = spec.scoring().value();
        beforeWrite.check(spec.modelName());
        Manifest manifest = registry.register(ModelRegistration.builder()
                .setName(spec.modelName())
                .setKind(ModelKind.TABULAR)
                .setModelFile(MODEL_FILE)
                .setCreatedBy(user)
                .optDescription(spec.algorithm().value() + " " + spec.task() + " trained by grid search on "
                        + data.size() + " rows" + (spec.testSize() > 0 ? " (" + split.heldOut().orElseThrow().size()
                        + " more held out)" : ""))
                .optFeatureNames(data.schema().plain() ? data.featureNames()
                        : data.schema().used().stream().map(TableSchema.Column::name).toList())
                .optLabels(spec.isRegression() ? List.of() : data.classes())
                .optTarget(data.target())
                .optMetrics(metrics(metric, candidates, best, seconds, evaluation, importances, encodedImportances))
                .optParameters(withBaseline(parameters(spec, best), data))
                .build(), List.of(new ModelFile(MODEL_FILE, onnx), new ModelFile(PROVENANCE_FILE, provenance)));
        if (spec.deploy()) {
            try {
                beforeWrite.check(spec.modelName());
            } catch (RuntimeException e) {
                // The version just registered is not the name's owner's to keep either.
                registry.deleteVersion(manifest.name(), manifest.version());
                throw e;
            }
            registry.setAlias(spec.modelName(), "production", manifest.version(), user);
        }
        return new Outcome(candidates, best, model, metric, manifest, evaluation, importances);
    }

    @SuppressWarnings("unchecked")
    private static byte[] exportClassifier(Algorithm algorithm, Model<Label> model, TabularDataset data) {
        return algorithm.isLinear()
                ? LinearOnnxExporter.export(model, data.featureNames(), data.classes())
                : TreeOnnxExporter.export(model, data.featureNames(), data.classes());
    }

    private static byte[] exportRegressor(Algorithm algorithm, Model<Regressor> model, TabularDataset data) {
        return algorithm.isLinear()
                ? LinearOnnxExporter.exportRegressor(model, data.featureNames())
                : TreeRegressorOnnxExporter.export(model, data.featureNames());
    }

    private static Map<String, Object> metrics(String metric, List<GridSearch.CandidateScore> all,
            GridSearch.CandidateScore best, double seconds, Map<String, Object> evaluation,
            Map<String, Object> importances, Map<String, Object> encodedImportances) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("metric", metric);
        metrics.put("best_score", best.meanScore());
        metrics.put("best_score_std", best.stdScore());
        List<Map<String, Object>> candidates = new ArrayList<>();
        for (GridSearch.CandidateScore c : all) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("params", nonNull(c.params()));
            row.put("mean_score", c.meanScore());
            row.put("std_score", c.stdScore());
            row.put("mean_fit_time", c.meanFitSeconds());
            candidates.add(row);
        }
        metrics.put("cv_results", candidates);
        metrics.put("training_seconds", seconds);
        if (!evaluation.isEmpty()) {
            metrics.put("held_out", evaluation);
        }
        if (!importances.isEmpty()) {
            metrics.put("feature_importances", importances);
            metrics.put("feature_importances_kind", "split_count");
            if (!encodedImportances.equals(importances)) {
                metrics.put("feature_importances_encoded", encodedImportances);
            }
        }
        return metrics;
    }

    private static Map<String, Object> parameters(TrainSpec spec, GridSearch.CandidateScore best) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("algorithm", spec.algorithm().value());
        parameters.put("task", spec.task());
        parameters.put("scoring", spec.scoring().value());
        parameters.put("best_params", nonNull(best.params()));
        parameters.put("param_grid", grid(spec.params()));
        parameters.put("cv_folds", spec.cvFolds());
        parameters.put("seed", spec.seed());
        parameters.put("rows", spec.dataset().size());
        HoldOut split = spec.split();
        parameters.put("training_rows", split.training().size());
        if (spec.testSize() > 0) {
            parameters.put("test_size", spec.testSize());
            parameters.put("held_out_rows", split.heldOut().orElseThrow().size());
        }
        parameters.put("class_weight", spec.classWeight() == ClassWeight.BALANCED ? "balanced" : "none");
        parameters.put("feature_order", spec.dataset().featureNames());
        TableSchema schema = spec.dataset().schema();
        if (!schema.plain() || schema.used().size() < schema.columns().size()) {
            // Every column with its type and encoding; predict reads it to encode raw rows (TableSchema).
            parameters.put("columns", schema.describe());
            parameters.put("onnx_inputs", schema.hasText()
                    ? Map.of(OnnxPreprocessing.NUMERIC, schema.numericWidth(), OnnxPreprocessing.TEXT,
                            schema.textColumns().size())
                    : Map.of(TreeOnnxExporter.INPUT, schema.numericWidth()));
        }
        Map<String, Object> dataset = new LinkedHashMap<>();
        dataset.put("rows", spec.dataset().size());
        dataset.put("sha256", spec.datasetSha256());
        spec.datasetId().ifPresent(id -> dataset.put("id", id));
        parameters.put("dataset", dataset);
        parameters.put("library", "tribuo " + TRIBUO_VERSION);
        parameters.put("libraries", Map.of("tribuo", TRIBUO_VERSION, "java", System.getProperty("java.version"),
                "onnx_opset", 15));
        parameters.put("provenance_file", PROVENANCE_FILE);
        return parameters;
    }

    /** The parameters with the training rows' {@link FeatureProfiles drift baseline}, which predict counts served inputs against. */
    private static Map<String, Object> withBaseline(Map<String, Object> parameters, TabularDataset training) {
        parameters.put(DriftBaseline.PARAMETER, FeatureProfiles.of(training).toParameter());
        return parameters;
    }

    /** The grid as given, {@code null} values written {@code "none"}. */
    private static Map<String, Object> grid(Map<String, List<Object>> grid) {
        Map<String, Object> copy = new LinkedHashMap<>();
        grid.forEach((k, values) -> copy.put(k, values.stream().map(v -> v == null ? (Object) "none" : v).toList()));
        return copy;
    }

    /** The registry refuses null values: an unlimited {@code max_depth} is written {@code "none"}. */
    private static Map<String, Object> nonNull(Map<String, Object> params) {
        Map<String, Object> copy = new LinkedHashMap<>();
        params.forEach((k, v) -> copy.put(k, v == null ? "none" : v));
        return copy;
    }
}
