package dev.mlapi.core.users;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a username may be: 3-32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter
 * or digit. Every username that reaches the users table as a key is checked here first, so an
 * odd or 3000-character one is a 400 and never a storage error.
 */
public final class Usernames {

    public static final int MAX_LENGTH = 32;
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{2," + (MAX_LENGTH - 1) + "}");
    private static final String RULE =
            "must be 3-" + MAX_LENGTH + " characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit";

    private Usernames() {
    }

    /** Whether {@code username} (already lower-case and trimmed) is a valid username. */
    public static boolean isValid(String username) {
        return username != null && username.length() <= MAX_LENGTH && USERNAME.matcher(username).matches();
    }

    /** Why a username is refused, for field errors. */
    public static String rule() {
        return RULE;
    }

    /** {@code raw} trimmed and lower-cased, or a 400 naming {@code field} when it is missing or not a valid username. */
    public static String require(String field, String raw) {
        if (raw == null || raw.isBlank()) {
            throw InvalidInput.field(field, "is required");
        }
        if (raw.length() > MAX_LENGTH * 4) {
            throw InvalidInput.field(field, RULE);
        }
        String username = raw.trim().toLowerCase(Locale.ROOT);
        if (!isValid(username)) {
            throw InvalidInput.field(field, RULE);
        }
        return username;
    }
}
