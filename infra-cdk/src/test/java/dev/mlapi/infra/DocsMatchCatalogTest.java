package dev.mlapi.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.catalog.TableSpec;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.infra.support.CloudFormationYaml;
import dev.mlapi.infra.support.Repository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The documents a newcomer reads first, held to the catalog they describe: README's architecture
 * picture and configuration table, docs/DEPLOY.md's counts and module table, and the HTTP API's
 * description in {@code template.yaml}. Reads files only (no synthesis, no server). Each failure
 * names what is missing and where to add it; a new function, module, table or variable fails here
 * until the documents say so.
 */
class DocsMatchCatalogTest {

    private static final Path README = Repository.ROOT.resolve("README.md");
    private static final Path DEPLOY = Repository.ROOT.resolve("docs/DEPLOY.md");

    // --- README: the architecture picture ---------------------------------------------------------

    @Test
    void readmeArchitecturePicture_namesEveryFunctionAndEveryModule() {
        String picture = firstCodeBlockUnder(read(README), "## Architecture");
        List<String> missing = new ArrayList<>();
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            if (!namesToken(picture, spec.name())) {
                missing.add("function '" + spec.name() + "' (" + spec.kind() + " in FunctionCatalog, module functions/"
                        + spec.module() + ", " + triggerOf(spec) + ")");
            }
        }
        for (String module : functionModules()) {
            if (!namesToken(picture, module)) {
                missing.add("module 'functions/" + module + "' ("
                        + (FunctionCatalog.LIBRARIES.contains(module) ? "a library: add it to the 'libraries' line"
                        : "its functions' module") + ")");
            }
        }
        assertThat(missing).as("README.md's architecture picture (the ``` block under '## Architecture') does not"
                + " name these; draw them in it (a function in its box: HTTP functions in the routes' box, event"
                + " functions with what triggers them; a library on the 'libraries' line)").isEmpty();
    }

    /**
     * The other way round: what the picture draws as a function or a library is one. Inside a box
     * (between its ┌ and └ lines) a row with "◄" names one event function before it and any other
     * row lists HTTP functions; the "libraries" line lists libraries. So a renamed or removed
     * function does not stay drawn.
     */
    @Test
    void readmeArchitecturePicture_drawsOnlyFunctionsAndLibrariesTheCatalogHas() {
        String picture = firstCodeBlockUnder(read(README), "## Architecture");
        List<String> unknown = new ArrayList<>();
        boolean inBox = false;
        for (String line : picture.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("┌") || trimmed.startsWith("└")) {
                inBox = trimmed.startsWith("┌");
            } else if (inBox && trimmed.startsWith("│") && trimmed.endsWith("│") && trimmed.length() > 1) {
                String inside = trimmed.substring(1, trimmed.length() - 1).trim();
                List<String> drawn = inside.contains("◄") ? List.of(inside.substring(0, inside.indexOf('◄')).trim())
                        : List.of(inside.split("\\s+"));
                drawn.stream().filter(name -> !name.isEmpty() && FunctionCatalog.find(name).isEmpty())
                        .forEach(name -> unknown.add("'" + name + "' is drawn as a function (line '" + trimmed
                                + "'), but FunctionCatalog has no function of that name"));
            } else if (trimmed.startsWith("libraries")) {
                for (String name : trimmed.substring(trimmed.indexOf(':') + 1).trim().split("\\s+")) {
                    if (!FunctionCatalog.LIBRARIES.contains(name)) {
                        unknown.add("'" + name + "' is on the libraries line, but FunctionCatalog.LIBRARIES does not"
                                + " list it");
                    }
                }
            }
        }
        assertThat(unknown).as("README.md's architecture picture draws names the catalog does not have (renamed or"
                + " removed?); fix the picture").isEmpty();
    }

    // --- README: the configuration table -------------------------------------------------------

    @Test
    void readmeConfigurationTable_hasARowForEveryVariableTheCatalogDeclares() {
        List<Row> rows = firstTableUnder(read(README), "## Configuration");
        Set<String> listed = rows.stream().flatMap(row -> backticked(row.cell(0)).stream())
                .collect(Collectors.toCollection(TreeSet::new));
        List<String> missing = new ArrayList<>();
        declaredVariables().forEach((variable, where) -> {
            if (!listed.contains(variable)) {
                missing.add("`" + variable + "` (" + where + ")");
            }
        });
        assertThat(missing).as("README.md's configuration table (under '## Configuration') has no row for these"
                + " environment variables; add a row '| `NAME` | default | meaning |' for each").isEmpty();
    }

    @Test
    void readmeConfigurationTable_listsOnlyVariablesTheCatalogDeclares() {
        Map<String, String> declared = declaredVariables();
        List<String> unknown = new ArrayList<>();
        for (Row row : firstTableUnder(read(README), "## Configuration")) {
            for (String name : backticked(row.cell(0))) {
                if (!declared.containsKey(name)) {
                    unknown.add("`" + name + "` (README.md line " + row.line() + ")");
                }
            }
        }
        assertThat(unknown).as("README.md's configuration table lists variables that dev.mlapi.catalog.Env does not"
                + " declare (renamed or removed?); fix the row, or declare the variable in Env").isEmpty();
    }

    @Test
    void readmeConfigurationTable_namesEveryTableWithItsDefaultName() {
        List<Row> rows = firstTableUnder(read(README), "## Configuration");
        List<String> missing = new ArrayList<>();
        for (TableSpec table : TableCatalog.ALL) {
            List<Row> named = rows.stream().filter(row -> backticked(row.cell(0)).contains(table.envVar())).toList();
            if (named.isEmpty()) {
                missing.add(table.logicalId() + ": no row names `" + table.envVar() + "`; add '| `" + table.envVar()
                        + "` | `" + table.defaultName() + "` | DynamoDB table: … |'");
            } else if (named.stream().noneMatch(row -> backticked(row.cell(1)).contains(table.defaultName()))) {
                missing.add(table.logicalId() + ": the row of `" + table.envVar() + "` (README.md line "
                        + named.get(0).line() + ") does not give its default `" + table.defaultName() + "`");
            }
        }
        assertThat(missing).as("README.md's configuration table does not list every table of TableCatalog.ALL")
                .isEmpty();
    }

    // --- docs/DEPLOY.md --------------------------------------------------------------------------

    /** A number written in words or digits, then what it counts. */
    private static final Pattern COUNT = Pattern.compile(
            "\\b(\\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
            + "|sixteen|seventeen|eighteen|nineteen|twenty)\\s+(HTTP functions|event functions|scheduled functions"
            + "|(?:Java 21 )?(?:Lambda )?functions|function modules|library modules|(?:DynamoDB )?tables"
            + "|(?:SQS )?task queues)\\b");

    private static final List<String> NUMBER_WORDS = List.of("zero", "one", "two", "three", "four", "five", "six",
            "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
            "seventeen", "eighteen", "nineteen", "twenty");

    @Test
    void deploy_countsAreTheCatalogs() {
        String deploy = read(DEPLOY).replace("**", "");
        Map<String, Integer> expected = expectedCounts();
        List<String> wrong = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        Matcher matcher = COUNT.matcher(deploy);
        while (matcher.find()) {
            String noun = countedNoun(matcher.group(2));
            seen.add(noun);
            int written = parseCount(matcher.group(1));
            int actual = expected.get(noun);
            if (written != actual) {
                wrong.add("line " + lineOf(deploy, matcher.start()) + " says '" + matcher.group() + "', but the catalog"
                        + " has " + actual + " " + noun + ": write " + actual);
            }
        }
        for (String noun : List.of("functions", "tables", "task queues", "function modules", "library modules")) {
            if (!seen.contains(noun)) {
                wrong.add("no count of " + noun + " (e.g. '" + expected.get(noun) + " " + noun + "') in the list of"
                        + " what the stack creates");
            }
        }
        assertThat(wrong).as("docs/DEPLOY.md's counts against FunctionCatalog, TableCatalog and QueueCatalog").isEmpty();
    }

    @Test
    void deployModuleTable_namesEveryModuleAndTheFunctionsItsJarHolds() {
        List<Row> rows = tableWithFirstCellLike(read(DEPLOY), "`functions/");
        Map<String, Row> byModule = new LinkedHashMap<>();
        for (Row row : rows) {
            backticked(row.cell(0)).stream().filter(cell -> cell.startsWith("functions/"))
                    .forEach(cell -> byModule.put(cell.substring("functions/".length()), row));
        }
        List<String> wrong = new ArrayList<>();
        for (String module : functionModules()) {
            Row row = byModule.get(module);
            List<String> functions = FunctionCatalog.ALL.stream().filter(spec -> spec.module().equals(module))
                    .map(FunctionSpec::name).toList();
            if (row == null) {
                wrong.add("no row for `functions/" + module + "`: add '| `functions/" + module + "` | "
                        + (functions.isEmpty() ? "library" : functions.stream().map(name -> "`" + name + "`")
                                .collect(Collectors.joining(", "))) + " | … |'");
                continue;
            }
            Set<String> named = new TreeSet<>();
            for (int i = 1; i < row.cells().size(); i++) {
                named.addAll(backticked(row.cell(i)));
            }
            for (String function : functions) {
                if (!named.contains(function)) {
                    wrong.add("the row of `functions/" + module + "` (docs/DEPLOY.md line " + row.line()
                            + ") does not name `" + function + "`, whose handler its jar holds");
                }
            }
            if (functions.isEmpty() && !row.text().toLowerCase().contains("library")) {
                wrong.add("the row of `functions/" + module + "` (docs/DEPLOY.md line " + row.line()
                        + ") does not say it is a library (FunctionCatalog.LIBRARIES)");
            }
            named.stream().filter(name -> FunctionCatalog.find(name).isPresent())
                    .filter(name -> !functions.contains(name))
                    .forEach(name -> wrong.add("the row of `functions/" + module + "` (docs/DEPLOY.md line "
                            + row.line() + ") names `" + name + "`, whose module is functions/"
                            + FunctionCatalog.find(name).orElseThrow().module()));
        }
        byModule.keySet().stream().filter(module -> !functionModules().contains(module))
                .forEach(module -> wrong.add("a row for `functions/" + module + "`, which is not a module of the"
                        + " root pom.xml"));
        assertThat(wrong).as("docs/DEPLOY.md's table of modules (one row per module under functions/) against the"
                + " root pom.xml and FunctionCatalog").isEmpty();
    }

    // --- the HTTP API's description ----------------------------------------------------------------

    @Test
    void samHttpApiDescription_namesEveryFunction() {
        Map<String, Object> template = CloudFormationYaml.load(Repository.SAM_TEMPLATE);
        @SuppressWarnings("unchecked")
        Map<String, Object> api = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                template.get("Resources")).get("HttpApi")).get("Properties");
        String description = String.valueOf(api.get("Description"));
        assertThat(description).as("template.yaml's HttpApi Description (regenerate: ./mvnw -q -o -pl infra-cdk -am"
                + " compile exec:java@sam-template)").isEqualTo(MlApiStack.apiDescription(FunctionCatalog.ALL));
        List<String> missing = FunctionCatalog.ALL.stream().map(FunctionSpec::name)
                .filter(name -> !namesToken(description, name)).toList();
        assertThat(missing).as("functions the HTTP API's description (MlApiStack.apiDescription) does not name")
                .isEmpty();
    }

    // --- what the catalog declares ----------------------------------------------------------------

    /**
     * Every environment variable the catalog declares, with where: {@link Env}'s name constants
     * (those whose value is their own name; the others are defaults), every variable a function
     * is given, and the tables' and queues' variables.
     */
    static Map<String, String> declaredVariables() {
        Map<String, String> declared = new TreeMap<>();
        for (Field field : Env.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                String value = (String) constant(field);
                if (value.equals(field.getName())) {
                    declared.put(value, "declared in dev.mlapi.catalog.Env");
                }
            }
        }
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            for (String variable : spec.environment().keySet()) {
                declared.merge(variable, "given to " + spec.name(), (old, add) -> old.contains("given to")
                        ? old + ", " + spec.name() : old + ", " + add);
            }
        }
        for (TableSpec table : TableCatalog.ALL) {
            declared.merge(table.envVar(), "the name of table " + table.logicalId(), (old, add) -> old + "; " + add);
        }
        for (QueueSpec queue : QueueCatalog.ALL) {
            declared.merge(queue.envVar(), "the URL of queue " + queue.logicalId(), (old, add) -> old + "; " + add);
        }
        return declared;
    }

    private static Map<String, Integer> expectedCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("functions", FunctionCatalog.ALL.size());
        counts.put("HTTP functions", FunctionCatalog.ofKind(FunctionSpec.Kind.HTTP).size());
        counts.put("event functions", FunctionCatalog.ofKind(FunctionSpec.Kind.EVENT).size());
        counts.put("scheduled functions", (int) FunctionCatalog.ALL.stream()
                .filter(spec -> spec.trigger().filter(Trigger.Schedule.class::isInstance).isPresent()).count());
        counts.put("function modules", (int) functionModules().stream()
                .filter(module -> !FunctionCatalog.LIBRARIES.contains(module)).count());
        counts.put("library modules", FunctionCatalog.LIBRARIES.size());
        counts.put("tables", TableCatalog.ALL.size());
        counts.put("task queues", QueueCatalog.ALL.size());
        return counts;
    }

    private static String countedNoun(String phrase) {
        if (phrase.endsWith("tables")) {
            return "tables";
        }
        if (phrase.endsWith("task queues")) {
            return "task queues";
        }
        if (phrase.equals("HTTP functions") || phrase.equals("event functions") || phrase.equals("scheduled functions")
                || phrase.equals("function modules") || phrase.equals("library modules")) {
            return phrase;
        }
        return "functions";
    }

    private static int parseCount(String word) {
        return Character.isDigit(word.charAt(0)) ? Integer.parseInt(word) : NUMBER_WORDS.indexOf(word);
    }

    /** The modules under {@code functions/} the root pom builds. */
    static List<String> functionModules() {
        Matcher matcher = Pattern.compile("<module>functions/([^<]+)</module>").matcher(read(Repository.ROOT.resolve("pom.xml")));
        List<String> modules = new ArrayList<>();
        while (matcher.find()) {
            modules.add(matcher.group(1));
        }
        return modules;
    }

    private static String triggerOf(FunctionSpec spec) {
        return spec.trigger().map(trigger -> trigger.getClass().getSimpleName() + " trigger")
                .orElse(spec.kind() == FunctionSpec.Kind.HTTP ? "routes in openapi.yaml" : "no trigger");
    }

    // --- reading Markdown -------------------------------------------------------------------------

    /** One row of a Markdown table: its cells (trimmed) and its line number (1-based). */
    record Row(int line, String text, List<String> cells) {
        String cell(int index) {
            return index < cells.size() ? cells.get(index) : "";
        }
    }

    /**
     * Whether {@code text} names {@code name} as a word of its own: not inside a longer name
     * ({@code train} is not in {@code train-worker}) nor part of a path ({@code images/}, {@code train.jar});
     * a full stop after it ends a sentence. Case-sensitive.
     */
    static boolean namesToken(String text, String name) {
        return Pattern.compile("(?<![\\w/.-])" + Pattern.quote(name) + "(?![\\w/-])(?!\\.\\w)").matcher(text).find();
    }

    private static List<String> backticked(String cell) {
        Matcher matcher = Pattern.compile("`([^`]+)`").matcher(cell);
        List<String> names = new ArrayList<>();
        while (matcher.find()) {
            names.add(matcher.group(1).trim());
        }
        return names;
    }

    private static String section(String markdown, String heading) {
        int start = markdown.indexOf("\n" + heading + "\n");
        assertThat(start).as("a heading '" + heading + "'").isNotNegative();
        int end = markdown.indexOf("\n## ", start + heading.length() + 2);
        return markdown.substring(start + 1, end < 0 ? markdown.length() : end);
    }

    private static String firstCodeBlockUnder(String markdown, String heading) {
        String section = section(markdown, heading);
        int open = section.indexOf("```");
        assertThat(open).as("a ``` block under '" + heading + "'").isNotNegative();
        int from = section.indexOf('\n', open) + 1;
        int close = section.indexOf("\n```", from);
        assertThat(close).as("the end of the ``` block under '" + heading + "'").isPositive();
        return section.substring(from, close);
    }

    private static List<Row> firstTableUnder(String markdown, String heading) {
        int offset = markdown.indexOf("\n" + heading + "\n");
        assertThat(offset).as("a heading '" + heading + "'").isNotNegative();
        String section = section(markdown, heading);
        int firstLine = lineOf(markdown, offset + 1);
        List<Row> rows = tableRows(section, firstLine, line -> true);
        assertThat(rows).as("a table under '" + heading + "'").isNotEmpty();
        return rows;
    }

    private static List<Row> tableWithFirstCellLike(String markdown, String prefix) {
        List<Row> rows = tableRows(markdown, 1, cells -> cells.get(0).startsWith(prefix));
        assertThat(rows).as("a table whose rows start with " + prefix).isNotEmpty();
        return rows;
    }

    /** The rows of the first table in {@code text} having a row that {@code accept}s, header and rule skipped. */
    private static List<Row> tableRows(String text, int firstLine, Function<List<String>, Boolean> accept) {
        String[] lines = text.split("\n", -1);
        List<Row> table = new ArrayList<>();
        boolean accepted = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.startsWith("|")) {
                List<String> cells = new ArrayList<>(List.of(line.substring(1, line.endsWith("|") ? line.length() - 1
                        : line.length()).split("\\|", -1)));
                cells.replaceAll(String::trim);
                boolean rule = cells.stream().allMatch(cell -> cell.matches(":?-+:?"));
                boolean header = i + 1 < lines.length && lines[i + 1].trim().matches("\\|[-:| ]+\\|?");
                if (!rule && !header) {
                    table.add(new Row(firstLine + i, line, cells));
                    accepted |= accept.apply(cells);
                }
            } else if (!table.isEmpty()) {
                if (accepted) {
                    return table;
                }
                table = new ArrayList<>();
            }
        }
        return accepted ? table : List.of();
    }

    private static int lineOf(String text, int offset) {
        return (int) text.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
    }

    private static Object constant(Field field) {
        try {
            return field.get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(field.toString(), e);
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
