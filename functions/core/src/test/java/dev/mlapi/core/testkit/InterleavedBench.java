package dev.mlapi.core.testkit;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.catalog.FunctionSpec;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Warm latency measured interleaved, shared by the warm benchmarks: every call of every subject
 * runs once in turn per round, so the JIT, the collector and the machine's load fall on all rows
 * alike. Warm-up runs at least {@code bench.warmup} rounds (400) and then on, 100 rounds at a
 * time, until the median of the first subject's first call (the handler) over the last 100 rounds
 * moves less than 3% (at most {@code bench.maxWarmup}, 2,000 rounds); then
 * {@code bench.iterations} rounds (300) are measured. Results print as markdown tables in ms.
 * Also what the benchmarks' rows share: the timed handler call, the POST event it sends, and
 * the run that halts the JVM when done.
 */
public final class InterleavedBench {

    public static final int WARMUP = Integer.getInteger("bench.warmup", 400);
    public static final int MAX_WARMUP = Math.max(WARMUP, Integer.getInteger("bench.maxWarmup", 2_000));
    public static final int ITERATIONS = Integer.getInteger("bench.iterations", 300);

    private InterleavedBench() {
    }

    /** A benchmark's body, run by {@link #runThenHalt}. */
    @FunctionalInterface
    public interface Benchmark {
        void run() throws Exception;
    }

