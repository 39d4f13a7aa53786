package dev.mlapi.classify;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image URL as it may be stored in the request history: credentials in the user-info part
 * and the values of credential-like query parameters (presigned URLs' signatures, tokens, keys)
 * replaced, and cut to {@value #MAX_LENGTH} characters.
 */
final class HistoryUrl {

    static final int MAX_LENGTH = 2048;
    static final String REDACTED = "REDACTED";

    private static final Pattern USER_INFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#@]*@");
    private static final Pattern QUERY_PARAMETER = Pattern.compile("([?&;])([^=&;#]*)=([^&;#]*)");
    private static final Pattern SENSITIVE = Pattern.compile(
            ".*(signature|token|credential|secret|password|passwd|pwd|key|auth|session|sig).*");

    private HistoryUrl() {
    }

    static String of(String url) {
        if (url == null) {
            return null;
        }
        String clipped = url.length() > MAX_LENGTH * 2 ? url.substring(0, MAX_LENGTH * 2) : url;
        String redacted = USER_INFO.matcher(clipped).replaceFirst("$1" + REDACTED + "@");
        Matcher m = QUERY_PARAMETER.matcher(redacted);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            boolean sensitive = SENSITIVE.matcher(m.group(2).toLowerCase(Locale.ROOT)).matches();
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + m.group(2) + "="
                    + (sensitive ? REDACTED : m.group(3))));
        }
        m.appendTail(out);
        return out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) : out.toString();
    }
}
