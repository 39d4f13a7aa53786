package dev.mlapi.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request's {@code class_weight}, as scikit-learn defines it: {@code "balanced"} weighs each
 * training row of class c by {@code n_samples / (n_classes × count_c)}, counted on the rows each fit
 * trains on (a fold's training rows, then the refit's); absent or null weighs every row 1.
 */
public enum ClassWeight {
    NONE,
    BALANCED;

    static ClassWeight parse(JsonNode node, boolean regression) {
        if (node == null || node.isNull()) {
            return NONE;
        }
        if (!node.isTextual() || !node.asText().equals("balanced")) {
            throw InvalidInput.field("class_weight", "must be \"balanced\" or null (absent: every row weighs 1), got "
                    + HoldOut.shown(node));
        }
        if (regression) {
            throw InvalidInput.field("class_weight", "weighs classes, so it applies to classification only");
        }
        return BALANCED;
    }

    /** Each class's weight over {@code targets} (1 for every class when {@link #NONE}). */
    Map<String, Double> weights(List<String> targets) {
        Map<String, Integer> counts = new TreeMap<>();
        targets.forEach(t -> counts.merge(t, 1, Integer::sum));
        Map<String, Double> weights = new TreeMap<>();
        counts.forEach((c, n) -> weights.put(c, this == NONE ? 1.0
                : (double) targets.size() / ((double) counts.size() * n)));
        return weights;
    }
}
