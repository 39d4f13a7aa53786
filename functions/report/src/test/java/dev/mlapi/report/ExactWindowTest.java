package dev.mlapi.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.rollup.Dimension;
import dev.mlapi.core.rollup.LogSketch;
import dev.mlapi.core.rollup.ReadBudget;
import dev.mlapi.core.rollup.RequestRollups;
import dev.mlapi.core.rollup.Rollup;
import dev.mlapi.core.rollup.Tier;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /stats} and {@code /report} answer exactly for windows whose ends fall on minutes, read
 * from the tiered rollups the real adapter wrote to DynamoDB Local: figures equal those computed
 * from the entries themselves, ends off a minute are a 400 naming the boundaries to use, and the
 * coarsest tier that fits keeps the items read bounded.
 */
class ExactWindowTest {

    /**
     * 22:00 UTC yesterday: the burst runs from 20 minutes before it to 80 minutes after, all within
     * a UTC day that has ended (so the day-tier bounds below hold at any time of day the test runs,
     * and the burst is at most 27 hours old, well inside the minute tier's 48).
     */
    private static final Instant HOUR = burstHour(Instant.now());
    private static final Instant FROM = HOUR.minus(Duration.ofMinutes(13));

    static Instant burstHour(Instant now) {
        return Tier.DAY.floor(now).minus(Duration.ofHours(2));
    }
    private static final Instant TO = HOUR.plus(Duration.ofMinutes(71));

    static TestStack stack;
    static CountingRollups rollups;
    static ReportStatsHandler handler;
    static String admin;
    static final List<RequestLogEntry> BURST = new ArrayList<>();

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        rollups = new CountingRollups(stack.wiring().requestRollups());
        handler = new ReportStatsHandler(stack.wiring(), new ReportService(rollups, Clock.systemUTC(),
                stack.config().requestLogRetention(), ReportLimits.DEFAULT));
        admin = stack.signedIn("root", Role.ADMIN).token();
        Random random = new Random(11);
        for (int i = 0; i < 600; i++) {
            Instant at = HOUR.minus(Duration.ofMinutes(20)).plusMillis(i * 10_000L + random.nextInt(10_000));
            String route = i % 3 == 0 ? "POST /auth/login" : "POST /classify";
            int status = i % 10 == 0 ? 404 : i % 29 == 0 ? 503 : 200;
            double seconds = Math.round((0.004 + random.nextDouble() * random.nextDouble() * 1.5) * 1e6) / 1e6;
            BURST.add(new RequestLogEntry(UUID.randomUUID().toString(), at, route, "POST", route.substring(5),
                    Optional.of("alice"), status, seconds, 500 + i, Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    at.plus(Duration.ofDays(90))));
        }
        stack.wiring().requestRollups().applyAll(BURST);
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static APIGatewayV2HTTPResponse call(String file, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Events.withBearer(Events.load(file), admin);
        event.setQueryStringParameters(query);
        return Events.invoke(handler, event);
    }

    private static List<RequestLogEntry> inWindow(Instant from, Instant to) {
        return BURST.stream().filter(e -> !e.createdAt().isBefore(from) && e.createdAt().isBefore(to)).toList();
    }

    private static double nearestRank(double[] sorted, double q) {
        return sorted[(int) Math.max(1, Math.ceil(q * sorted.length)) - 1];
    }

    private static void assertWithinSketchError(JsonNode actual, double exact) {
        assertThat(actual.asDouble()).isCloseTo(exact, within(exact * LogSketch.RELATIVE_ERROR + 1e-9));
    }

    @Test
    void stats_forAWindowOnMinutes_equalTheFiguresOfItsEntries_minAndMaxExact() {
        JsonNode stats = Events.body(call("report-stats.json", Map.of("from", FROM.toString(), "to", TO.toString())));

        List<RequestLogEntry> exact = inWindow(FROM, TO);
        assertThat(exact.size()).as("the burst has entries on both sides of the window").isLessThan(BURST.size());
        assertThat(stats.get("from").asText()).isEqualTo(FROM.toString());
        assertThat(stats.get("to").asText()).isEqualTo(TO.toString());
        double[] times = exact.stream().mapToDouble(RequestLogEntry::processingTime).sorted().toArray();
        assertThat(stats.get("total_requests").asLong()).isEqualTo(exact.size());
        assertThat(stats.get("error_rate").asDouble())
                .isCloseTo(exact.stream().filter(e -> e.statusCode() >= 400).count() / (double) exact.size(), within(1e-12));
        assertThat(stats.get("mean_processing_time").asDouble()).isCloseTo(
                java.util.Arrays.stream(times).average().orElseThrow(), within(1e-9));
        assertWithinSketchError(stats.get("median_processing_time"), nearestRank(times, 0.5));
        assertWithinSketchError(stats.get("percentile_95_processing_time"), nearestRank(times, 0.95));
        assertWithinSketchError(stats.get("percentile_99_processing_time"), nearestRank(times, 0.99));
        assertThat(stats.get("min_processing_time").asDouble()).isEqualTo(times[0]);
        assertThat(stats.get("max_processing_time").asDouble()).isEqualTo(times[times.length - 1]);
        assertThat(stats.get("by_route").get("POST /auth/login").get("total_requests").asLong())
                .isEqualTo(exact.stream().filter(e -> e.route().equals("POST /auth/login")).count());
    }

