package dev.mlapi.registry;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.Locale;

/** What a registered model does, and so which function can serve it. */
public enum ModelKind {
    IMAGE_CLASSIFIER, TABULAR;

    @JsonValue
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static ModelKind parse(String value) {
        for (ModelKind kind : values()) {
            if (kind.value().equals(value)) {
                return kind;
            }
        }
        throw InvalidInput.field("kind", "must be 'image_classifier' or 'tabular'");
    }
}
