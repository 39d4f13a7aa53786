package dev.mlapi.report.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.requestlog.HistoryQuery;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.User;
import dev.mlapi.report.ReportStatsHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code /stats}, {@code /report} and a history page at two log sizes, side by side, in DynamoDB
 * Local: entries go through the real log write and the aggregator's rollup adapter; reads go
 * through the report handler with the sample events and through the history adapter. Prints a
 * table; asserts nothing. Sizes: {@code -Dbench.sizes=10000,100000}.
 */
public final class ReportBenchmark {

    private static final int RUNS = 7;
    private static final String[] ROUTES = {"POST /classify", "POST /auth/login", "GET /health", "GET /models"};

    private ReportBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = Arrays.stream(System.getProperty("bench.sizes", "10000,100000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        List<String> rows = new ArrayList<>();
        for (int size : sizes) {
            rows.add(run(size));
        }
        System.out.println();
        System.out.println("| logged requests | aggregation entries/s | /stats ms (median) | /report ms (median)"
                + " | history page ms (median) | p50 / p95 / p99 relative error |");
        System.out.println("|---:|---:|---:|---:|---:|---|");
        rows.forEach(System.out::println);
        // DynamoDB Local's scheduler thread is not a daemon.
        System.exit(0);
    }

    private static String run(int size) throws Exception {
        try (TestStack stack = TestStack.start()) {
            Instant now = Instant.now();
            Random random = new Random(size);
            double[] times = new double[size];
            List<RequestLogEntry> entries = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                // Log-normal processing times around 30 ms, spread over the last 7 days.
                times[i] = Math.round(Math.exp(Math.log(0.03) + 0.8 * random.nextGaussian()) * 1e6) / 1e6;
                Instant at = now.minusMillis((long) (random.nextDouble() * Duration.ofDays(7).toMillis()));
                String route = ROUTES[random.nextInt(ROUTES.length)];
                boolean classify = route.equals("POST /classify");
                entries.add(new RequestLogEntry(UUID.randomUUID().toString(), at, route, route.split(" ")[0],
                        route.split(" ")[1], Optional.of("user" + random.nextInt(50)),
                        random.nextInt(20) == 0 ? 404 : 200, times[i], 1000 + random.nextInt(100_000),
                        classify ? Optional.of("https://example.com/img" + random.nextInt(500) + ".jpg") : Optional.empty(),
                        classify ? Optional.of(224 + random.nextInt(800)) : Optional.empty(),
                        classify ? Optional.of(224 + random.nextInt(600)) : Optional.empty(),
                        classify ? Optional.of("mobilenetv2:1") : Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), at.plus(Duration.ofDays(90))));
            }
            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            for (RequestLogEntry entry : entries) {
                pool.submit(() -> {
                    stack.wiring().requestLog().record(entry);
                    stack.wiring().requestRollups().apply(entry);
                });
            }
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.HOURS);
            double perSecond = size / ((System.nanoTime() - start) / 1e9);

            User account = new User(UUID.randomUUID().toString(), "root", Optional.empty(), Role.ADMIN, "x", now, 0);
            stack.wiring().userStore().create(account);
            String token = stack.wiring().jwt().issue(account).token();
            ReportStatsHandler handler = new ReportStatsHandler(stack.wiring());
            Map<String, String> week = Map.of("from", now.minus(Duration.ofDays(7)).toString());
            double statsMs = median(() -> call(handler, "report-stats.json", token, week));
            double reportMs = median(() -> call(handler, "report-by-image-url.json", token, week));
            double historyMs = median(() -> {
                stack.wiring().requestHistory().list(new HistoryQuery(now.minus(Duration.ofDays(7)),
                        now.plusSeconds(60), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), 50));
                return null;
            });
            JsonNode stats = Events.body(call(handler, "report-stats.json", token, week));
            Arrays.sort(times);
            String errors = String.join(" / ", error(stats, "median_processing_time", times, 0.5),
                    error(stats, "percentile_95_processing_time", times, 0.95),
                    error(stats, "percentile_99_processing_time", times, 0.99));
            return String.format(Locale.ROOT, "| %,d | %,.0f | %.0f | %.0f | %.0f | %s |", size, perSecond, statsMs,
                    reportMs, historyMs, errors);
        }
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