    @Test
    void report_forAWindowOnMinutes_equalsTheFiguresOfItsEntries_andStatesTheWindow() {
        Instant from = HOUR.minus(Duration.ofMinutes(7));
        Instant to = HOUR.plus(Duration.ofMinutes(2));
        APIGatewayV2HTTPResponse response = call("report-by-image-url.json",
                Map.of("group_by", "route", "sort", "key", "from", from.toString(), "to", to.toString()));

        assertThat(Events.header(response, "x-window-from")).isEqualTo(from.toString());
        assertThat(Events.header(response, "x-window-to")).isEqualTo(to.toString());
        JsonNode rows = Events.body(response);
        assertThat(rows).hasSize(2);
        for (JsonNode row : rows) {
            double[] times = inWindow(from, to).stream().filter(e -> e.route().equals(row.get("route").asText()))
                    .mapToDouble(RequestLogEntry::processingTime).sorted().toArray();
            assertThat(row.get("request_count").asLong()).isEqualTo(times.length);
            assertThat(row.get("processing_time_avg").asDouble())
                    .isCloseTo(java.util.Arrays.stream(times).average().orElseThrow(), within(1e-9));
            assertThat(row.get("processing_time_min").asDouble()).isEqualTo(times[0]);
            assertThat(row.get("processing_time_max").asDouble()).isEqualTo(times[times.length - 1]);
            assertWithinSketchError(row.get("processing_time_p95"), nearestRank(times, 0.95));
            assertWithinSketchError(row.get("processing_time_p99"), nearestRank(times, 0.99));
        }
    }

    @Test
    void stats_perMinute_hasAPointPerMinuteWithRequests_equalToItsEntries_readFromMinutesOnly() {
        rollups.reset();
        JsonNode stats = Events.body(call("report-stats.json",
                Map.of("from", FROM.toString(), "to", TO.toString(), "interval", "minute")));

        assertThat(rollups.tiersRead()).containsExactly(Tier.MINUTE);
        assertThat(stats.get("interval").asText()).isEqualTo("minute");
        assertThat(stats.get("from").asText()).isEqualTo(FROM.toString());
        Map<Instant, List<RequestLogEntry>> minutes = inWindow(FROM, TO).stream().collect(Collectors.groupingBy(
                e -> e.createdAt().truncatedTo(ChronoUnit.MINUTES), TreeMap::new, Collectors.toList()));
        JsonNode series = stats.get("series");
        assertThat(series).hasSize(minutes.size());
        int i = 0;
        for (Map.Entry<Instant, List<RequestLogEntry>> minute : minutes.entrySet()) {
            JsonNode point = series.get(i++);
            assertThat(point.get("start").asText()).isEqualTo(minute.getKey().toString());
            assertThat(point.get("total_requests").asLong()).isEqualTo(minute.getValue().size());
            assertThat(point.get("max_processing_time").asDouble()).isEqualTo(
                    minute.getValue().stream().mapToDouble(RequestLogEntry::processingTime).max().orElseThrow());
        }
    }

    @Test
    void stats_perMinute_coversAtMost24Hours_theLast24WithoutFrom() {
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofHours(1));
        APIGatewayV2HTTPResponse tooLong = call("report-stats.json", Map.of("interval", "minute",
                "from", end.minus(Duration.ofMinutes(24 * 60 + 1)).toString(), "to", end.toString()));
        assertThat(tooLong.getStatusCode()).isEqualTo(400);
        assertThat(Events.body(tooLong).get("detail").asText()).contains("1441 minutes", "at most 1440 points",
                "interval=hour");

