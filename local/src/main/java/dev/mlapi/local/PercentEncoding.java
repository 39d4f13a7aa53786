package dev.mlapi.local;

import java.util.Optional;

/** Checks raw URI components the way a strict HTTP front does before a request is routed. */
final class PercentEncoding {

    private PercentEncoding() {
    }

    /**
     * What is wrong with {@code raw} if it is not valid percent-encoding, e.g. {@code is not valid
     * percent-encoding: '%' at character 8 is not followed by two hex digits (found '%%%')}.
     */
    static Optional<String> firstError(String raw) {
        for (int i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 1)) {
            if (i + 2 >= raw.length() || !isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2))) {
                String found = raw.substring(i, Math.min(raw.length(), i + 3));
                return Optional.of("is not valid percent-encoding: '%' at character " + (i + 1) + " is not followed by two hex digits (found '"
                        + found + "')");
            }
            i += 2;
        }
        return Optional.empty();
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
