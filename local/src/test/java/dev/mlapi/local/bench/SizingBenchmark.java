package dev.mlapi.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.runtime.Priming;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Sizing from measurement (issue #23 item 6): every function's own Lambda jar in a fresh JVM per
 * round, with the catalog's {@code JAVA_TOOL_OPTIONS} and environment (as template.yaml deploys
 * them) plus what Lambda's java21 runtime is assumed to add (serial GC, a heap cap of 85 % of the
 * memory setting), against the bench stack of {@link ColdStartBenchmark}; {@link SizingProbe} in
 * the child reads peak RSS, the live heap, CPU time per invoke and the storage requests each invoke
 * sends. From those it models each function's duration and cost at every memory setting, picks the
 * setting with the lowest cost × latency that still leaves the headroom above the peak, runs the
 * function once more at that setting to check its peak there, prints the table of BENCHMARKS.md and
 * writes the measured peaks to the catalog's test resources (where {@code MeasuredMemoryTest}
 * checks every function's memory against them).
 *
 * <pre>./mvnw -q -o -pl local -am -DskipTests package exec:exec -Dexec.classpathScope=test \
 *     -Drun.main=dev.mlapi.local.bench.SizingBenchmark [-Drun.args="&lt;JVMs per function, default 1&gt; &lt;warm invokes, default 60&gt;"]</pre>
 * {@code BENCH_ONLY=login,health}: some functions only (the peaks file is then not written).
 */
public final class SizingBenchmark {

    /** Lambda's published prices, us-east-1: per request, and per GB-second on x86_64 (the stack's architecture) and arm64. */
    static final double PRICE_PER_REQUEST = 0.20 / 1e6;
    static final double PRICE_PER_GB_SECOND_X86 = 0.0000166667;
    static final double PRICE_PER_GB_SECOND_ARM = 0.0000133334;
    /** Lambda's CPU grows with memory: one vCPU at 1,769 MB, at most 6 at 10,240 MB. */
    static final double MB_PER_VCPU = 1769;
    static final double MAX_VCPUS = 6;
    /** The memory a function gets must be at least its measured peak RSS times this. */
    static final double HEADROOM = 1.25;
    /** Settings within this much of the lowest cost × latency count as equally good: the smallest of them is taken. */
    static final double FLAT = 0.05;
    /** Assumed in-region round trips from Lambda (ms per request); the local ones are to processes on a loaded 2-core machine. */
    static final Map<String, Double> AWS_MS = Map.of("dynamodb", 6.0, "s3", 20.0, "sqs", 10.0, "other", 20.0);
    /** The peaks file {@code MeasuredMemoryTest} reads. */
    static final String PEAKS = "functions/catalog/src/test/resources/dev/mlapi/catalog/measured-peak-memory.properties";

    /**
     * Functions whose measured request is not the path that sizes them: their memory is kept (the model's
     * choice is shown, not applied) and the reason printed.
     */
    static final Map<String, String> KEPT = Map.ofEntries(
            Map.entry("models", "the sample lists; a registration holds a model file in memory"),
            Map.entry("train", "the sample lists; an inline CSV of up to 6 MB is parsed"),
            Map.entry("train-worker", "a 20,000-row table (1.1 MB) measured; a stored dataset of up to 1 GiB is parsed"
                    + " in memory, not measured"),
            Map.entry("images", "the sample lists tags; an upload decodes an image of up to 50 MB"),
            Map.entry("image-sweeper", "runs 4 times a day against a near-empty bucket here; scans grow with it"),
            Map.entry("registry-cleanup", "runs daily against a near-empty registry here; scans grow with it"));

    /**
     * What a function can hold beyond what its measured requests made it hold: classify's and predict's model
     * caches are bounded at 512 MB of models (one or two models measured), and tag-worker and batch-worker hold the same caches.
     * Their setting must be at least
     * {@link #HEADROOM} × (peak RSS + this).
     */
    static final Map<String, Integer> UNMEASURED_MB = Map.of("classify", 512, "predict", 512,
            // the same caches: tag-worker loads the job's image model as classify does, batch-worker the job's model as predict
            "tag-worker", 512, "batch-worker", 512);

