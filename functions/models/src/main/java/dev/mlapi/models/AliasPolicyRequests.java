package dev.mlapi.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.registry.AliasGuardrail;
import dev.mlapi.registry.PromoteAfter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the shadow, guardrail and promote_after of {@code PUT /models/{name}/aliases/{alias}}; each
 * bad field is a 400 naming it ({@code guardrail.window_minutes}). A guardrail's fields left out
 * take the defaults below.
 */
final class AliasPolicyRequests {

    static final double DEFAULT_MAX_ERROR_RATE_INCREASE = 0.05;
    static final double DEFAULT_MAX_P95_RATIO = 2;
    static final int DEFAULT_MIN_REQUESTS = 20;
    static final int DEFAULT_WINDOW_MINUTES = 5;

    private AliasPolicyRequests() {
    }

    /** {@code shadow: {version}}. */
    static OptionalInt shadow(JsonNode shadow) {
        if (absent(shadow)) {
            return OptionalInt.empty();
        }
        object("shadow", shadow, Set.of("version"), "{\"version\": 5}");
        return OptionalInt.of(ModelRequests.versionField("shadow.version", shadow.get("version")));
    }

    /** {@code guardrail: {max_error_rate_increase, max_p95_ratio, min_requests, window_minutes}}. */
    static Optional<AliasGuardrail> guardrail(JsonNode guardrail) {
        if (absent(guardrail)) {
            return Optional.empty();
        }
        object("guardrail", guardrail, Set.of("max_error_rate_increase", "max_p95_ratio", "min_requests",
                "window_minutes"), "{\"max_error_rate_increase\": 0.05, \"window_minutes\": 5}");
        return Optional.of(new AliasGuardrail(
                number(guardrail, "guardrail", "max_error_rate_increase", DEFAULT_MAX_ERROR_RATE_INCREASE),
                number(guardrail, "guardrail", "max_p95_ratio", DEFAULT_MAX_P95_RATIO),
                integer(guardrail, "guardrail", "min_requests", DEFAULT_MIN_REQUESTS),
                integer(guardrail, "guardrail", "window_minutes", DEFAULT_WINDOW_MINUTES)));
    }

    /** {@code promote_after: {requests, minutes}}; {@code requests} is required, {@code minutes} defaults to 0. */
    static Optional<PromoteAfter> promoteAfter(JsonNode promote) {
        if (absent(promote)) {
            return Optional.empty();
        }
        object("promote_after", promote, Set.of("requests", "minutes"), "{\"requests\": 1000, \"minutes\": 30}");
        if (absent(promote.get("requests"))) {
            throw InvalidInput.field("promote_after.requests", "is required: how many requests the canary serves"
                    + " before it becomes the stable version");
        }
        return Optional.of(new PromoteAfter(integer(promote, "promote_after", "requests", 0),
                integer(promote, "promote_after", "minutes", 0)));
    }

    private static boolean absent(JsonNode node) {
        return node == null || node.isNull();
    }

    private static void object(String field, JsonNode node, Set<String> known, String example) {
        if (!node.isObject()) {
            throw InvalidInput.field(field, "must be an object, e.g. " + example);
        }
        List<FieldError> errors = new ArrayList<>();
        node.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                errors.add(new FieldError(field + "." + name, "is not a field of " + field + " "
                        + new TreeSet<>(known)));
            }
        });
        if (!errors.isEmpty()) {
            throw new InvalidInput(field + " has unknown fields", errors);
        }
    }

    private static double number(JsonNode node, String parent, String name, double fallback) {
        JsonNode value = node.get(name);
        if (absent(value)) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw InvalidInput.field(parent + "." + name, "must be a number");
        }
        return value.doubleValue();
    }

    private static int integer(JsonNode node, String parent, String name, int fallback) {
        JsonNode value = node.get(name);
        if (absent(value)) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw InvalidInput.field(parent + "." + name, "must be an integer");
        }
        return value.intValue();
    }
}
