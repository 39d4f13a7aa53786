package dev.mlapi.imagestore;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.lang.Character.UnicodeScript;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A tag name as stored: Unicode NFKC (so fullwidth {@code ｐｈｏｔｏ} is {@code photo}), trimmed,
 * inner whitespace collapsed to one space, at most {@link #MAX_LENGTH} characters;
 * {@link #key()} is its case-folded identity, so {@code "Red  Fruit"} and {@code "red fruit"}
 * are the same tag.
 *
 * <p>Names whose letters mix scripts ({@code phоto} with a Cyrillic {@code о}) are refused: they
 * look like another tag and are not one. Scripts that are written together (Han with Hiragana
 * and Katakana, with Hangul, or with Bopomofo, each also with Latin; UTS #39's "highly
 * restrictive" level) are allowed.
 *
 * <p>Commas and slashes are refused: API Gateway joins repeated query parameters with commas
 * ({@code ?tag=a&tag=b} arrives as {@code a,b}) and a name is a path segment in {@code /tags/{name}}.
 */
public record TagName(String name, String key) {

    public static final int MAX_LENGTH = 50;

    private static final List<Set<UnicodeScript>> WRITTEN_TOGETHER = List.of(
            EnumSet.of(UnicodeScript.LATIN, UnicodeScript.HAN, UnicodeScript.HIRAGANA, UnicodeScript.KATAKANA),
            EnumSet.of(UnicodeScript.LATIN, UnicodeScript.HAN, UnicodeScript.HANGUL),
            EnumSet.of(UnicodeScript.LATIN, UnicodeScript.HAN, UnicodeScript.BOPOMOFO));

    /** The normalised name of {@code raw}; a 400 naming {@code field} when it is empty, too long, has control characters or mixes scripts. */
    public static TagName of(String field, String raw) {
        if (raw == null) {
            throw InvalidInput.field(field, "a tag name is required");
        }
        String name = Normalizer.normalize(raw, Normalizer.Form.NFKC).strip().replaceAll("\\s+", " ");
        if (name.isEmpty()) {
            throw InvalidInput.field(field, "a tag name must not be empty");
        }
        if (name.codePoints().anyMatch(TagName::isControl)) {
            throw InvalidInput.field(field, "a tag name must not contain control characters");
        }
        if (name.indexOf(',') >= 0 || name.indexOf('/') >= 0) {
            throw InvalidInput.field(field, "a tag name must not contain ',' or '/'");
        }
        int length = name.codePointCount(0, name.length());
        if (length > MAX_LENGTH) {
            throw InvalidInput.field(field, "a tag name has at most " + MAX_LENGTH + " characters, got " + length);
        }
        checkScripts(field, name);
        return new TagName(name, fold(name));
    }

    /**
     * Case folding: upper then lower case in the root locale ({@code ß} and {@code SS} fold alike,
     * as do final and medial sigma), normalised again since case mappings can leave NFKC.
     */
    private static String fold(String name) {
        return Normalizer.normalize(name.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT), Normalizer.Form.NFKC);
    }

    private static void checkScripts(String field, String name) {
        Map<UnicodeScript, List<Integer>> letters = new LinkedHashMap<>();
        name.codePoints().forEach(c -> {
            UnicodeScript script = UnicodeScript.of(c);
            if (script != UnicodeScript.COMMON && script != UnicodeScript.INHERITED && script != UnicodeScript.UNKNOWN) {
                letters.computeIfAbsent(script, s -> new ArrayList<>()).add(c);
            }
        });
        if (letters.size() <= 1 || WRITTEN_TOGETHER.stream().anyMatch(set -> set.containsAll(letters.keySet()))) {
            return;
        }
        UnicodeScript main = letters.entrySet().stream().max((a, b) -> Integer.compare(a.getValue().size(),
                b.getValue().size())).orElseThrow().getKey();
        List<String> others = new ArrayList<>();
        letters.forEach((script, codePoints) -> {
            if (script != main) {
                codePoints.stream().distinct().forEach(c -> others.add("'" + Character.toString(c) + "' ("
                        + String.format("U+%04X", c) + " " + Character.getName(c) + ")"));
            }
        });
        throw InvalidInput.field(field, "tag '" + name + "' mixes scripts: " + String.join(", ", others) + " among "
                + title(main) + " letters");
    }

    private static String title(UnicodeScript script) {
        String lower = script.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        return Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
    }

    private static boolean isControl(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }
}