    private SizingBenchmark() {
    }

    /** What one child JVM measured. */
    record Sample(JsonNode figures) {
        double get(String field) {
            return figures.get(field).asDouble();
        }
    }

    /** A function's figures over the rounds, and the model's verdict. */
    record Row(FunctionSpec spec, double initCpuMs, double peakRssMb, double heapLiveMb, double nonHeapMb, double processCpuMs,
            double threadCpuMs, double gcMs, double jitMs, double localWaitMs, double awsWaitMs, Map<String, Double> calls,
            int chosenMb, String note) {
    }

    public static void main(String[] args) {
        BenchStack.runThenHalt(args, 1, 60, SizingBenchmark::run);
    }

    private static void run(int rounds, int warm) throws Exception {
        String loadAtStart = loadAverage();
        Instant started = Instant.now();
        try (BenchStack bench = BenchStack.start()) {
            Path probeJar = probeJar(bench.root().resolve("local/target/bench/sizing-probe.jar"));
            Set<String> only = Arrays.stream(System.getenv().getOrDefault("BENCH_ONLY", "").split(","))
                    .map(String::trim).filter(w -> !w.isEmpty()).collect(Collectors.toSet());
            Map<String, String> services = services(bench.environment(FunctionCatalog.HEALTH));
            List<FunctionSpec> specs = new ArrayList<>();
            Map<String, Path> events = new HashMap<>();
            RealWork realWork = new RealWork(bench);
            Map<String, Integer> warmOf = warmOverrides();
            for (FunctionSpec spec : FunctionCatalog.ALL) {
                if (!only.isEmpty() && !only.contains(spec.name())) {
                    continue;
                }
                if (!Files.isRegularFile(bench.jar(spec))) {
                    throw new IllegalStateException("no " + spec.jarPath() + ": build the reactor first (package)");
                }
                if (spec.name().equals("classify") && !bench.hasImageModel()) {
                    throw new IllegalStateException("classify needs MobileNetV2 in ../shared/models");
                }
                specs.add(spec);
                events.put(spec.name(), event(bench, spec));
            }
            Map<String, List<Sample>> samples = new LinkedHashMap<>();
            specs.forEach(s -> samples.put(s.name(), new ArrayList<>()));
            for (int round = 1; round <= rounds; round++) {
                for (FunctionSpec spec : specs) {
                    samples.get(spec.name()).add(probe(bench, realWork, probeJar, spec, events.get(spec.name()),
                            spec.memoryMb(), warmOf.getOrDefault(spec.name(), warm)));
                }
                System.err.printf("round %d of %d done%n", round, rounds);
            }
            List<Row> rows = new ArrayList<>();
            for (FunctionSpec spec : specs) {
                rows.add(row(spec, samples.get(spec.name()), services));
            }
            // The chosen setting, once more: the function must answer and its peak fit there too.
            Map<String, Sample> atChosen = new LinkedHashMap<>();
            for (Row row : rows) {
                if (row.chosenMb() != row.spec().memoryMb()) {
                    atChosen.put(row.spec().name(), probe(bench, realWork, probeJar, row.spec(),
                            events.get(row.spec().name()), row.chosenMb(), warmOf.getOrDefault(row.spec().name(), warm)));
                }
            }
            print(rows, atChosen, rounds, warm, warmOf, loadAtStart, started);
            if (only.isEmpty()) {
                writePeaks(bench.root().resolve(PEAKS), rows, atChosen, rounds, warm, started);
            }
        }
    }

