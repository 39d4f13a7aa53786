package dev.mlapi.core.users;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.Locale;

/** What a caller may do: {@code user} routes, or also {@code admin} routes. */
public enum Role {
    USER, ADMIN;

    @JsonValue
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Role parse(String value) {
        for (Role role : values()) {
            if (role.value().equals(value)) {
                return role;
            }
        }
        throw InvalidInput.field("role", "must be 'user' or 'admin'");
    }
}
