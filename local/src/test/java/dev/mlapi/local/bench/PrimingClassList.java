package dev.mlapi.local.bench;

import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.core.runtime.ClassPriming;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.json.Json;
import dev.mlapi.local.bench.BenchStack.Probe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes each function module's {@link ClassPriming#LIST}: the classes its first requests load
 * after init. For every catalog function it starts the function's jar as the cold-start benchmark
 * does (fresh JVM, deployed flags, priming included) with the JVM's class-load log on, once per
 * sample event that only reads (its {@code GET} events, the benchmark's event, and every event of
 * the pure computations classify and predict), and keeps the named classes loaded after the
 * constructor returned, with the jar's current list switched off ({@code -Dmlapi.classPriming=false}).
 * Lambda forms, hidden and generated classes cannot be loaded by name and are left out.
 *
 * <pre>./mvnw -q -o -pl local -am -DskipTests package exec:exec -Dexec.classpathScope=test \
 *     -Drun.main=dev.mlapi.local.bench.PrimingClassList</pre>
 * then build again: the lists go into the jars.
 */
public final class PrimingClassList {

    private static final Pattern LOADED = Pattern.compile("^\\[(\\d+\\.\\d+)s]\\S* (\\S+) source: (.*)$");
    private static final Set<String> PURE = Set.of("classify", "predict");

    private PrimingClassList() {
    }

    public static void main(String[] args) {
        int exit = 1;
        try {
            run();
            exit = 0;
        } catch (Exception | Error e) {
            e.printStackTrace();
        } finally {
            System.out.flush();
            Runtime.getRuntime().halt(exit); // DynamoDB Local's scheduler thread is not a daemon
        }
    }

    private static void run() throws Exception {
        try (BenchStack bench = BenchStack.start()) {
            Map<String, Set<String>> byModule = new LinkedHashMap<>();
            Map<String, List<String>> functionsByModule = new LinkedHashMap<>();
            for (FunctionSpec spec : FunctionCatalog.ALL) {
                Path jar = bench.jar(spec);
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalStateException("no " + spec.jarPath() + ": build the reactor first");
                }
                Set<String> classes = byModule.computeIfAbsent(spec.module(), m -> new TreeSet<>());
                functionsByModule.computeIfAbsent(spec.module(), m -> new ArrayList<>()).add(spec.name());
                for (String event : readingEvents(spec)) {
                    try {
                        Set<String> loaded = firstRequestClasses(bench, spec, jar, event);
                        System.err.printf("%s %s: %d classes after init%n", spec.name(), event, loaded.size());
                        classes.addAll(loaded);
                    } catch (IllegalStateException e) {
                        System.err.printf("%s %s: skipped, the probe failed: %s%n", spec.name(), event, e.getMessage());
                    }
                }
            }
            for (var entry : byModule.entrySet()) {
                Path list = bench.root().resolve("functions").resolve(entry.getKey())
                        .resolve("src/main/resources").resolve(ClassPriming.LIST);
                Files.createDirectories(list.getParent());
                List<String> lines = new ArrayList<>();
                lines.add("# Classes the first requests of " + String.join(", ", functionsByModule.get(entry.getKey()))
                        + " load after init (" + LocalDate.now() + "); loaded at init by ClassPriming.");
                lines.add("# Written by dev.mlapi.local.bench.PrimingClassList (local/src/test): run it again when a"
                        + " request path changes.");
                lines.addAll(entry.getValue());
                Files.write(list, lines);
                System.out.printf("%s: %d classes -> %s%n", entry.getKey(), entry.getValue().size(),
                        bench.root().relativize(list));
            }
        }
    }

    /** The function's sample events that change nothing: its GETs, the benchmark's event, all of a pure computation's. */
    private static List<String> readingEvents(FunctionSpec spec) throws IOException {
        String benchEvent = BenchStack.eventFile(spec);
        List<String> events = new ArrayList<>(List.of(benchEvent));
        if (spec.kind() != FunctionSpec.Kind.HTTP) {
            return events;
        }
        try (Stream<Path> files = Files.list(Events.folder())) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                if (!name.startsWith(spec.name() + "-") || name.equals(benchEvent) || ofLongerFunctionName(spec, name)) {
                    continue;
                }
                String method = Json.mapper().readTree(file.toFile()).path("requestContext").path("http")
                        .path("method").asText();
                if (method.equals("GET") || PURE.contains(spec.name())) {
                    events.add(name);
                }
            }
        }
        return events;
    }

    /** {@code train-worker-job-inserted.json} belongs to train-worker, not to train. */
    private static boolean ofLongerFunctionName(FunctionSpec spec, String file) {
        return FunctionCatalog.ALL.stream().anyMatch(other -> other.name().length() > spec.name().length()
                && other.name().startsWith(spec.name() + "-") && file.startsWith(other.name() + "-"));
    }

    private static Set<String> firstRequestClasses(BenchStack bench, FunctionSpec spec, Path jar, String event)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("class-load-" + spec.name(), ".log");
        Map<String, String> env = new HashMap<>(bench.environment(spec));
        // without the jar's current list: what the first request loads when nothing is primed by name
        env.merge("JAVA_TOOL_OPTIONS", "-Dmlapi.classPriming=false -Xlog:class+load:file=" + log + ":uptime",
                (a, b) -> a + " " + b);
        // as a snapshot's init: the lists are for priming, which runs only then
        env.put(dev.mlapi.core.runtime.Priming.INITIALIZATION_TYPE, "snap-start");
        Probe probe = bench.probe(jar, spec.handlerClass(), bench.event(event), env, 3);
        double initEnd = probe.get("init_end_uptime_ms") / 1000.0;
        Set<String> classes = new TreeSet<>();
        try (Stream<String> lines = Files.lines(log)) {
            lines.forEach(line -> {
                Matcher m = LOADED.matcher(line);
                if (m.matches() && Double.parseDouble(m.group(1)) > initEnd && loadableByName(m.group(2), m.group(3))) {
                    classes.add(m.group(2));
                }
            });
        } finally {
            Files.deleteIfExists(log);
        }
        return classes;
    }

    private static boolean loadableByName(String name, String source) {
        boolean fromAFile = source.startsWith("file:") || source.startsWith("jrt:")
                || source.startsWith("shared objects file");
        return fromAFile && !name.contains("$$Lambda") && !name.contains("/0x") && !name.contains("$Proxy")
                && !name.startsWith("jdk.internal.reflect.Generated") && !name.contains("LambdaForm$")
                && !name.startsWith("dev.mlapi.core.bench.") // the probe and its clock are not the function
                && !name.startsWith("java.lang.management.") && !name.startsWith("sun.management.");
    }
}
