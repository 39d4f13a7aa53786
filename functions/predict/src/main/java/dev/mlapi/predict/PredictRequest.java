package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.registry.ModelRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a caller asked to predict: a model reference and instances, each an array of numbers in
 * the model's feature order or an object by feature name. Their shape is checked here; whether
 * they fit the model is checked by {@link Features} once the model is known.
 *
 * <p>{@code POST /predict} takes {@code {"model", "instances"}} as JSON; {@code GET /predict}
 * takes {@code model} and one instance as {@code <feature>=<value>} query parameters.
 */
public record PredictRequest(ModelRef model, List<JsonNode> instances) {

    public static final int MAX_INSTANCES = 10_000;

    public PredictRequest {
        instances = List.copyOf(instances);
    }

    public static PredictRequest from(ApiRequest request) {
        if (request.method().equals("GET")) {
            return fromQuery(request.queryParameters());
        }
        JsonNode body = request.json(JsonNode.class);
        if (body == null || !body.isObject()) {
            throw new InvalidInput("the body must be a JSON object {\"model\", \"instances\"}");
        }
        List<FieldError> errors = new ArrayList<>();
        body.fieldNames().forEachRemaining(name -> {
            if (!name.equals("model") && !name.equals("instances")) {
                errors.add(new FieldError(name, "is not a field of a predict request (model, instances)"));
            }
        });
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual()) {
            errors.add(new FieldError("model", "is required: 'name', 'name:version' or 'name@alias'"));
        }
        JsonNode instances = body.get("instances");
        if (instances == null || !instances.isArray() || instances.isEmpty()) {
            errors.add(new FieldError("instances", "is required: a non-empty array of instances"));
        } else if (instances.size() > MAX_INSTANCES) {
            errors.add(new FieldError("instances", "at most " + MAX_INSTANCES + " instances per request, got "
                    + instances.size()));
        } else {
            for (int i = 0; i < instances.size(); i++) {
                if (!instances.get(i).isArray() && !instances.get(i).isObject()) {
                    errors.add(new FieldError("instances[" + i + "]",
                            "must be an array of feature values or an object by feature name"));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw Features.invalid(errors);
        }
        List<JsonNode> list = new ArrayList<>();
        instances.forEach(list::add);
        return new PredictRequest(ModelRef.parse("model", model.asText().trim()), list);
    }

    /** {@code model=iris&sepal_length=5.1&…}: one instance by feature name, the values still text. */
    static PredictRequest fromQuery(Map<String, String> query) {
        String model = query.get("model");
        if (model == null || model.isBlank()) {
            throw InvalidInput.field("model", "is required: 'name', 'name:version' or 'name@alias'");
        }
        ObjectNode instance = JsonNodeFactory.instance.objectNode();
        query.forEach((name, value) -> {
            if (!name.equals("model")) {
                instance.put(name, value);
            }
        });
        if (instance.isEmpty()) {
            throw InvalidInput.field("instances[0]", "give the features as query parameters: ?model=…&<feature>=<value>");
        }
        return new PredictRequest(ModelRef.parse("model", model.trim()), List.of(instance));
    }

    @Override
    public String toString() {
        return "PredictRequest[model=" + model + ", instances=" + instances.size() + "]";
    }
}
