package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns request instances into the rows a model takes, checking each against the model's
 * features: count, names, finite numbers. Every problem is a field error naming the instance and
 * the feature ({@code instances[3][1]}, {@code instances[0].petal_width}); all of them are
 * reported at once, up to {@link #MAX_ERRORS}.
 */
final class Features {

    static final int MAX_ERRORS = 20;

    private Features() {
    }

    /**
     * @param featureCount the graph's fixed feature count, or -1 when dynamic
     * @param names        the manifest's feature names in model order; empty when unknown
     */
    static double[][] rows(List<JsonNode> instances, long featureCount, List<String> names) {
        int width = (int) (featureCount > 0 ? featureCount : names.isEmpty() ? -1 : names.size());
        List<FieldError> errors = new ArrayList<>();
        double[][] rows = new double[instances.size()][];
        for (int i = 0; i < instances.size() && errors.size() < MAX_ERRORS; i++) {
            JsonNode instance = instances.get(i);
            String at = "instances[" + i + "]";
            if (instance.isArray()) {
                if (width < 0) {
                    width = instance.size();
                }
                if (instance.size() != width) {
                    errors.add(new FieldError(at, "has " + instance.size() + " values; the model takes " + width
                            + " features" + (names.isEmpty() ? "" : " " + names)));
                    continue;
                }
                rows[i] = new double[width];
                for (int f = 0; f < width; f++) {
                    rows[i][f] = number(instance.get(f), at + "[" + f + "]", errors);
                }
            } else {
                if (names.isEmpty()) {
                    errors.add(new FieldError(at, "this model has no feature names in its manifest: give the instance"
                            + " as an array of " + (width > 0 ? width + " " : "") + "values in feature order"));
                    continue;
                }
                rows[i] = byName(instance, names, at, errors);
            }
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return rows;
    }

    private static double[] byName(JsonNode instance, List<String> names, String at, List<FieldError> errors) {
        double[] row = new double[names.size()];
        Set<String> seen = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = instance.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            int index = names.indexOf(field.getKey());
            if (index < 0) {
                errors.add(new FieldError(at + "." + field.getKey(), "is not a feature of this model; its features are "
                        + names));
            } else {
                seen.add(field.getKey());
                row[index] = number(field.getValue(), at + "." + field.getKey(), errors);
            }
        }
        for (String name : names) {
            if (!seen.contains(name)) {
                errors.add(new FieldError(at + "." + name, "is missing"));
            }
        }
        return row;
    }

    /** A finite number, given as a JSON number or (from a query string) as text. */
    private static double number(JsonNode node, String field, List<FieldError> errors) {
        double value;
        if (node.isNumber()) {
            value = node.doubleValue();
        } else if (node.isTextual()) {
            try {
                value = Double.parseDouble(node.asText().trim());
            } catch (NumberFormatException e) {
                errors.add(new FieldError(field, "must be a number, got '" + node.asText() + "'"));
                return 0;
            }
        } else {
            errors.add(new FieldError(field, "must be a number, got " + (node.isNull() ? "null" : node.getNodeType()
                    .toString().toLowerCase(java.util.Locale.ROOT))));
            return 0;
        }
        if (!Double.isFinite(value)) {
            errors.add(new FieldError(field, "must be a finite number, got " + node.asText()));
        }
        return value;
    }

    static InvalidInput invalid(List<FieldError> errors) {
        String detail = errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " invalid fields, the first " + errors.get(0).field() + ": " + errors.get(0).message();
        return new InvalidInput(detail, errors);
    }
}
