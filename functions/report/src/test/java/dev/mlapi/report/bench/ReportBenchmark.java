package dev.mlapi.report.bench;

import dev.mlapi.core.testkit.BenchSelection;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.aggregator.AggregateRequestLogHandler;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.requestlog.HistoryPosition;
import dev.mlapi.core.requestlog.HistoryQuery;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.StreamEvents;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.users.User;
import dev.mlapi.report.ReportStatsHandler;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * History, report and stats at several log sizes, side by side, in an in-memory DynamoDB Local.
 * The log is written through the real request-log adapter's item mapping ({@code recordAll}:
 * BatchWriteItem, 25 a call, {@value #WRITERS} threads); the same entries, in log order, reach the
 * real aggregator handler as stream events of {@value #STREAM_BATCH} records (the trigger's batch
 * size), built from the items the log wrote. Reads go through the report handler with the sample
 * events and through the history adapter. Prints a table; asserts nothing. Sizes:
 * {@code -Dbench.sizes=10000,1000000}.
 */
public final class ReportBenchmark {

    private static final int RUNS = 7;
    private static final int WRITERS = 4;
    private static final int BLOCK = 1000;
    private static final int STREAM_BATCH = 100;
    private static final Duration SPAN = Duration.ofDays(7);
    private static final String[] ROUTES = {"POST /classify", "POST /auth/login", "GET /health", "GET /models"};

    private ReportBenchmark() {
    }

    public static void main(String[] args) {
        if (!BenchSelection.runs("report")) {
            return;
        }
        try {
            report(args);
        } catch (Exception | Error e) {
            e.printStackTrace();
            // DynamoDB Local's scheduler thread is not a daemon: without this, a failed run never ends.
            System.exit(1);
        }
        System.exit(0);
    }

    private static void report(String[] args) throws Exception {
        int[] sizes = Arrays.stream(System.getProperty("bench.sizes", "10000,1000000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        List<String> rows = new ArrayList<>();
        for (int size : sizes) {
            rows.add(run(size));
            System.out.println(rows.get(rows.size() - 1));
        }
        System.out.println();
        System.out.println("| logged requests | log writes entries/s | aggregation entries/s | /stats ms"
                + " | /stats?interval=hour ms | /report by image_url ms | /report by route ms"
                + " | history first page ms | history deep page ms | per-user history page ms"
                + " | p50 / p95 / p99 relative error |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        rows.forEach(System.out::println);
    }

    /** The generated log: entry {@code i} of {@code size}, the same every time it is asked for. */
    private record Log(int size, Instant start) {

        RequestLogEntry entry(int i) {
            SplittableRandom random = new SplittableRandom(size * 1_000_003L + i);
            // In log order: spread evenly over the span, as a steady load writes them.
            Instant at = start.plus(SPAN.toNanos() / 1000 * i / size, ChronoUnit.MICROS);
            String route = ROUTES[random.nextInt(ROUTES.length)];
            boolean classify = route.equals("POST /classify");
            return new RequestLogEntry(new UUID(random.nextLong(), random.nextLong()).toString(), at, route,
                    route.split(" ")[0], route.split(" ")[1], Optional.of("user" + random.nextInt(50)),
                    random.nextInt(20) == 0 ? 404 : 200, processingTime(random), 1000 + random.nextInt(100_000),
                    classify ? Optional.of("https://example.com/img" + random.nextInt(500) + ".jpg") : Optional.empty(),
                    classify ? Optional.of(224 + random.nextInt(800)) : Optional.empty(),
                    classify ? Optional.of(224 + random.nextInt(600)) : Optional.empty(),
                    classify ? Optional.of("mobilenetv2:1") : Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), at.plus(Duration.ofDays(90)));
        }

        /** Log-normal around 30 ms, to the microsecond the log stores. */
        private static double processingTime(SplittableRandom random) {
            return Math.round(Math.exp(Math.log(0.03) + 0.8 * random.nextGaussian()) * 1e6) / 1e6;
        }

        List<RequestLogEntry> entries(int from, int to) {
            List<RequestLogEntry> entries = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                entries.add(entry(i));
            }
            return entries;
        }
    }

    private static String run(int size) throws Exception {
        try (TestStack stack = TestStack.start()) {
            // Whole hours: /stats from the first hour counts every entry.
            Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS);
            Log log = new Log(size, now.minus(SPAN));
            double[] times = new double[size];

            DynamoDbRequestLog requestLog = new DynamoDbRequestLog(stack.wiring().dynamoDb(),
                    stack.config().requestLogTable());
            long start = System.nanoTime();
            long writeStart = start;
            java.util.concurrent.atomic.AtomicInteger writtenCount = new java.util.concurrent.atomic.AtomicInteger();
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            List<Future<?>> written = new ArrayList<>();
            for (int from = 0; from < size; from += BLOCK) {
                int blockStart = from;
                written.add(writers.submit(() -> {
                    List<RequestLogEntry> block = log.entries(blockStart, Math.min(size, blockStart + BLOCK));
                    requestLog.recordAll(block);
                    for (int i = 0; i < block.size(); i++) {
                        times[blockStart + i] = block.get(i).processingTime();
                    }
                    int done = writtenCount.addAndGet(block.size());
                    if (done % 100_000 == 0) {
                        System.out.printf(Locale.ROOT, "  %,d written, %,.0f/s%n", done,
                                done / ((System.nanoTime() - writeStart) / 1e9));
                    }
                }));
            }
            for (Future<?> block : written) {
                block.get();
            }
            writers.shutdown();
            double writesPerSecond = size / ((System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "%,d log entries written: %,.0f/s%n", size, writesPerSecond);

            // One shard, as the stream delivers it: batches in log order, one after another.
            AggregateRequestLogHandler aggregator = new AggregateRequestLogHandler(stack.wiring());
            start = System.nanoTime();
            for (int from = 0; from < size; from += STREAM_BATCH) {
                List<DynamodbStreamRecord> records = new ArrayList<>(STREAM_BATCH);
                int to = Math.min(size, from + STREAM_BATCH);
                for (int i = from; i < to; i++) {
                    records.add(StreamEvents.insertOf(DynamoDbRequestLog.toItem(log.entry(i)),
                            List.of(DynamoDbRequestLog.REQUEST_ID), i + 1L));
                }
                StreamsEventResponse response = aggregator.handleRequest(StreamEvents.eventOf(records), null);
                if (!response.getBatchItemFailures().isEmpty()) {
                    throw new IllegalStateException("aggregation failed at record "
                            + response.getBatchItemFailures().get(0).getItemIdentifier());
                }
                if (to % 100_000 == 0) {
                    System.out.printf(Locale.ROOT, "  %,d aggregated, %,.0f/s%n", to,
                            to / ((System.nanoTime() - start) / 1e9));
                }
            }
            double aggregatedPerSecond = size / ((System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "%,d entries aggregated: %,.0f/s%n", size, aggregatedPerSecond);

            User account = new User(UUID.randomUUID().toString(), "root", Optional.empty(), Role.ADMIN, "x", now, 0);
            stack.wiring().userStore().create(account);
            String token = stack.wiring().jwt().issue(account).token();
            ReportStatsHandler handler = new ReportStatsHandler(stack.wiring());
            String week = now.minus(SPAN).toString();
            double statsMs = median(() -> call(handler, "report-stats.json", token, Map.of("from", week)));
            double hourlyMs = median(() -> call(handler, "report-stats.json", token,
                    Map.of("from", week, "interval", "hour")));
            double byImageMs = median(() -> call(handler, "report-by-image-url.json", token,
                    Map.of("from", week, "group_by", "image_url", "sort", "-count", "limit", "10")));
            double byRouteMs = median(() -> call(handler, "report-by-image-url.json", token,
                    Map.of("from", week, "group_by", "route", "sort", "-count", "limit", "10")));
            RequestLogEntry middle = log.entry(size / 2);
            HistoryPosition deep = new HistoryPosition(middle.createdAt().atOffset(ZoneOffset.UTC).toLocalDate().toString(),
                    DynamoDbRequestLog.timestamp(middle.createdAt()), middle.requestId());
            double firstPageMs = median(() -> history(stack, now, Optional.empty(), Optional.empty()));
            double deepPageMs = median(() -> history(stack, now, Optional.empty(), Optional.of(deep)));
            double userPageMs = median(() -> history(stack, now, Optional.of("user7"), Optional.empty()));

            JsonNode stats = Events.body(call(handler, "report-stats.json", token, Map.of("from", week)));
            if (stats.get("total_requests") != null && stats.get("total_requests").asLong() != size) {
                throw new IllegalStateException("/stats counts " + stats.get("total_requests") + ", not " + size);
            }
            Arrays.sort(times);
            String errors = String.join(" / ", error(stats, "median_processing_time", times, 0.5),
                    error(stats, "percentile_95_processing_time", times, 0.95),
                    error(stats, "percentile_99_processing_time", times, 0.99));
            return String.format(Locale.ROOT, "| %,d | %,.0f | %,.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %s |",
                    size, writesPerSecond, aggregatedPerSecond, statsMs, hourlyMs, byImageMs, byRouteMs, firstPageMs,
                    deepPageMs, userPageMs, errors);
        }
    }

    private static Object history(TestStack stack, Instant now, Optional<String> user, Optional<HistoryPosition> after) {
        int listed = stack.wiring().requestHistory().list(new HistoryQuery(now.minus(SPAN), now.plusSeconds(60),
                Optional.empty(), user, Optional.empty(), Optional.empty(), after, 50)).items().size();
        if (listed != 50) {
            throw new IllegalStateException("a history page listed " + listed + " entries, not 50");
        }
        return listed;
    }

    private static APIGatewayV2HTTPResponse call(ReportStatsHandler handler, String file, String token,
            Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Events.withBearer(Events.load(file), token);
        event.setQueryStringParameters(query);
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        if (response.getStatusCode() != 200) {
            throw new IllegalStateException(file + " → " + response.getStatusCode() + " " + response.getBody());
        }
        return response;
    }

    private static String error(JsonNode stats, String field, double[] sorted, double q) {
        double exact = sorted[(int) Math.max(1, Math.ceil(q * sorted.length)) - 1];
        return String.format(Locale.ROOT, "%.2f%%", 100 * Math.abs(stats.get(field).asDouble() - exact) / exact);
    }

    private static double median(Supplier<?> call) {
        call.get();
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            call.get();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[RUNS / 2];
    }
}