    /** The function's sample event; classify's carries a real photo (1125×750 JPEG) instead of the sample's 8×8 PNG. */
    private static Path event(BenchStack bench, FunctionSpec spec) throws IOException {
        Path event = bench.event(spec);
        Path photo = bench.root().toAbsolutePath().resolveSibling("shared").resolve("images/dog_beagle.jpg");
        if (!spec.name().equals("classify") || !Files.isRegularFile(photo)) {
            return event;
        }
        ObjectNode json = (ObjectNode) Json.mapper().readTree(event.toFile());
        ObjectNode body = (ObjectNode) Json.mapper().readTree(json.get("body").asText());
        body.put("image_base64", Base64.getEncoder().encodeToString(Files.readAllBytes(photo)));
        json.put("body", Json.mapper().writeValueAsString(body));
        ((ObjectNode) json.get("headers")).remove("content-length");
        Path copy = event.resolveSibling("sizing-classify-photo.json");
        Files.writeString(copy, Json.mapper().writeValueAsString(json));
        return copy;
    }

    /** The probe alone in a jar, in front of the function's jar on the child's classpath. */
    private static Path probeJar(Path jar) throws Exception {
        Files.createDirectories(jar.getParent());
        Path classes = Path.of(SizingProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String folder = SizingProbe.class.getPackageName().replace('.', '/');
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.list(classes.resolve(folder))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(SizingProbe.class.getSimpleName()))
                    .toList()) {
                out.putNextEntry(new JarEntry(folder + "/" + file.getFileName()));
                out.write(Files.readAllBytes(file));
                out.closeEntry();
            }
        }
        return jar;
    }

    /** What Lambda's java21 runtime is assumed to add to the function's own JVM options at a memory setting. */
    static String lambdaJvm(int memoryMb) {
        return "-XX:+UseSerialGC -XX:MaxRAM=" + memoryMb + "m -Xmx" + (int) (memoryMb * 0.85) + "m";
    }

    /** {@code BENCH_WARM=fit-worker:4,train-worker:10}: fewer warm invokes for functions whose real invoke is long. */
    static Map<String, Integer> warmOverrides() {
        Map<String, Integer> warm = new TreeMap<>();
        for (String item : System.getenv().getOrDefault("BENCH_WARM", "").split(",")) {
            if (!item.isBlank()) {
                String[] parts = item.trim().split(":");
                warm.put(parts[0], Integer.parseInt(parts[1]));
            }
        }
        return warm;
    }

    /** What each function's invokes did (RealWork's description), for the table's note. */
    static final Map<String, String> WORK = new java.util.concurrent.ConcurrentHashMap<>();

    private static Sample probe(BenchStack bench, RealWork realWork, Path probeJar, FunctionSpec spec, Path sample,
            int memoryMb, int warm) throws Exception {
        // The real work that sizes it, made fresh for this JVM (a job's task is done once); else the sample event.
        Optional<RealWork.Prepared> prepared = realWork.prepare(spec, warm + 1);
        Path event = prepared.map(RealWork.Prepared::folder).orElse(sample);
        prepared.ifPresent(p -> WORK.put(spec.name(), p.what()));
        Sample measured = probe(bench, probeJar, spec, event, memoryMb, warm);
        if (prepared.isPresent()) {
            if (measured.get("failed_invokes") > 0) {
                throw new IllegalStateException(spec.name() + ": " + (int) measured.get("failed_invokes") + " of " + (warm + 1)
                        + " invokes failed (see " + bench.root().resolve("local/target/bench/sizing-" + spec.name()
                                + ".stderr.log") + ")");
            }
            prepared.get().check().verify();
        }
        return measured;
    }

    private static Sample probe(BenchStack bench, Path probeJar, FunctionSpec spec, Path event, int memoryMb, int warm)
            throws IOException, InterruptedException {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(javaBin.toString(), "-cp", probeJar + File.pathSeparator + bench.jar(spec),
                SizingProbe.class.getName(), spec.handlerClass(), event.toString(), Integer.toString(warm));
        Path log = bench.root().resolve("local/target/bench/sizing-" + spec.name() + ".stderr.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
        Map<String, String> env = new HashMap<>(bench.environment(spec));
        // As deployed: priming at init where SnapStart takes the snapshot, none on demand.
        env.put(Priming.INITIALIZATION_TYPE, spec.snapStart() ? "snap-start" : "on-demand");
        // Compiler threads kept alive: the JVM retires idle ones, and a retired thread's CPU time leaves the per-thread sum.
        env.put(Env.JAVA_TOOL_OPTIONS, spec.jvmOptions() + " " + lambdaJvm(memoryMb) + " -XX:-UseDynamicNumberOfCompilerThreads");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(memoryMb));
        builder.environment().putAll(env);
        Process process = builder.start();
        String result = null;
        List<String> output = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("{\"status\"")) {
                    result = line;
                } else if (output.size() < 100) {
                    output.add(line);
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException(spec.name() + " exited with " + exit + ": " + String.join("\n", output)
                    + "\n(stderr in " + log + ")");
        }
        Sample sample = new Sample(Json.mapper().readTree(result));
        if (sample.get("status") >= 500 || sample.get("warm_status") >= 500) {
            throw new IllegalStateException(spec.name() + " at " + memoryMb + " MB answered " + result);
        }
        System.err.printf(Locale.ROOT, "%s at %d MB: %s%n", spec.name(), memoryMb, result);
        return sample;
    }

    /** {@code host:port} of each local endpoint → the service it stands for. */
    private static Map<String, String> services(Map<String, String> environment) {
        Map<String, String> services = new HashMap<>();
        Map<String, String> endpoints = Map.of(Env.DYNAMODB_ENDPOINT, "dynamodb", Env.S3_ENDPOINT, "s3",
                Env.SQS_ENDPOINT, "sqs");
        endpoints.forEach((variable, service) -> {
            String value = environment.get(variable);
            if (value != null) {
                URI uri = URI.create(value);
                services.put(uri.getHost() + ":" + uri.getPort(), service);
            }
        });
        return services;
    }

    private static Row row(FunctionSpec spec, List<Sample> samples, Map<String, String> services) {
        double peak = samples.stream().mapToDouble(s -> s.get("hwm_mb")).max().orElseThrow();
        double heap = samples.stream().mapToDouble(s -> s.get("heap_live_mb")).max().orElseThrow();
        double nonHeap = samples.stream().mapToDouble(s -> s.get("non_heap_mb")).max().orElseThrow();
        double initCpu = median(samples, "init_cpu_ms");
        // The JIT's CPU time is left out: it ends once the code is compiled (40 invokes are not enough for C2).
        double jitMs = median(samples, "jit_cpu_ms");
        double processCpu = median(samples, "process_cpu_ms") - jitMs;
        double threadCpu = median(samples, "thread_cpu_ms");
        double gcMs = median(samples, "vm_cpu_ms");
        double localWait = median(samples, "wait_p50_ms");
        // Requests the handler's thread sends one after another; those of a pool (history's per-day queries) overlap
        // as far as the pool's threads go.
        Map<String, Double> calls = new TreeMap<>();
        double awsWait = 0;
        for (Sample sample : samples) {
            double poolThreads = Math.max(1, sample.get("pool_threads"));
            for (Iterator<Map.Entry<String, JsonNode>> it = sample.figures().get("calls").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                boolean pool = e.getKey().startsWith("pool:");
                String service = services.getOrDefault(e.getKey().replaceFirst("^pool:", ""), "other");
                double perInvoke = e.getValue().asDouble() / samples.size();
                calls.merge(pool ? service + " (" + (int) poolThreads + " threads)" : service, perInvoke, Double::sum);
                awsWait += perInvoke * AWS_MS.get(service) / (pool ? poolThreads : 1);
            }
        }
        Row measured = new Row(spec, initCpu, peak, heap, nonHeap, processCpu, threadCpu, gcMs, jitMs, localWait, awsWait,
                calls, spec.memoryMb(), "");
        int best = choose(measured);
        String note = KEPT.get(spec.name());
        if (note != null) {
            return new Row(spec, initCpu, peak, heap, nonHeap, processCpu, threadCpu, gcMs, jitMs, localWait, awsWait, calls,
                    spec.memoryMb(), "kept: " + note + " (model: " + best + " MB)");
        }
        List<String> notes = new ArrayList<>();
        if (WORK.containsKey(spec.name())) {
            notes.add(WORK.get(spec.name()));
        }
        if (UNMEASURED_MB.containsKey(spec.name())) {
            notes.add(String.format(Locale.ROOT, "floor %.2f × (%.0f + %d MB of model cache) = %.0f MB", HEADROOM, peak,
                    UNMEASURED_MB.get(spec.name()), floorMb(measured)));
        }
        return new Row(spec, initCpu, peak, heap, nonHeap, processCpu, threadCpu, gcMs, jitMs, localWait, awsWait, calls,
                best, String.join("; ", notes));
    }

    private static double median(List<Sample> samples, String field) {
        double[] values = samples.stream().mapToDouble(s -> s.get(field)).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /**
     * Modelled duration at a memory setting with {@code v = M / 1769} vCPUs. The handler's path is its thread's
     * CPU time plus the serial collector's pauses (which stop it), on at most one vCPU: {@code (thread + gc) /
     * min(1, v)}; the whole process's CPU time (the JIT and ONNX Runtime's pool too) shares all of them:
     * {@code process / v}. The invoke takes the longer of the two, plus its storage requests at the assumed AWS
     * round trips. The CPU times were measured locally, where each thread had a full core.
     */
    static double durationMs(Row row, int memoryMb) {
        double vcpus = Math.min(MAX_VCPUS, memoryMb / MB_PER_VCPU);
        double path = Math.min(row.processCpuMs(), row.threadCpuMs() + row.gcMs());
        return Math.max(path / Math.min(1, vcpus), row.processCpuMs() / vcpus) + row.awsWaitMs();
    }

    /** Dollars per million invokes at a memory setting: the request price and the GB-seconds of the billed (whole ms) duration. */
    static double costPerMillion(Row row, int memoryMb) {
        double billedMs = Math.ceil(durationMs(row, memoryMb));
        return 1e6 * (PRICE_PER_REQUEST + memoryMb / 1024.0 * billedMs / 1000 * PRICE_PER_GB_SECOND_X86);
    }

    /** The candidate settings: every 64 MB from 128 MB to 10,240 MB. */
    static List<Integer> candidates() {
        List<Integer> sizes = new ArrayList<>();
        for (int mb = 128; mb <= 10_240; mb += 64) {
            sizes.add(mb);
        }
        return sizes;
    }

    /**
     * The smallest setting whose cost × latency is within {@link #FLAT} of the lowest, among those the peak fits with
     * headroom. Latency counts at least 1 ms, Lambda's billing unit: below it the model's proportional CPU share says
     * nothing a caller would see (the authorizer's 0.3 ms invoke would otherwise ask for 6 vCPUs).
     */
    static int choose(Row row) {
        List<Integer> fitting = candidates().stream().filter(mb -> mb >= floorMb(row)).toList();
        double lowest = fitting.stream().mapToDouble(mb -> objective(row, mb)).min().orElseThrow();
        return fitting.stream().filter(mb -> objective(row, mb) <= lowest * (1 + FLAT))
                .min(Comparator.naturalOrder()).orElseThrow();
    }

    /** The least memory a function may get: {@link #HEADROOM} × (its peak RSS + what it can hold beyond it, {@link #UNMEASURED_MB}). */
    static double floorMb(Row row) {
        return HEADROOM * (row.peakRssMb() + UNMEASURED_MB.getOrDefault(row.spec().name(), 0));
    }

    static double objective(Row row, int memoryMb) {
        return costPerMillion(row, memoryMb) * Math.max(1, durationMs(row, memoryMb));
    }

    /** The cheapest setting the peak fits with headroom (the smallest of equally cheap ones). */
    static int cheapest(Row row) {
        List<Integer> fitting = candidates().stream().filter(mb -> mb >= floorMb(row)).toList();
        double lowest = fitting.stream().mapToDouble(mb -> costPerMillion(row, mb)).min().orElseThrow();
        return fitting.stream().filter(mb -> costPerMillion(row, mb) <= lowest + 1e-9).min(Comparator.naturalOrder())
                .orElseThrow();
    }

    private static String loadAverage() {
        return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static void print(List<Row> rows, Map<String, Sample> atChosen, int rounds, int warm, Map<String, Integer> warmOf,
            String loadAtStart, Instant started) {
        System.out.printf(Locale.ROOT, "%nSizing: %d fresh JVM(s) per function, %d warm invokes each (figures of the last %d;"
                        + " BENCH_WARM %s), %s %s, %d cores, load average %s at the start and %s at the end, %s to %s UTC%n",
                rounds, warm, warm - warm / 2, warmOf, System.getProperty("java.vm.name"), Runtime.version(),
                Runtime.getRuntime().availableProcessors(), loadAtStart, loadAverage(), started, Instant.now());
        System.out.printf(Locale.ROOT, "Model: x86_64, $%.2f per million requests + $%.10f per GB-s (billed ms);"
                        + " CPU share M/%.0f vCPU; AWS round trips assumed %s ms; headroom %.2f× peak RSS%n%n",
                PRICE_PER_REQUEST * 1e6, PRICE_PER_GB_SECOND_X86, MB_PER_VCPU, new TreeMap<>(AWS_MS), HEADROOM);
        System.out.println("| function | peak RSS (MB) | live heap (MB) | non-heap (MB) | CPU ms/invoke: process / handler thread (VM thread; JIT, left out)"
                + " | requests/invoke | local wait ms | init CPU ms | current MB | p50 ms at current (model) | $/M at current"
                + " | chosen MB | p50 ms at chosen (model) | $/M at chosen | peak RSS at chosen (MB) | cheapest MB: p50 ms, $/M | note |");
        System.out.println("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Row row : rows) {
            int current = row.spec().memoryMb();
            Sample chosen = atChosen.get(row.spec().name());
            String calls = row.calls().isEmpty() ? "none" : row.calls().entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue()))
                    .collect(Collectors.joining(", "));
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.1f / %.1f (%.1f; %.1f) | %s | %.1f | %.0f | %d | %.1f | %.2f | %s | %.1f | %.2f | %s | %d: %.1f, %.2f | %s |%n",
                    row.spec().name(), row.peakRssMb(), row.heapLiveMb(), row.nonHeapMb(), row.processCpuMs(),
                    row.threadCpuMs(), row.gcMs(), row.jitMs(), calls, row.localWaitMs(), row.initCpuMs(), current, durationMs(row, current),
                    costPerMillion(row, current), row.chosenMb() == current ? "= " + current : "**" + row.chosenMb() + "**",
                    durationMs(row, row.chosenMb()), costPerMillion(row, row.chosenMb()),
                    chosen == null ? "" : String.format(Locale.ROOT, "%.0f", chosen.get("hwm_mb")), cheapest(row),
                    durationMs(row, cheapest(row)), costPerMillion(row, cheapest(row)), row.note());
        }
    }

    private static void writePeaks(Path file, List<Row> rows, Map<String, Sample> atChosen, int rounds, int warm,
            Instant started) throws IOException {
        StringBuilder out = new StringBuilder();
        out.append("# Peak RSS (MB, VmHWM) of each function's jar under its sample request (the workers, classify and predict: their real work), written by\n")
                .append("# dev.mlapi.local.bench.SizingBenchmark (").append(started).append(", ").append(rounds)
                .append(" JVM(s) per function, ").append(warm).append(" warm invokes each; the larger of the peaks at\n")
                .append("# the catalog's setting and at the chosen one). MeasuredMemoryTest: memoryMb >= peak x ")
                .append(HEADROOM).append(".\n");
        for (Row row : rows) {
            double peak = row.peakRssMb();
            Sample chosen = atChosen.get(row.spec().name());
            if (chosen != null) {
                peak = Math.max(peak, chosen.get("hwm_mb"));
            }
            out.append(row.spec().name()).append('=').append(String.format(Locale.ROOT, "%.0f", Math.ceil(peak)))
                    .append('\n');
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, out.toString());
        System.out.println("\nwrote " + file);
    }
}
