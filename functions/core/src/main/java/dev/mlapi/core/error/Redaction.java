package dev.mlapi.core.error;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one redaction step for text that leaves the process (problem details, the request log):
 * values of sensitive fields ({@code password=…}, {@code "token": "…"}), bearer tokens and JWTs
 * become {@value #REDACTED}. Only values: the words around a field's name stay, so a problem
 * detail such as {@code password: must be 8 to 128 characters long} reads as written. Parsers should not quote such values in the first place
 * ({@link #isSensitiveField(String)}); this catches what they quote anyway.
 */
public final class Redaction {

    public static final String REDACTED = "REDACTED";

    private static final String SENSITIVE_NAME =
            "(?:[a-z0-9_-]*(?:password|passwd|pwd|secret|token|api[_-]?key|credential|authorization|signature))";
    private static final Pattern SENSITIVE_FIELD = Pattern.compile(SENSITIVE_NAME);
    /**
     * Where a name may start in running text: not inside a word. Without it every position of a
     * long word is a start, and the name's open prefix makes the search quadratic (a 100 KB
     * version string in a problem detail held a thread for minutes).
     */
    private static final String WORD_START = "(?<![a-z0-9_-])";
    /** An HTTP auth scheme: its credentials are the word after it ({@code Authorization: Bearer abc…}). */
    private static final String SCHEME = "(?:bearer|basic|digest)\\s+";
    /** A value as input quotes it: a scheme and its credentials, a quoted string, or one bare word. */
    private static final String VALUE =
            "(" + SCHEME + "[^\\s,;&}\\]'\"]+|\"[^\"]*\"?|'[^']*'?|[^\\s,;&}\\]]+)";
    /** A scheme before a placeholder ({@code Authorization: Bearer <token>}, in help texts) is no secret. */
    private static final String NOT_PLACEHOLDER = "(?!" + SCHEME + "<[a-z_ -]+>)";
    /**
     * A sensitive name bound to a value as input writes it: {@code name=value} (forms, queries) or
     * a quoted name, {@code "name": value} (JSON). Any value is redacted.
     */
    private static final Pattern ASSIGNED_VALUE = Pattern.compile(
            "(?i)((?:" + WORD_START + SENSITIVE_NAME + "[\"']?\\s*=|[\"']" + SENSITIVE_NAME + "[\"']\\s*:)\\s*)"
                    + NOT_PLACEHOLDER + VALUE);
    /**
     * A bare {@code name: value}. This is also how problem details name a field
     * ({@code password: is required}), so only what input would quote is a value here: a scheme
     * and its credentials ({@code Authorization: Bearer …}) or a quoted string; the words of a
     * message stay.
     */
    private static final Pattern LABELLED_VALUE = Pattern.compile(
            "(?i)(" + WORD_START + SENSITIVE_NAME + "\\s*:\\s*)" + NOT_PLACEHOLDER
                    + "(" + SCHEME + "[^\\s,;&}\\]'\"]+|\"[^\"]*\"?|'[^']*'?)");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]{8,}");
    private static final Pattern JWT = Pattern.compile("(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");

    private Redaction() {
    }

    /** Whether a field of this name ({@code password}, {@code new_password}, {@code refresh_token}, …) holds a secret. */
    public static boolean isSensitiveField(String name) {
        return name != null && SENSITIVE_FIELD.matcher(name.toLowerCase(Locale.ROOT)).matches();
    }

    /** {@code text} with sensitive values replaced; null stays null. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String redacted = ASSIGNED_VALUE.matcher(text).replaceAll("$1" + REDACTED);
        redacted = LABELLED_VALUE.matcher(redacted).replaceAll("$1" + REDACTED);
        redacted = BEARER.matcher(redacted).replaceAll("$1" + REDACTED);
        return JWT.matcher(redacted).replaceAll(REDACTED);
    }
}
