package dev.mlapi.core.http;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parser of RFC 7578 {@code multipart/form-data} bodies held in memory (Lambda bodies are ≤ 6 MB). */
final class Multipart {

    private static final Pattern BOUNDARY = Pattern.compile("boundary=(?:\"([^\"]+)\"|([^;\\s]+))", Pattern.CASE_INSENSITIVE);
    /** A quoted parameter value: {@code \"} inside it is a quote (RFC 2616 quoted-pair, as curl before 7.81 sends it). */
    private static final String QUOTED = "\"((?:[^\"\\\\]|\\\\.)*)\"";
    private static final Pattern NAME = Pattern.compile("(?<![a-z*])name=" + QUOTED, Pattern.CASE_INSENSITIVE);
    private static final Pattern FILENAME = Pattern.compile("(?<![a-z*])filename=" + QUOTED, Pattern.CASE_INSENSITIVE);
    /** RFC 5987's {@code filename*=UTF-8''percent-encoded}, which some clients send beside or instead of {@code filename}. */
    private static final Pattern EXTENDED_FILENAME = Pattern.compile("filename\\*=UTF-8''([^;\\s]*)", Pattern.CASE_INSENSITIVE);
    private static final int MAX_PARTS = 100;

    private Multipart() {
    }

    static List<MultipartPart> parse(byte[] body, String contentType) {
        Matcher m = BOUNDARY.matcher(contentType);
        if (!m.find()) {
            throw new InvalidInput("multipart/form-data without a boundary parameter");
        }
        String boundary = m.group(1) != null ? m.group(1) : m.group(2);
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<MultipartPart> parts = new ArrayList<>();
        int pos = indexOf(body, delimiter, 0);
        if (pos < 0) {
            throw new InvalidInput("multipart body does not contain its boundary");
        }
        while (true) {
            int afterDelimiter = pos + delimiter.length;
            if (startsWith(body, afterDelimiter, "--")) {
                return parts;
            }
            int headersStart = skipLineBreak(body, afterDelimiter);
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
            if (headersEnd < 0) {
                throw new InvalidInput("multipart part without a header block");
            }
            int next = indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1), headersEnd + 4);
            if (next < 0) {
                throw new InvalidInput("multipart body is truncated: closing boundary missing");
            }
            if (parts.size() == MAX_PARTS) {
                throw new InvalidInput("multipart body has more than " + MAX_PARTS + " parts");
            }
            String headerBlock = new String(body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8);
            parts.add(part(headerBlock, Arrays.copyOfRange(body, headersEnd + 4, next)));
            pos = next + 2;
        }
    }

    private static MultipartPart part(String headerBlock, byte[] data) {
        String disposition = null;
        String type = "text/plain";
        for (String line : headerBlock.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-disposition")) {
                disposition = value;
            } else if (name.equals("content-type")) {
                type = value;
            }
        }
        if (disposition == null) {
            throw new InvalidInput("multipart part without Content-Disposition");
        }
        Matcher name = NAME.matcher(disposition);
        if (!name.find()) {
            throw new InvalidInput("multipart part without a field name");
        }
        return new MultipartPart(unquote(name.group(1)), filename(disposition), type, data);
    }

    /**
     * The file name as the client gave it: {@code filename*} when present, else {@code filename}
     * unquoted. Browsers (and curl from 7.81) send a {@code "} in a name as {@code %22}, a CR
     * as {@code %0D} and an LF as {@code %0A} (the HTML standard's multipart encoding), so those
     * three are decoded; any other {@code %} is the name's own.
     */
    private static Optional<String> filename(String disposition) {
        Matcher extended = EXTENDED_FILENAME.matcher(disposition);
        if (extended.find()) {
            try {
                return Optional.of(URLDecoder.decode(extended.group(1).replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException malformed) {
                // fall back to the plain parameter
            }
        }
        Matcher filename = FILENAME.matcher(disposition);
        if (!filename.find()) {
            return Optional.empty();
        }
        return Optional.of(unquote(filename.group(1)).replace("%22", "\"").replace("%0D", "\r").replace("%0A", "\n"));
    }

    /** A quoted-string's content without its quoted-pairs: {@code \"} is {@code "}; other backslashes (Windows paths) stay. */
    private static String unquote(String quoted) {
        return quoted.replace("\\\"", "\"");
    }

    private static int skipLineBreak(byte[] body, int pos) {
        if (startsWith(body, pos, "\r\n")) {
            return pos + 2;
        }
        throw new InvalidInput("malformed multipart boundary line");
    }

    private static boolean startsWith(byte[] body, int pos, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        if (pos + bytes.length > body.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (body[pos + i] != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
