package dev.mlapi.local.bench;

import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.local.bench.BenchStack.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Cold start of every function's own Lambda jar against a hello-world handler jar built in the
 * same run: a fresh JVM per run with the jar as the whole classpath, the catalog's JVM options
 * ({@code JAVA_TOOL_OPTIONS}, as template.yaml deploys them) and environment, storage embedded
 * in this process. The clock is outside: from process spawn to the line the child prints when its
 * first response exists. Runs are interleaved (one JVM of each jar in turn), the first round is
 * discarded. Prints the Markdown table of BENCHMARKS.md and exits.
 *
 * <pre>./mvnw -q -o -pl local -am -DskipTests package exec:exec -Dexec.classpathScope=test \
 *     -Drun.main=dev.mlapi.local.bench.ColdStartBenchmark [-Drun.args="11 30"]</pre>
 * (kept runs per jar, warm invokes per JVM). To look into some functions only: {@code BENCH_ONLY=predict,health};
 * diagnostic JVM flags on top of the deployed ones: {@code BENCH_JVM_EXTRA="-Xlog:class+load:file=/tmp/cl-%p.log:uptime"};
 * each function a second time with flags added, side by side: {@code BENCH_VARIANT="-Dmlapi.classPriming=false"}.
 * Every function runs as an on-demand init ({@code AWS_LAMBDA_INITIALIZATION_TYPE=on-demand}: no priming) and,
 * where the catalog turns SnapStart on, as a snapshot's init ({@code snap-start}: priming at init); only some of
 * them: {@code BENCH_INIT=on-demand}.
 */
public final class ColdStartBenchmark {

    private static final String HELLO = "hello-world";

    private ColdStartBenchmark() {
    }

    /** What one row measures: a jar, its handler, its first event, its environment. */
    private record Case(String name, Path jar, String handler, Path event, Map<String, String> env, String jvm) {
    }

    public static void main(String[] args) {
        BenchStack.runThenHalt(args, 11, 30, ColdStartBenchmark::run);
    }

    private static void run(int runs, int warmInvokes) throws Exception {
        try (BenchStack bench = BenchStack.start()) {
            List<Case> cases = cases(bench);
            Map<String, List<Probe>> samples = new LinkedHashMap<>();
            cases.forEach(c -> samples.put(c.name(), new ArrayList<>()));
            for (int round = 0; round <= runs; round++) {
                for (Case c : cases) {
                    Probe probe = bench.probe(c.jar(), c.handler(), c.event(), c.env(), warmInvokes);
                    if (probe.get("status") >= 400) {
                        throw new IllegalStateException(c.name() + " answered " + probe.figures());
                    }
                    if (round > 0) {
                        samples.get(c.name()).add(probe);
                    }
                }
                System.err.printf("round %d of %d done%n", round, runs);
            }
            print(cases, samples, runs, warmInvokes);
        }
    }

