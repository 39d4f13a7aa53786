package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads class labels from a text file with one label per line, line index = class id.
 *
 * <p>ImageNet synset lines ({@code n01440764 tench, Tinca tinca}) give the first name after the
 * WordNet id ({@code tench}); any other line is taken whole, trimmed.
 */
public final class LabelsFile {

    /** File names recognised as an image classifier's labels when none are named. */
    public static final List<String> CONVENTIONAL_NAMES = List.of("labels.txt", "synset.txt");

    private static final Pattern SYNSET_LINE = Pattern.compile("n\\d{8}\\s+.*");

    private LabelsFile() {
    }

    /** The labels in {@code data}; a 400 naming {@code field} if it is not UTF-8 text or has a blank line. */
    public static List<String> parse(String field, byte[] data) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw InvalidInput.field(field, "labels file is not UTF-8 text");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String[] lines = text.split("\r?\n", -1);
        int end = lines.length;
        while (end > 0 && lines[end - 1].isBlank()) {
            end--;
        }
        if (end == 0) {
            throw InvalidInput.field(field, "labels file is empty");
        }
        if (end > ModelRegistration.MAX_LABELS) {
            throw InvalidInput.field(field, "labels file has more than " + ModelRegistration.MAX_LABELS + " lines");
        }
        List<String> labels = new ArrayList<>(end);
        for (int i = 0; i < end; i++) {
            String label = label(lines[i].strip());
            if (label.isEmpty()) {
                throw InvalidInput.field(field, "line " + (i + 1) + " has no label (line index = class id, so blank lines are not allowed)");
            }
            labels.add(label);
        }
        return labels;
    }

    /** One line's label: {@code n01440764 tench, Tinca tinca} → {@code tench}; anything else as is. */
    static String label(String line) {
        if (!SYNSET_LINE.matcher(line).matches()) {
            return line;
        }
        String names = line.substring(firstSpace(line)).strip();
        int comma = names.indexOf(',');
        return (comma < 0 ? names : names.substring(0, comma)).strip();
    }

    private static int firstSpace(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (Character.isWhitespace(line.charAt(i))) {
                return i;
            }
        }
        return line.length();
    }
}
