package dev.mlapi.classify;

import java.util.List;

/**
 * The answer of {@code POST /classify}, rendered in snake_case:
 * {@code {"classification","confidence","predictions":[{"class_id","label","probability"}],
 * "model":{"name","version"},"image":{"width","height","bytes"},"processing_time"}}.
 */
public record ClassifyResult(String classification, double confidence, List<Prediction> predictions,
        ModelInfo model, ImageInfo image, double processingTime) {

    /** One class with its probability. */
    public record Prediction(int classId, String label, double probability) {
    }

    /**
     * The model version that answered (an integer, as in every answer of the API) and its role in the
     * alias the request named: {@code stable}, or {@code canary} for a request an alias's canary served.
     */
    public record ModelInfo(String name, int version, String role) {

        /** A version that answered as the stable one. */
        public ModelInfo(String name, int version) {
            this(name, version, "stable");
        }
    }

    /** The image as decoded: pixel size and encoded size in bytes. */
    public record ImageInfo(int width, int height, int bytes) {
    }
}
