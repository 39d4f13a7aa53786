package dev.mlapi.core.requestlog;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.Locale;

/**
 * A filter on the HTTP status of logged requests: one code ({@code 404}) or a class ({@code 4xx}).
 *
 * @param low  the lowest status that matches
 * @param high the highest status that matches
 */
public record StatusFilter(int low, int high) {

    /** Parses {@code 404} or {@code 4xx}; anything else is a 400 naming {@code field}. */
    public static StatusFilter parse(String field, String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.matches("[1-5]xx")) {
            int hundred = (text.charAt(0) - '0') * 100;
            return new StatusFilter(hundred, hundred + 99);
        }
        if (text.matches("[1-5][0-9][0-9]")) {
            int code = Integer.parseInt(text);
            return new StatusFilter(code, code);
        }
        throw InvalidInput.field(field, "must be a status code such as 404 or a class such as 4xx");
    }

    public boolean matches(int status) {
        return status >= low && status <= high;
    }
}