    private static List<Case> cases(BenchStack bench) throws Exception {
        List<Case> cases = new ArrayList<>();
        Path hello = HelloWorldJar.build(bench.root().resolve("local/target/bench/hello-world.jar"));
        FunctionSpec anyHttp = FunctionCatalog.HEALTH;
        Map<String, String> helloEnv = Map.of("JAVA_TOOL_OPTIONS", FunctionSpec.FAST_START_JVM);
        cases.add(new Case(HELLO, hello, HelloWorldHandler.class.getName(), bench.event(anyHttp), helloEnv,
                FunctionSpec.FAST_START_JVM));
        // BENCH_ONLY=predict,health: a subset, for looking into one function (the table is then partial)
        Set<String> only = Arrays.stream(System.getenv().getOrDefault("BENCH_ONLY", "").split(","))
                .map(String::trim).filter(w -> !w.isEmpty()).collect(Collectors.toSet());
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            if (!only.isEmpty() && !only.contains(spec.name())) {
                continue;
            }
            Path jar = bench.jar(spec);
            if (!Files.isRegularFile(jar)) {
                System.err.println("skipping " + spec.name() + ": no " + spec.jarPath() + " (build the reactor first)");
                continue;
            }
            if (spec.name().equals("classify") && !bench.hasImageModel()) {
                System.err.println("skipping classify: no MobileNetV2 in ../shared/models to register as its default model");
                continue;
            }
            // Each init as Lambda starts it: on demand (no priming), and for a snapshot where SnapStart is on
            // (priming at init; its first invoke is roughly a restored container's). BENCH_INIT=on-demand: one only.
            for (String init : initTypes()) {
                if (init.equals("snap-start") && !spec.snapStart()) {
                    continue;
                }
                Map<String, String> env = new java.util.HashMap<>(bench.environment(spec));
                env.put(Priming.INITIALIZATION_TYPE, init);
                cases.add(new Case(spec.name() + " (" + init + ")", jar, spec.handlerClass(), bench.event(spec), env,
                        spec.jvmOptions()));
            }
            // BENCH_VARIANT="-Dmlapi.classPriming=false": each function also runs with these flags added, interleaved
            String variant = System.getenv().getOrDefault("BENCH_VARIANT", "").trim();
            if (!variant.isEmpty()) {
                Map<String, String> env = new java.util.HashMap<>(bench.environment(spec));
                env.merge("JAVA_TOOL_OPTIONS", variant, (deployed, added) -> deployed + " " + added);
                env.put(Priming.INITIALIZATION_TYPE, "snap-start"); // class priming runs only with priming
                cases.add(new Case(spec.name() + " `" + variant + "`", jar, spec.handlerClass(), bench.event(spec), env,
                        spec.jvmOptions() + " " + variant));
            }
        }
        return cases;
    }

    private static List<String> initTypes() {
        return Arrays.stream(System.getenv().getOrDefault("BENCH_INIT", "on-demand,snap-start").split(","))
                .map(String::trim).filter(w -> !w.isEmpty()).toList();
    }

    private static void print(List<Case> cases, Map<String, List<Probe>> samples, int runs, int warmInvokes)
            throws Exception {
        double helloCold = median(samples.get(HELLO), "spawn");
        System.out.printf(Locale.ROOT, "%nCold start per jar: %d fresh JVMs each, interleaved, after one discarded round"
                        + " (%s %s, %d cores, load average %.1f); warm = median of the last %d of %d invokes in the same JVM%n%n",
                runs, System.getProperty("java.vm.name"), Runtime.version(), Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                warmInvokes - warmInvokes / 2, warmInvokes);
        System.out.println("| function | jar (MB) | JVM options | spawn → first response, median (min–max) ms | × hello-world"
                + " | init ms | first invoke ms | warm invoke ms | first / warm | classes loaded by the first invoke |");
        System.out.println("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Case c : cases) {
            List<Probe> s = samples.get(c.name());
            double first = median(s, "first_invoke_ms");
            double warm = median(s, "warm_invoke_ms");
            System.out.printf(Locale.ROOT, "| %s | %.1f | `%s` | %.0f (%.0f–%.0f) | %.1f× | %.0f | %.1f | %.1f | %.1f× | %.0f |%n",
                    c.name(), Files.size(c.jar()) / 1e6, c.jvm().replace("-XX:+TieredCompilation ", ""),
                    median(s, "spawn"), min(s), max(s), median(s, "spawn") / helloCold,
                    median(s, "init_ms"), first, warm, first / warm, median(s, "first_invoke_classes"));
        }
    }

    private static double value(Probe probe, String field) {
        return field.equals("spawn") ? probe.spawnToFirstResponseMs() : probe.get(field);
    }

    static double median(List<Probe> samples, String field) {
        List<Double> values = samples.stream().map(p -> value(p, field)).sorted().toList();
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }

    static double min(List<Probe> samples) {
        return samples.stream().mapToDouble(Probe::spawnToFirstResponseMs).min().orElseThrow();
    }

    static double max(List<Probe> samples) {
        return samples.stream().mapToDouble(Probe::spawnToFirstResponseMs).max().orElseThrow();
    }
}
