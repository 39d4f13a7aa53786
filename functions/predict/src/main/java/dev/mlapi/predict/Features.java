package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns request instances into the rows a model takes, checking each against the model's
 * features: count, names, finite numbers. Each value goes straight into one row-major buffer of
 * the graph's input type (rows × features), with no row of its own. Every problem is a field
 * error naming the instance and the feature ({@code instances[3][1]}, {@code instances[0].petal_width});
 * all of them are reported at once, up to {@link #MAX_ERRORS}. Made once per loaded model.
 */
final class Features implements InstanceDecoder {

    static final int MAX_ERRORS = 20;

    /** The graph's fixed feature count, else the manifest's names' count, else -1 (the first array decides). */
    private final int width;
    private final List<String> names;
    private final Map<String, Integer> index;
    private final boolean doubles;

    /**
     * @param featureCount the graph's fixed feature count, or -1 when dynamic
     * @param names        the manifest's feature names in model order; empty when unknown
     * @param doubles      whether the graph's input is double (else float)
     */
    Features(long featureCount, List<String> names, boolean doubles) {
        this.width = (int) (featureCount > 0 ? featureCount : names.isEmpty() ? -1 : names.size());
        this.names = List.copyOf(names);
        this.index = new HashMap<>(names.size() * 2);
        for (int i = 0; i < names.size(); i++) {
            index.putIfAbsent(names.get(i), i);
        }
        this.doubles = doubles;
    }

    @Override
    public TabularModel.Rows decode(List<JsonNode> instances) {
        int count = instances.size();
        int width = this.width;
        float[] floats = null;
        double[] values = null;
        if (width >= 0) {
            if (doubles) {
                values = new double[count * width];
            } else {
                floats = new float[count * width];
            }
        }
        List<FieldError> errors = new ArrayList<>(0);
        for (int i = 0; i < count && errors.size() < MAX_ERRORS; i++) {
            JsonNode instance = instances.get(i);
            if (instance.isArray()) {
                if (width < 0) {
                    width = instance.size();
                    if (doubles) {
                        values = new double[count * width];
                    } else {
                        floats = new float[count * width];
                    }
                }
                if (instance.size() != width) {
                    errors.add(new FieldError(at(i), "has " + instance.size() + " values; the model takes " + width
                            + " features" + (names.isEmpty() ? "" : " " + names)));
                    continue;
                }
                int base = i * width;
                for (int f = 0; f < width; f++) {
                    double value = number(instance.get(f), i, f, null, errors);
                    if (doubles) {
                        values[base + f] = value;
                    } else {
                        floats[base + f] = (float) value;
                    }
                }
            } else if (names.isEmpty()) {
                errors.add(new FieldError(at(i), "this model has no feature names in its manifest: give the instance"
                        + " as an array of " + (width > 0 ? width + " " : "") + "values in feature order"));
            } else if (names.size() != width) {
                errors.add(new FieldError(at(i), "this model's manifest names " + names.size() + " features but its"
                        + " graph takes " + width + ": give the instance as an array of " + width
                        + " values in feature order"));
            } else {
                byName(instance, i, i * width, floats, values, errors);
            }
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        if (width < 0) {
            width = 0;
            values = doubles ? new double[0] : null;
            floats = doubles ? null : new float[0];
        }
        return new TabularModel.Rows(count, width, floats, values, null, 0);
    }

    private void byName(JsonNode instance, int i, int base, float[] floats, double[] values, List<FieldError> errors) {
        boolean[] seen = new boolean[names.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = instance.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            Integer position = index.get(field.getKey());
            if (position == null) {
                errors.add(new FieldError(at(i) + "." + field.getKey(), "is not a feature of this model; its features"
                        + " are " + names));
            } else {
                seen[position] = true;
                double value = number(field.getValue(), i, -1, field.getKey(), errors);
                if (values != null) {
                    values[base + position] = value;
                } else {
                    floats[base + position] = (float) value;
                }
            }
        }
        for (int f = 0; f < seen.length; f++) {
            if (!seen[f]) {
                errors.add(new FieldError(at(i) + "." + names.get(f), "is missing"));
            }
        }
    }

    private static String at(int instance) {
        return "instances[" + instance + "]";
    }

    /** How an error names a value: {@code instances[3][1]} by position, {@code instances[3].petal_width} by name. */
    private static String field(int instance, int position, String name) {
        return name != null ? at(instance) + "." + name : at(instance) + "[" + position + "]";
    }

    /** A finite number, given as a JSON number or (from a query string) as text. */
    private static double number(JsonNode node, int instance, int position, String name, List<FieldError> errors) {
        double value;
        if (node.isNumber()) {
            value = node.doubleValue();
        } else if (node.isTextual()) {
            try {
                value = Double.parseDouble(node.asText().trim());
            } catch (NumberFormatException e) {
                errors.add(new FieldError(field(instance, position, name), "must be a number, got '" + node.asText()
                        + "'"));
                return 0;
            }
        } else {
            errors.add(new FieldError(field(instance, position, name), "must be a number, got " + (node.isNull()
                    ? "null" : node.getNodeType().toString().toLowerCase(Locale.ROOT))));
            return 0;
        }
        if (!Double.isFinite(value)) {
            errors.add(new FieldError(field(instance, position, name), "must be a finite number, got " + node.asText()));
        }
        return value;
    }

    static InvalidInput invalid(List<FieldError> errors) {
        String detail = errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " invalid fields, the first " + errors.get(0).field() + ": " + errors.get(0).message();
        return new InvalidInput(detail, errors);
    }
}
