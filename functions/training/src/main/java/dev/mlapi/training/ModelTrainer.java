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

/**
 * Runs a training request to its end: grid search, export of the refit model to ONNX,
 * verification against Tribuo on every training row, and registration as the next version of the
 * named model (kind {@code tabular}, with feature names, labels, CV results and parameters), the
 * {@code production} alias moved to it when the request says {@code deploy}. Any failure before
 * registration registers nothing.
 */
public final class ModelTrainer {

    /** What a finished job reports: the search and the registered version. */
    public record Outcome(GridSearch.Result search, Manifest manifest) {
    }

    private final ModelRegistryWriter registry;

    public ModelTrainer(ModelRegistryWriter registry) {
        this.registry = registry;
    }

    public Outcome train(TrainSpec spec, String user, GridSearch.Progress progress) {
        TabularDataset data = spec.dataset();
        long started = System.nanoTime();
        GridSearch.Result search = GridSearch.run(data, spec.algorithm(), spec.candidates(), spec.cvFolds(), spec.seed(),
                progress);
        byte[] onnx = TreeOnnxExporter.export(search.model(), data.featureNames(), data.classes());
        ExportVerifier.verify(onnx, search.model(), data);
        double seconds = (System.nanoTime() - started) / 1e9;
        Manifest manifest = registry.register(ModelRegistration.builder()
                .setName(spec.modelName())
                .setKind(ModelKind.TABULAR)
                .setModelFile("model.onnx")
                .setCreatedBy(user)
                .optDescription(spec.algorithm().value() + " trained by grid search on " + data.size() + " rows")
                .optFeatureNames(data.featureNames())
                .optLabels(data.classes())
                .optTarget(data.target())
                .optMetrics(metrics(search, seconds))
                .optParameters(parameters(spec, search))
                .build(), List.of(new ModelFile("model.onnx", onnx)));
        if (spec.deploy()) {
            registry.setAlias(spec.modelName(), "production", manifest.version(), user);
        }
        return new Outcome(search, manifest);
    }

    private static Map<String, Object> metrics(GridSearch.Result search, double seconds) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("metric", "accuracy");
        metrics.put("best_score", search.bestCandidate().meanScore());
        metrics.put("best_score_std", search.bestCandidate().stdScore());
        List<Map<String, Object>> candidates = new ArrayList<>();
        for (GridSearch.CandidateScore c : search.candidates()) {
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

    private static Map<String, Object> parameters(TrainSpec spec, GridSearch.Result search) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("algorithm", spec.algorithm().value());
        parameters.put("task", spec.task());
        parameters.put("best_params", nonNull(search.bestCandidate().params()));
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
