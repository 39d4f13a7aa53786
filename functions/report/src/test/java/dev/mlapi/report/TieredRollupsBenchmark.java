package dev.mlapi.report;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.aggregator.RequestLogAggregator;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.aws.DynamoDbRequestRollups;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.rollup.Rollup;
import dev.mlapi.core.rollup.RollupKey;
import dev.mlapi.core.rollup.Tier;
import dev.mlapi.core.testkit.BenchSelection;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.StreamEvents;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import dev.mlapi.core.users.Role;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * The tiered rollups at {@code -Dbench.requests} (default 1 million) logged requests spread over
 * the last 90 days: {@code /stats} and {@code /report} for a 1-minute, 1-hour, 7-day and 90-day
 * window (median ms and items read), checked against the exact figures of the generated entries;
 * and the aggregator's throughput with three tiers against one (hour) tier. Prints tables; asserts
 * nothing. The most recent {@code -Dbench.aggregated} entries go through the real aggregator as
 * stream batches of 100 (interleaved between a three-tier and a one-tier store, each its own
 * DynamoDB Local); the older ones' rollups are merged in memory and written with
 * {@link DynamoDbRequestRollups#seed} (the aggregator's item updates without markers), since a
 * million entries through the stream would take hours here.
 */
public final class TieredRollupsBenchmark {

    private static final int RUNS = 5;
    private static final int STREAM_BATCH = 100;
    private static final String[] ROUTES = {"POST /classify", "POST /auth/login", "GET /health", "GET /models"};

    private TieredRollupsBenchmark() {
    }

    public static void main(String[] args) {
        if (!BenchSelection.runs("report")) {
            return;
        }
        try {
            run(Integer.getInteger("bench.requests", 1_000_000), Integer.getInteger("bench.aggregated", 20_000));
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1); // DynamoDB Local's scheduler thread is not a daemon
        }
        System.exit(0);
    }

    /** Entry {@code i} of {@code size}, spread evenly from {@code start} to {@code end}, in log order. */
    private static RequestLogEntry entry(int size, int i, Instant start, Instant end) {
        SplittableRandom random = new SplittableRandom(size * 1_000_003L + i);
        Instant at = start.plus(Duration.between(start, end).toNanos() / 1000 * i / size, ChronoUnit.MICROS);
        String route = ROUTES[random.nextInt(ROUTES.length)];
        boolean classify = route.equals("POST /classify");
        double seconds = Math.round(Math.exp(Math.log(0.03) + 0.8 * random.nextGaussian()) * 1e6) / 1e6;
        return new RequestLogEntry(new UUID(random.nextLong(), random.nextLong()).toString(), at, route,
                route.split(" ")[0], route.split(" ")[1], Optional.of("user" + random.nextInt(50)),
                random.nextInt(20) == 0 ? 404 : 200, seconds, 1000 + random.nextInt(100_000),
                classify ? Optional.of("https://example.com/img" + random.nextInt(500) + ".jpg") : Optional.empty(),
                classify ? Optional.of(224 + random.nextInt(800)) : Optional.empty(),
                classify ? Optional.of(224 + random.nextInt(600)) : Optional.empty(),
                classify ? Optional.of("mobilenetv2:1") : Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), at.plus(Duration.ofDays(90)));
    }

    private static void run(int size, int aggregated) throws Exception {
        System.out.printf(Locale.ROOT, "load average at start: %.1f%n", load());
        try (TestStack three = TestStack.start(); TestStack one = TestStack.start()) {
            Duration retention = three.config().requestLogRetention();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
            Instant start = Tier.DAY.oldestKept(now, retention);
            long[] at = new long[size];
            double[] times = new double[size];
            int seeded = size - aggregated;

            // The older entries: merged in memory, written as rollups (every tier still kept for them).
            long began = System.nanoTime();
            Map<RollupKey, Rollup> merged = new HashMap<>();
            for (int i = 0; i < size; i++) {
                RequestLogEntry entry = entry(size, i, start, now);
                at[i] = entry.createdAt().toEpochMilli();
                times[i] = entry.processingTime();
                if (i >= seeded) {
                    continue;
                }
                List<Tier> kept = Arrays.stream(Tier.values())
                        .filter(t -> t.expiry(t.floor(entry.createdAt()), retention).isAfter(now)).toList();
                for (RollupKey key : RollupKey.of(entry, kept)) {
                    merged.computeIfAbsent(key, k -> Rollup.of(0, 0, 0, 0, 0, 0, 0, 0)).merge(Rollup.of(entry));
                }
            }
            System.out.printf(Locale.ROOT, "%,d entries generated, %,d rollups merged from the first %,d in %.0f s%n",
                    size, merged.size(), seeded, (System.nanoTime() - began) / 1e9);
            began = System.nanoTime();
            rollupsOf(three, three.wiring().dynamoDb(), List.of(Tier.values())).seed(merged);
            System.out.printf(Locale.ROOT, "rollups written in %.0f s; load average %.1f%n",
                    (System.nanoTime() - began) / 1e9, load());
            merged = null;

            // The most recent entries through the aggregator, three tiers and one tier interleaved.
            AtomicLong[] transactions = {new AtomicLong(), new AtomicLong()};
            AtomicLong[] items = {new AtomicLong(), new AtomicLong()};
            RequestLogAggregator[] aggregators = {
                new RequestLogAggregator(rollupsOf(three, counting(three, transactions[0], items[0]), List.of(Tier.values()))),
                new RequestLogAggregator(rollupsOf(one, counting(one, transactions[1], items[1]), List.of(Tier.HOUR)))};
            long[] nanos = new long[2];
            int batches = 0;
            for (int from = seeded; from < size; from += STREAM_BATCH) {
                List<DynamodbStreamRecord> records = new ArrayList<>(STREAM_BATCH);
                for (int i = from; i < Math.min(size, from + STREAM_BATCH); i++) {
                    records.add(StreamEvents.insertOf(DynamoDbRequestLog.toItem(entry(size, i, start, now)),
                            List.of(DynamoDbRequestLog.REQUEST_ID), i + 1L));
                }
                batches++;
                for (int v = 0; v < 2; v++) {
                    long t = System.nanoTime();
                    if (!aggregators[v].aggregate(records).getBatchItemFailures().isEmpty()) {
                        throw new IllegalStateException("aggregation failed at batch " + batches);
                    }
                    nanos[v] += System.nanoTime() - t;
                }
            }
            System.out.printf(Locale.ROOT, "%nAggregator, %,d entries (the most recent, %.1f a minute) in %d batches of %d,"
                    + " interleaved; load average %.1f%n%n", aggregated,
                    size / (double) Duration.between(start, now).toMinutes(), batches, STREAM_BATCH, load());
            System.out.println("| tiers written | entries/s | transactions per 100-record batch | items written per 100-record batch | items per transaction |");
            System.out.println("|---|---:|---:|---:|---:|");
            String[] names = {"minute + hour + day", "hour (as before)"};
            for (int v = 0; v < 2; v++) {
                System.out.printf(Locale.ROOT, "| %s | %,.0f | %.2f | %.1f | %.1f |%n", names[v],
                        aggregated / (nanos[v] / 1e9), transactions[v].get() / (double) batches,
                        items[v].get() / (double) batches, items[v].get() / (double) transactions[v].get());
            }

            // Reads.
            ExactWindowTest.CountingRollups counting = new ExactWindowTest.CountingRollups(three.wiring().requestRollups());
            ReportStatsHandler handler = new ReportStatsHandler(three.wiring(),
                    new ReportService(counting, Clock.systemUTC(), retention, ReportLimits.DEFAULT));
            String token = three.signedIn("root", Role.ADMIN).token();
            Instant hour = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));
            Instant minute = now.minus(Duration.ofMinutes(10));
            Map<String, Instant[]> windows = new java.util.LinkedHashMap<>();
            windows.put("1 minute", new Instant[] {minute, minute.plus(Duration.ofMinutes(1))});
            windows.put("1 hour", new Instant[] {hour, hour.plus(Duration.ofHours(1))});
            windows.put("7 days (days + ragged hours and minutes)", new Instant[] {Tier.DAY.floor(now).minus(Duration.ofDays(7)), now});
            windows.put("90 days (days + ragged hours and minutes)", new Instant[] {start, now});
            System.out.printf(Locale.ROOT, "%n/stats and /report, %,d logged requests over 90 days, median of %d; load average %.1f%n%n",
                    size, RUNS, load());
            System.out.println("| window | from → to | tiers read | /stats ms | /stats items | /report by route ms | items"
                    + " | /report by image_url ms | items | total exact | min / max exact | p95 error |");
            System.out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|");
            for (Map.Entry<String, Instant[]> window : windows.entrySet()) {
                Map<String, String> query = Map.of("from", window.getValue()[0].toString(), "to", window.getValue()[1].toString());
                Measured stats = measure(counting, () -> call(handler, "report-stats.json", token, query));
                java.util.Set<Tier> tiers = new java.util.TreeSet<>(counting.tiersRead());
                Map<String, String> byRoute = new HashMap<>(query);
                byRoute.put("group_by", "route");
                Measured route = measure(counting, () -> call(handler, "report-by-image-url.json", token, byRoute));
                Map<String, String> byUrl = new HashMap<>(query);
                byUrl.putAll(Map.of("group_by", "image_url", "limit", "10"));
                Measured url = measure(counting, () -> call(handler, "report-by-image-url.json", token, byUrl));
                JsonNode body = Events.body(call(handler, "report-stats.json", token, query));
                long fromMs = window.getValue()[0].toEpochMilli();
                long toMs = window.getValue()[1].toEpochMilli();
                double[] exact = java.util.stream.IntStream.range(0, size).filter(i -> at[i] >= fromMs && at[i] < toMs)
                        .mapToDouble(i -> times[i]).sorted().toArray();
                boolean totalExact = body.get("total_requests").asLong() == exact.length;
                boolean boundsExact = exact.length > 0 && body.get("min_processing_time").asDouble() == exact[0]
                        && body.get("max_processing_time").asDouble() == exact[exact.length - 1];
                double p95 = exact.length == 0 ? 0 : exact[(int) Math.max(1, Math.ceil(0.95 * exact.length)) - 1];
                System.out.printf(Locale.ROOT, "| %s | %s → %s | %s | %.0f | %,d | %.0f | %,d | %.0f | %,d | %s (%,d) | %s | %.2f%% |%n",
                        window.getKey(), window.getValue()[0], window.getValue()[1],
                        tiers.stream().map(Tier::apiName).toList(), stats.ms, stats.items, route.ms, route.items,
                        url.ms, url.items, totalExact ? "yes" : "NO", exact.length, exact.length == 0 ? "n/a (no requests)" : boundsExact ? "yes" : "NO",
                        exact.length == 0 ? 0 : 100 * Math.abs(body.get("percentile_95_processing_time").asDouble() - p95) / p95);
            }
            System.out.printf(Locale.ROOT, "%nload average at the end: %.1f%n", load());
        }
    }

    private record Measured(double ms, long items) {
    }

    private static Measured measure(ExactWindowTest.CountingRollups counting, Supplier<?> call) {
        call.get();
        double[] ms = new double[RUNS];
        long items = 0;
        for (int i = 0; i < RUNS; i++) {
            counting.reset();
            long t = System.nanoTime();
            call.get();
            ms[i] = (System.nanoTime() - t) / 1e6;
            items = counting.itemsRead();
        }
        Arrays.sort(ms);
        return new Measured(ms[RUNS / 2], items);
    }

    private static DynamoDbRequestRollups rollupsOf(TestStack stack, DynamoDbClient client, List<Tier> tiers) {
        return new DynamoDbRequestRollups(client, stack.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS),
                stack.config().requestLogTable(), stack.config().requestLogRetention(), Clock.systemUTC(), tiers);
    }

    private static DynamoDbClient counting(TestStack stack, AtomicLong transactions, AtomicLong items) {
        return new ThrottlingDynamoDb(stack.wiring().dynamoDb()).throttle(request -> {
            if (request instanceof TransactWriteItemsRequest transaction) {
                transactions.incrementAndGet();
                items.addAndGet(transaction.transactItems().size());
            }
            return false;
        });
    }

    private static APIGatewayV2HTTPResponse call(ReportStatsHandler handler, String file, String token,
            Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Events.withBearer(Events.load(file), token);
        event.setQueryStringParameters(query);
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        if (response.getStatusCode() != 200) {
            throw new IllegalStateException(file + " " + query + " → " + response.getStatusCode() + " " + response.getBody());
        }
        return response;
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
