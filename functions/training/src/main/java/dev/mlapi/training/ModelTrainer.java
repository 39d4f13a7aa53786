package dev.mlapi.training;

import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.ModelRegistryWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.Model;

/**
 * Runs a training request (classification or regression) to its end: grid search, export of the refit model to ONNX,
 * verification against Tribuo on every training row, and registration as the next version of the
 * named model (kind {@code tabular}, with feature names, labels, CV results and parameters), the
 * {@code production} alias moved to it when the request says {@code deploy}. Any failure before
 * registration registers nothing.
 */
public final class ModelTrainer {

    /** What a finished job reports: every candidate's scores, the best one, the refit Tribuo model and the registered version. */
    public record Outcome(List<GridSearch.CandidateScore> candidates, GridSearch.CandidateScore best, Model<?> model,
            String metric, Manifest manifest) {
    }

    private final ModelRegistryWriter registry;

    public ModelTrainer(ModelRegistryWriter registry) {
        this.registry = registry;
    }

    public Outcome train(TrainSpec spec, String user, GridSearch.Progress progress) {
        TabularDataset data = spec.dataset();
        long started = System.nanoTime();
        List<GridSearch.CandidateScore> candidates;
        GridSearch.CandidateScore best;
        Model<?> model;
        byte[] onnx;
        String metric;
        if (spec.isRegression()) {
            RegressionSearch.Result search = RegressionSearch.run(data, spec.algorithm(), spec.candidates(),
                    spec.cvFolds(), spec.seed(), progress);
            onnx = TreeRegressorOnnxExporter.export(search.model(), data.featureNames());
            ExportVerifier.verifyRegressor(onnx, search.model(), data);
            candidates = search.candidates();
            best = search.bestCandidate();
            model = search.model();
            metric = "r2";
        } else {
            GridSearch.Result search = GridSearch.run(data, spec.algorithm(), spec.candidates(), spec.cvFolds(),
                    spec.seed(), progress);
            onnx = TreeOnnxExporter.export(search.model(), data.featureNames(), data.classes());
            ExportVerifier.verify(onnx, search.model(), data);
            candidates = search.candidates();
            best = search.bestCandidate();
            model = search.model();
            metric = "accuracy";
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Manifest manifest = registry.register(ModelRegistration.builder()
                .setName(spec.modelName())
                .setKind(ModelKind.TABULAR)
                .setModelFile("model.onnx")
                .setCreatedBy(user)
                .optDescription(spec.algorithm().value() + " " + spec.task() + " trained by grid search on "
                        + data.size() + " rows")
                .optFeatureNames(data.featureNames())
                .optLabels(spec.isRegression() ? List.of() : data.classes())
                .optTarget(data.target())
                .optMetrics(metrics(metric, candidates, best, seconds))
                .optParameters(parameters(spec, best))
                .build(), List.of(new ModelFile("model.onnx", onnx)));
        if (spec.deploy()) {
            registry.setAlias(spec.modelName(), "production", manifest.version(), user);
        }
        return new Outcome(candidates, best, model, metric, manifest);
    }

    private static Map<String, Object> metrics(String metric, List<GridSearch.CandidateScore> all,
            GridSearch.CandidateScore best, double seconds) {
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
        return metrics;
    }

    private static Map<String, Object> parameters(TrainSpec spec, GridSearch.CandidateScore best) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("algorithm", spec.algorithm().value());
        parameters.put("task", spec.task());
        parameters.put("best_params", nonNull(best.params()));
        parameters.put("cv_folds", spec.cvFolds());
        parameters.put("seed", spec.seed());
        parameters.put("rows", spec.dataset().size());
        parameters.put("library", "tribuo 4.3.2");
        return parameters;
    }

    /** The registry refuses null values: an unlimited {@code max_depth} is written {@code "none"}. */
    private static Map<String, Object> nonNull(Map<String, Object> params) {
        Map<String, Object> copy = new LinkedHashMap<>();
        params.forEach((k, v) -> copy.put(k, v == null ? "none" : v));
        return copy;
    }
}
