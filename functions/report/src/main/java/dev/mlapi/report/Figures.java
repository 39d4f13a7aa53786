package dev.mlapi.report;

import dev.mlapi.core.rollup.Rollup;
import java.util.LinkedHashMap;
import java.util.Map;

/** The figures of {@code GET /stats} for one rollup (a whole range, a route, or a time bucket). */
final class Figures {

    private Figures() {
    }

    /** The figures as the API names them, in the seed's order. */
    static Map<String, Object> of(Rollup rollup) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("total_requests", rollup.requests());
        figures.put("error_rate", rollup.errorRate());
        figures.put("mean_processing_time", rollup.meanProcessingTime());
        figures.put("median_processing_time", rollup.processingTimes().quantile(0.5));
        figures.put("percentile_95_processing_time", rollup.processingTimes().quantile(0.95));
        figures.put("percentile_99_processing_time", rollup.processingTimes().quantile(0.99));
        figures.put("min_processing_time", rollup.minProcessingTime());
        figures.put("max_processing_time", rollup.maxProcessingTime());
        figures.put("average_input_size", rollup.averageInputSize());
        figures.put("average_image_width", rollup.averageImageWidth());
        figures.put("average_image_height", rollup.averageImageHeight());
        return figures;
    }
}
