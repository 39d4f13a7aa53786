package dev.mlapi.classify;

import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * An image URL as it may be stored in the request history: scheme, host, port and the shape of
 * the path kept; the user-info part dropped entirely; every query value replaced unless its
 * parameter is on a short allow-list of harmless image options; secret-looking path segments
 * (long random-looking tokens, JWTs, the segment after {@code /token/}) and the fragment
 * replaced; cut to {@value #MAX_LENGTH} characters. What is not a URL is not stored at all.
 */
final class HistoryUrl {

    static final int MAX_LENGTH = 2048;
    static final String REDACTED = "REDACTED";

    /** Query parameters whose values describe the image, not the caller. */
    static final Set<String> ALLOWED_PARAMETERS = Set.of("w", "h", "width", "height", "size", "format", "fm",
            "fit", "dpr", "quality", "v");

    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://");
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z0-9_.\\-\\[\\]]{1,40}");
    private static final Pattern SENSITIVE_WORD = Pattern.compile(
            ".*(signature|token|credential|secret|password|passwd|pwd|key|auth|session|sig|code|otp).*");
    /** A run of token characters long enough to be a key or a signature (slugs' words are shorter). */
    private static final Pattern TOKEN_RUN = Pattern.compile("[A-Za-z0-9+=~]{16,}");
    private static final Pattern HEX_RUN = Pattern.compile("[0-9a-fA-F]{32,}");
    private static final Pattern JWT = Pattern.compile("[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*");

    private HistoryUrl() {
    }

    static String of(String url) {
        if (url == null) {
            return null;
        }
        String clipped = url.length() > MAX_LENGTH * 2 ? url.substring(0, MAX_LENGTH * 2) : url;
        var scheme = SCHEME.matcher(clipped);
        if (!scheme.find()) {
            return REDACTED;
        }
        String rest = clipped.substring(scheme.end());
        int authorityEnd = indexOfAny(rest, "/?#\\");
        String authority = rest.substring(0, authorityEnd);
        // user:pw1@pw2@host: everything up to the last '@' is user-info, however many there are
        String host = authority.substring(authority.lastIndexOf('@') + 1);
        String afterAuthority = rest.substring(authorityEnd);
        int fragment = afterAuthority.indexOf('#');
        if (fragment >= 0) {
            afterAuthority = afterAuthority.substring(0, fragment);
        }
        int queryStart = afterAuthority.indexOf('?');
        String path = queryStart < 0 ? afterAuthority : afterAuthority.substring(0, queryStart);
        String query = queryStart < 0 ? null : afterAuthority.substring(queryStart + 1);

        StringBuilder out = new StringBuilder(clipped.length());
        out.append(clipped, 0, scheme.end()).append(host).append(redactPath(path));
        if (query != null) {
            out.append('?').append(redactQuery(query));
        }
        return out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) : out.toString();
    }

    private static String redactPath(String path) {
        if (path.isEmpty()) {
            return path;
        }
        String[] segments = path.split("/", -1);
        boolean afterSensitiveName = false;
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.isEmpty()) {
                continue;
            }
            if (afterSensitiveName || looksSecret(segment)) {
                segments[i] = REDACTED;
                afterSensitiveName = false;
            } else {
                afterSensitiveName = segment.length() <= 20
                        && SENSITIVE_WORD.matcher(segment.toLowerCase(Locale.ROOT)).matches();
            }
        }
        return String.join("/", segments);
    }

    private static String redactQuery(String query) {
        StringJoiner out = new StringJoiner("&");
        for (String parameter : query.split("[&;]", -1)) {
            if (parameter.isEmpty()) {
                continue;
            }
            int equals = parameter.indexOf('=');
            String name = equals < 0 ? parameter : parameter.substring(0, equals);
            if (!PARAMETER_NAME.matcher(name).matches() || looksSecret(name)) {
                out.add(REDACTED);
            } else if (equals < 0) {
                out.add(name);
            } else if (ALLOWED_PARAMETERS.contains(name.toLowerCase(Locale.ROOT))
                    && !looksSecret(parameter.substring(equals + 1))) {
                out.add(parameter);
            } else {
                out.add(name + "=" + REDACTED);
            }
        }
        return out.toString();
    }

    /**
     * Whether {@code text} holds something that reads like a credential: a key=value pair with a
     * sensitive name, a JWT, a long hex string, or 16 or more token characters mixing letters and
     * digits without a separator (a key, a signature, a session id).
     */
    static boolean looksSecret(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if ((text.indexOf('=') > 0 || text.indexOf(':') > 0) && SENSITIVE_WORD.matcher(lower).matches()) {
            return true;
        }
        if (JWT.matcher(text).find()) {
            return true;
        }
        var hex = HEX_RUN.matcher(text);
        while (hex.find()) {
            if (hex.group().chars().anyMatch(Character::isDigit)) {
                return true;
            }
        }
        var runs = TOKEN_RUN.matcher(text);
        while (runs.find()) {
            String run = runs.group();
            if (run.chars().anyMatch(Character::isLetter) && run.chars().anyMatch(Character::isDigit)) {
                return true;
            }
        }
        return false;
    }

    private static int indexOfAny(String text, String characters) {
        for (int i = 0; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return text.length();
    }
}