        JsonNode lastDay = Events.body(call("report-stats.json", Map.of("interval", "minute")));
        Instant to = Instant.parse(lastDay.get("to").asText());
        assertThat(Instant.parse(lastDay.get("from").asText())).isEqualTo(to.minus(Duration.ofHours(24)));
    }

    @Test
    void reportAndStats_endsOffAMinute_are400NamingTheBoundariesToUse() {
        Instant off = HOUR.plus(Duration.ofMinutes(35)).plusSeconds(30);
        APIGatewayV2HTTPResponse stats = call("report-stats.json", Map.of("from", off.toString()));
        assertThat(stats.getStatusCode()).isEqualTo(400);
        assertThat(Events.body(stats).get("detail").asText()).contains("from " + off + " is not on a minute",
                "use " + HOUR.plus(Duration.ofMinutes(35)) + " or " + HOUR.plus(Duration.ofMinutes(36)));

        APIGatewayV2HTTPResponse report = call("report-by-image-url.json",
                Map.of("from", FROM.toString(), "to", TO.plusMillis(1).toString()));
        assertThat(report.getStatusCode()).isEqualTo(400);
        assertThat(Events.body(report).get("detail").asText()).contains("to " + TO.plusMillis(1) + " is not on a minute",
                "use " + TO + " or " + TO.plus(Duration.ofMinutes(1)));
    }

    @Test
    void reportAndStats_minutesOlderThanTheMinuteTier_are400NamingTheNearestHours() {
        Instant threeDaysAgo = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(3));
        Instant from = threeDaysAgo.plus(Duration.ofMinutes(35));

        APIGatewayV2HTTPResponse response = call("report-stats.json", Map.of("from", from.toString()));

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(Events.body(response).get("detail").asText()).contains("from " + from + " is not on an hour",
                "minute figures are kept for 48 hours", "use " + threeDaysAgo + " or " + threeDaysAgo.plus(Duration.ofHours(1)));
        assertThat(call("report-stats.json", Map.of("from", threeDaysAgo.toString())).getStatusCode()).isEqualTo(200);
    }

    @Test
    void reportAndStats_readTheCoarsestTierThatFits_soItemsReadStayBounded() {
        Instant now = Instant.now();
        Instant minute = HOUR.plus(Duration.ofMinutes(10));
        // Per window: the items /stats reads (all + 2 routes per bucket at most) and the bound.
        assertItemsRead(minute, minute.plus(Duration.ofMinutes(1)), 3);
        assertThat(rollups.tiersRead()).containsExactly(Tier.MINUTE);
        assertItemsRead(HOUR, HOUR.plus(Duration.ofHours(1)), 3);
        assertThat(rollups.tiersRead()).containsExactly(Tier.HOUR);
        Instant day = Tier.DAY.floor(HOUR);
        assertItemsRead(day.minus(Duration.ofDays(1)), day.plus(Duration.ofDays(1)), 3 * 2);
        assertThat(rollups.tiersRead()).containsExactly(Tier.DAY);
        Instant end = now.truncatedTo(ChronoUnit.MINUTES);
        Instant weekAgo = Tier.DAY.floor(end.minus(Duration.ofDays(7)));
        // 7 days: whole days, at most 23 hours and 59 minutes at the end (the burst is in one or two days).
        assertItemsRead(weekAgo, end, 3 * (8 + 23 + 59));
        Instant quarterAgo = Tier.DAY.ceil(end.minus(Duration.ofDays(89)));
        assertItemsRead(quarterAgo, end, 3 * (90 + 23 + 59));
    }

    private static long readFor(Instant from, Instant to) {
        rollups.reset();
        APIGatewayV2HTTPResponse response = call("report-stats.json", Map.of("from", from.toString(), "to", to.toString()));
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        return rollups.itemsRead();
    }

    private static void assertItemsRead(Instant from, Instant to, long bound) {
        long read = readFor(from, to);
        assertThat(read).as("items read for %s to %s", from, to).isPositive().isLessThanOrEqualTo(bound);
    }

    /** The real rollups, counting the items every read of one answer took from the store. */
    static final class CountingRollups implements RequestRollups {
        private final RequestRollups delegate;
        private final AtomicLong items = new AtomicLong();
        private final java.util.Set<Tier> tiers = java.util.concurrent.ConcurrentHashMap.newKeySet();

        CountingRollups(RequestRollups delegate) {
            this.delegate = delegate;
        }

        void reset() {
            items.set(0);
            tiers.clear();
        }

        java.util.Set<Tier> tiersRead() {
            return tiers;
        }

        long itemsRead() {
            return items.get();
        }

        @Override
        public int applyAll(List<RequestLogEntry> entries) {
            return delegate.applyAll(entries);
        }

        @Override
        public boolean remove(RequestLogEntry entry) {
            return delegate.remove(entry);
        }

        @Override
        public Map<Instant, Map<String, Rollup>> read(Tier tier, Dimension dimension, Instant from, Instant to,
                ReadBudget budget) {
            tiers.add(tier);
            long before = budget.itemsRead();
            Map<Instant, Map<String, Rollup>> read = delegate.read(tier, dimension, from, to, budget);
            items.addAndGet(budget.itemsRead() - before);
            return read;
        }
    }
}