    /**
     * Runs {@code benchmark} when {@link BenchSelection} includes {@code name}, then halts the JVM:
     * DynamoDB Local's scheduler thread is not a daemon, so without the halt the command hangs after printing.
     */
    public static void runThenHalt(String name, Benchmark benchmark) throws Exception {
        if (!BenchSelection.runs(name)) {
            return;
        }
        try {
            benchmark.run();
        } finally {
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }

    /** What one table measures: its heading and one call per row, each returning the nanoseconds it timed. */
    public record Subject(String heading, List<LongSupplier> calls) {
    }

    /** One row's measured rounds, in nanoseconds. */
    public record Row(String label, long[] nanos) {

        public double p50() {
            return pct(nanos, 50);
        }

        public double p95() {
            return pct(nanos, 95);
        }

        public double mean() {
            return InterleavedBench.mean(nanos);
        }
    }

    /** One subject's rows, in the order of its calls. */
    public record Table(String heading, List<Row> rows) {

        public Row row(int index) {
            return rows.get(index);
        }

        /** Prints the heading and a row per call: p50, p95 and mean in ms with {@code decimals} places. */
        public void print(int labelWidth, int decimals) {
            print(labelWidth, decimals, null);
        }

        /** The same with a last column: each row's p50 over {@code floor}'s p50. */
        public void print(int labelWidth, int decimals, Row floor) {
            String ratioHeader = floor == null ? "" : String.format(" %9s |", "p50/floor");
            String ratioRule = floor == null ? "" : "-".repeat(11) + "|";
            String figure = "%8." + decimals + "f";
            System.out.printf(Locale.ROOT, "%n%s%n%n", heading);
            System.out.printf("| %-" + labelWidth + "s | %8s | %8s | %8s |%s%n", "what", "p50 ms", "p95 ms", "mean ms",
                    ratioHeader);
            System.out.printf("|%s|%s|%s|%s|%s%n", "-".repeat(labelWidth + 2), "-".repeat(10), "-".repeat(10),
                    "-".repeat(10), ratioRule);
            for (Row row : rows) {
                String ratio = floor == null ? "" : String.format(Locale.ROOT, " %8.2f× |", row.p50() / floor.p50());
                System.out.printf(Locale.ROOT, "| %-" + labelWidth + "s | " + figure + " | " + figure + " | " + figure
                        + " |%s%n", row.label(), row.p50(), row.p95(), row.mean(), ratio);
            }
        }
    }

    /** The warm-up rounds it took and a table per subject. */
    public record Result(int warmupRounds, List<Table> tables) {
    }

    /** A row: the nanoseconds {@code work} takes. */
    public static LongSupplier timed(Runnable work) {
        return () -> {
            long t0 = System.nanoTime();
            work.run();
            return System.nanoTime() - t0;
        };
    }

    /**
     * A row: {@code handler} on a fresh {@link #post} of {@code body} (built outside the clock, no
     * Lambda context), its answer checked for 200 after the clock stops.
     */
    public static LongSupplier handlerCall(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler,
            String path, String body, String token) {
        return () -> {
            APIGatewayV2HTTPEvent event = post(path, body, token);
            long t0 = System.nanoTime();
            var response = handler.handleRequest(event, null);
            long elapsed = System.nanoTime() - t0;
            check(response.getStatusCode(), response.getBody());
            return elapsed;
        };
    }

    /** An API Gateway (HTTP API, payload 2.0) {@code POST path} of a JSON body with a bearer token and a fresh request id. */
    public static APIGatewayV2HTTPEvent post(String path, String body, String token) {
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("POST " + path)
                .withRawPath(path)
                .withHeaders(Map.of("content-type", "application/json", "authorization", "Bearer " + token))
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId(UUID.randomUUID().toString())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod("POST").withPath(path).withSourceIp("127.0.0.1").build())
                        .build())
                .withBody(body)
                .withIsBase64Encoded(false)
                .build();
    }

    /** Stops the benchmark when a call did not answer 200: a failing call's time means nothing. */
    public static void check(int status, String detail) {
        if (status != 200) {
            throw new IllegalStateException(status + ": " + detail);
        }
    }

    /** Warms up and measures every subject's calls interleaved; {@code labels} name the calls, in order. */
    public static Result measure(List<String> labels, List<Subject> subjects) {
        for (Subject subject : subjects) {
            if (subject.calls().size() != labels.size()) {
                throw new IllegalArgumentException(subject.heading() + ": " + subject.calls().size() + " calls for "
                        + labels.size() + " labels");
            }
        }
        List<LongSupplier> all = subjects.stream().flatMap(s -> s.calls().stream()).toList();
        int warmup = warmUp(all);
        List<long[]> samples = new ArrayList<>();
        all.forEach(c -> samples.add(new long[ITERATIONS]));
        for (int i = 0; i < ITERATIONS; i++) {
            for (int c = 0; c < all.size(); c++) {
                samples.get(c)[i] = all.get(c).getAsLong();
            }
        }
        List<Table> tables = new ArrayList<>();
        for (int s = 0; s < subjects.size(); s++) {
            List<Row> rows = new ArrayList<>();
            for (int r = 0; r < labels.size(); r++) {
                rows.add(new Row(labels.get(r), samples.get(s * labels.size() + r)));
            }
            tables.add(new Table(subjects.get(s).heading(), List.copyOf(rows)));
        }
        return new Result(warmup, List.copyOf(tables));
    }

    /** At least {@link #WARMUP} rounds of every call, then on until the first call's median settles. */
    private static int warmUp(List<LongSupplier> all) {
        double previous = Double.NaN;
        int rounds = 0;
        while (rounds < MAX_WARMUP) {
            long[] block = new long[100];
            for (int i = 0; i < block.length; i++) {
                for (int c = 0; c < all.size(); c++) {
                    long elapsed = all.get(c).getAsLong();
                    if (c == 0) {
                        block[i] = elapsed;
                    }
                }
            }
            rounds += block.length;
            double median = pct(block, 50);
            if (rounds >= WARMUP && Math.abs(median - previous) / previous < 0.03) {
                break;
            }
            previous = median;
        }
        return rounds;
    }

    /**
     * Prints what ran and where: the function and {@code what} it serves, the rounds, the JVM's
     * {@code -XX:} flags, cores, load average and Java version, then the JVM options the catalog
     * deploys the function with.
     */
    public static void printHeader(FunctionSpec function, String what, int warmupRounds) {
        String flags = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:")).reduce((a, b) -> a + " " + b).orElse("(JVM defaults: full tiered JIT)");
        System.out.printf(Locale.ROOT, "%n%s warm benchmark: %s, %d iterations after %d warm-up rounds,"
                        + " all rows interleaved; JIT %s; %d cores, load average %.1f, Java %s%n",
                function.name(), what, ITERATIONS, warmupRounds, flags, Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), System.getProperty("java.version"));
        System.out.println("(" + function.name() + " deploys with " + function.jvmOptions() + ")");
    }

    /** The {@code percentile}th of {@code nanos}, nearest rank, in ms. */
    public static double pct(long[] nanos, int percentile) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }

    /** The mean of {@code nanos}, in ms. */
    public static double mean(long[] nanos) {
        return Arrays.stream(nanos).average().orElse(0) / 1e6;
    }
}
