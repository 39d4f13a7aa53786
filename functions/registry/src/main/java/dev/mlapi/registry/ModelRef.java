package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * A reference to a registered model as callers write it: {@code name} (latest version),
 * {@code name:3} (a version) or {@code name@production} (an alias).
 */
public record ModelRef(String name, OptionalInt version, Optional<String> alias) {

    /** Model and alias names: lower-case, no path separators, no {@code ..}. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    public ModelRef {
        requireName("model", name);
        alias.ifPresent(a -> requireName("alias", a));
        if (version.isPresent() && alias.isPresent()) {
            throw new IllegalArgumentException("a model reference has a version or an alias, not both");
        }
    }

    public static ModelRef parse(String field, String text) {
        if (text == null || text.isBlank()) {
            throw InvalidInput.field(field, "must be 'name', 'name:version' or 'name@alias'");
        }
        int at = text.indexOf('@');
        int colon = text.indexOf(':');
        try {
            if (at >= 0) {
                return new ModelRef(text.substring(0, at), OptionalInt.empty(), Optional.of(text.substring(at + 1)));
            }
            if (colon >= 0) {
                return new ModelRef(text.substring(0, colon), OptionalInt.of(parseVersion(field, text.substring(colon + 1))),
                        Optional.empty());
            }
            return new ModelRef(text, OptionalInt.empty(), Optional.empty());
        } catch (InvalidInput e) {
            throw InvalidInput.field(field, e.errors().isEmpty() ? e.detail() : e.errors().get(0).message());
        }
    }

    /** A version as written in a path or body: a positive integer. */
    public static int parseVersion(String field, String text) {
        try {
            int version = Integer.parseInt(text);
            if (version < 1) {
                throw InvalidInput.field(field, "version must be a positive integer");
            }
            return version;
        } catch (NumberFormatException e) {
            String shown = text == null || text.length() <= 40 ? text : text.substring(0, 40) + "… (" + text.length()
                    + " characters)";
            throw InvalidInput.field(field, "version must be a positive integer, got '" + shown + "'");
        }
    }

    /** Throws a 400 naming {@code field} unless {@code value} is a safe model or alias name. */
    public static String requireName(String field, String value) {
        if (value == null || !NAME.matcher(value).matches() || value.contains("..")) {
            throw InvalidInput.field(field, "must match [a-z0-9][a-z0-9._-]{0,63} without '..'");
        }
        return value;
    }

    @Override
    public String toString() {
        return name + version.stream().mapToObj(v -> ":" + v).findFirst().orElse("")
                + alias.map(a -> "@" + a).orElse("");
    }
}
