package dev.mlapi.core.observability;

import java.time.Duration;

/**
 * How long one model operation took, in the function that ran it.
 *
 * @param metric   which operation
 * @param function the function that ran it
 * @param model    the model's reference, e.g. {@code mobilenetv2@3}
 * @param took     the time it took
 */
public record ModelTiming(ModelMetric metric, String function, String model, Duration took) {

    /** The model operations that are timed; each name is the EMF metric's name. */
    public enum ModelMetric {
        MODEL_LOAD_TIME("model_load_time"),
        INFERENCE_TIME("inference_time");

        private final String metricName;

        ModelMetric(String metricName) {
            this.metricName = metricName;
        }

        public String metricName() {
            return metricName;
        }
    }
}
