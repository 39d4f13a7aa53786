package dev.mlapi.core.http;

import dev.mlapi.core.error.ApiException.InvalidInput;
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
    private static final Pattern NAME = Pattern.compile("(?<![a-z*])name=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
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
        Matcher filename = FILENAME.matcher(disposition);
        Optional<String> file = filename.find() ? Optional.of(filename.group(1)) : Optional.empty();
        return new MultipartPart(name.group(1), file, type, data);
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
