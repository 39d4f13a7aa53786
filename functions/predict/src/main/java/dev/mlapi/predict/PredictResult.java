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

    /** The version that answered; {@code version} is an integer, as everywhere in the API. */
    public record ModelInfo(String name, int version) {
    }
}
