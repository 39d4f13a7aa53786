package dev.mlapi.predict;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** The answer of {@code /predict}: one prediction per instance, in request order. */
public record PredictResult(List<Prediction> predictions, ModelInfo model, double processingTime) {

    public PredictResult {
        predictions = List.copyOf(predictions);
    }

    /** A classification ({@code label}, and {@code probabilities} by label when the model gives them) or a regression {@code value}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Prediction(String label, Map<String, Double> probabilities, Double value) {
    }

    /**
     * The version that answered ({@code version} is an integer, as everywhere in the API) and its role
     * in the alias the request named: {@code stable}, or {@code canary} for a request an alias's canary served.
     */
    public record ModelInfo(String name, int version, String role) {

        /** A version that answered as the stable one. */
        public ModelInfo(String name, int version) {
            this(name, version, "stable");
        }
    }
}
