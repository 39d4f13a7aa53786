package dev.mlapi.imagestore;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A {@code Content-Disposition} header naming a file (RFC 6266): {@code filename} as a quoted
 * string with {@code "} and {@code \} escaped and anything outside printable ASCII replaced, and
 * {@code filename*} with the exact UTF-8 name percent-encoded, which clients prefer.
 */
final class ContentDisposition {

    private ContentDisposition() {
    }

    /** {@code inline; filename="…"; filename*=UTF-8''…} for {@code filename}. */
    static String inline(String filename) {
        StringBuilder ascii = new StringBuilder();
        filename.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') {
                ascii.append('\\').append((char) c);
            } else if (c >= 0x20 && c < 0x7f) {
                ascii.append((char) c);
            } else {
                ascii.append('_');
            }
        });
        String encoded = URLEncoder.encode(filename, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A");
        return "inline; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }
}
