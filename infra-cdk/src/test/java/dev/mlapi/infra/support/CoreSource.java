package dev.mlapi.infra.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the functions' shared library expects, read from its source text: infra-cdk must not
 * depend on function artifacts, and the source is what the functions are built from.
 */
public final class CoreSource {

    private static final Pattern STRING_CONSTANT =
            Pattern.compile("static\\s+final\\s+String\\s+(\\w+)\\s*=\\s*([^;]+);");
    private static final Pattern TABLE_CALL = Pattern.compile("table\\(\\s*config\\.(\\w+)\\(\\)\\s*,\\s*(\\w+)\\s*\\)");
    private static final Pattern INDEX_NAME = Pattern.compile("\\.indexName\\(\\s*([\\w.]+)\\s*\\)");
    private static final Pattern KEY_CALL = Pattern.compile("key\\(\\s*([\\w.]+)\\s*,\\s*KeyType\\.(HASH|RANGE)\\s*\\)");

    private final Path root;
    private final Map<Path, Map<String, String>> constantsByFile = new HashMap<>();

    public CoreSource(Path coreSources) {
        this.root = coreSources;
    }

    public static CoreSource ofRepository() {
        return new CoreSource(Repository.CORE_SOURCES);
    }

    /** The names {@code Config.Env} declares: the environment variables the code reads. */
    public Set<String> configEnvNames() {
        String source = read(root.resolve("config/Config.java"));
        String env = block(source, "class Env");
        Set<String> names = new LinkedHashSet<>();
        Matcher matcher = STRING_CONSTANT.matcher(env);
        while (matcher.find()) {
            names.add(literal(matcher.group(2).trim(), "Config.Env." + matcher.group(1)));
        }
        if (names.isEmpty()) {
            throw new IllegalStateException("found no constants in Config.Env: has Config.java changed shape?");
        }
        return names;
    }

    /** The tables {@code Tables.definitions} creates, each named by the environment variable that carries its name. */
    public List<ExpectedTable> tables() {
        Path file = root.resolve("aws/Tables.java");
        String source = read(file);
        String definitions = block(source, "definitions(");
        if (!source.contains("ScalarAttributeType.S") || source.matches("(?s).*ScalarAttributeType\\.[NB]\\b.*")) {
            throw new IllegalStateException("Tables.java declares a key that is not a string; teach this reader about it");
        }
        Matcher call = TABLE_CALL.matcher(definitions);
        List<int[]> spans = new ArrayList<>();
        List<String[]> calls = new ArrayList<>();
        while (call.find()) {
            spans.add(new int[] {call.start(), call.end()});
            calls.add(new String[] {call.group(1), call.group(2)});
        }
        if (calls.isEmpty()) {
            throw new IllegalStateException("found no table(config.xTable(), KEY) calls in Tables.definitions");
        }
        List<ExpectedTable> tables = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            String chain = definitions.substring(spans.get(i)[1], i + 1 < spans.size() ? spans.get(i + 1)[0] : definitions.length());
            String keyConstant = calls.get(i)[1];
            String ttlConstant = keyConstant.replaceFirst("_KEY$", "_TTL");
            Optional<String> ttl = constants(file).containsKey(ttlConstant)
                    ? Optional.of(resolve(file, ttlConstant)) : Optional.empty();
            tables.add(new ExpectedTable(envName(calls.get(i)[0]), resolve(file, keyConstant), ttl, indexes(file, chain)));
        }
        return tables;
    }

    private List<ExpectedIndex> indexes(Path file, String chain) {
        List<ExpectedIndex> indexes = new ArrayList<>();
        Matcher name = INDEX_NAME.matcher(chain);
        while (name.find()) {
            int end = chain.indexOf(".build()", name.end());
            Matcher key = KEY_CALL.matcher(chain.substring(name.end(), end < 0 ? chain.length() : end));
            String hash = null;
            String range = null;
            while (key.find()) {
                if (key.group(2).equals("HASH")) {
                    hash = resolve(file, key.group(1));
                } else {
                    range = resolve(file, key.group(1));
                }
            }
            indexes.add(new ExpectedIndex(resolve(file, name.group(1)), hash, Optional.ofNullable(range)));
        }
        return indexes;
    }

    /** {@code usersTable} → {@code USERS_TABLE}, the Config.Env name that carries the table's name. */
    private static String envName(String accessor) {
        return accessor.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    /** A constant's value: a literal, a constant of this file, or {@code Other.NAME} in a sibling file. */
    private String resolve(Path file, String reference) {
        int dot = reference.lastIndexOf('.');
        if (dot >= 0) {
            return resolve(file.resolveSibling(reference.substring(0, dot) + ".java"), reference.substring(dot + 1));
        }
        String expression = constants(file).get(reference);
        if (expression == null) {
            throw new IllegalStateException("no String constant " + reference + " in " + file);
        }
        return expression.startsWith("\"") ? literal(expression, reference) : resolve(file, expression);
    }

    private Map<String, String> constants(Path file) {
        return constantsByFile.computeIfAbsent(file, f -> {
            Map<String, String> constants = new HashMap<>();
            Matcher matcher = STRING_CONSTANT.matcher(read(f));
            while (matcher.find()) {
                constants.put(matcher.group(1), matcher.group(2).trim());
            }
            return constants;
        });
    }

    private static String literal(String expression, String name) {
        if (!expression.matches("\"[^\"\\\\]*\"")) {
            throw new IllegalStateException(name + " is not a plain string literal: " + expression);
        }
        return expression.substring(1, expression.length() - 1);
    }

    /** The text between the first brace after {@code marker} and the brace that closes it. */
    private static String block(String source, String marker) {
        int at = source.indexOf(marker);
        int open = at < 0 ? -1 : source.indexOf('{', at);
        if (open < 0) {
            throw new IllegalStateException("cannot find '" + marker + "' in the core sources");
        }
        int depth = 0;
        for (int i = open; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return source.substring(open + 1, i);
            }
        }
        throw new IllegalStateException("unbalanced braces after '" + marker + "'");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A table as the code expects it. */
    public record ExpectedTable(String envName, String partitionKey, Optional<String> ttlAttribute,
                                List<ExpectedIndex> indexes) {
    }

    /** A global secondary index as the code expects it. */
    public record ExpectedIndex(String name, String partitionKey, Optional<String> sortKey) {
    }
}
