package dev.mlapi.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.aws.DynamoDbRequestRollups;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.rollup.LogSketch;
import dev.mlapi.core.rollup.Tier;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestClock;
import dev.mlapi.core.testkit.TestStack;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The report function through its Lambda handler with the sample events of {@code events/}, over
 * rollups the real adapter wrote to DynamoDB Local; figures checked against exact ones computed
 * from the same entries.
 */
class ReportStatsHandlerTest {

    private static final Instant HOUR = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(5));
    private static final String CAT = "https://example.com/cat.jpg";
    private static final String DOG = "https://example.com/dog.jpg";

    static TestStack stack;
    static ReportStatsHandler handler;
    static String admin;
    static String user;
    static final List<RequestLogEntry> ENTRIES = new ArrayList<>();

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        handler = new ReportStatsHandler(stack.wiring());
        admin = stack.signedIn("root", Role.ADMIN).token();
        user = stack.signedIn("bob", Role.USER).token();
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            boolean classify = i % 3 != 0;
            int status = i % 10 == 0 ? 404 : i % 25 == 0 ? 503 : 200;
            double seconds = Math.round((0.005 + random.nextDouble() * random.nextDouble() * 2) * 1e6) / 1e6;
            Instant at = HOUR.plus(Duration.ofMinutes(i % 3 * 60 + i % 60)).plusMillis(i);
            RequestLogEntry entry = new RequestLogEntry(UUID.randomUUID().toString(), at,
                    classify ? "POST /classify" : "POST /auth/login", "POST", classify ? "/classify" : "/auth/login",
                    Optional.of(i % 2 == 0 ? "alice" : "bob"), status, seconds, 1000 + i,
                    classify ? Optional.of(i % 4 == 1 ? DOG : CAT) : Optional.empty(),
                    classify && status == 200 ? Optional.of(200 + i % 7) : Optional.empty(),
                    classify && status == 200 ? Optional.of(100 + i % 5) : Optional.empty(),
                    classify ? Optional.of("mobilenetv2:1") : Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), at.plus(Duration.ofDays(90)));
            ENTRIES.add(entry);
            stack.wiring().requestRollups().apply(entry);
        }
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static APIGatewayV2HTTPResponse call(String file, String token, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Events.withBearer(Events.load(file), token);
        event.setQueryStringParameters(query);
        return Events.invoke(handler, event);
    }

    private static double nearestRank(double[] sorted, double q) {
        return sorted[(int) Math.max(1, Math.ceil(q * sorted.length)) - 1];
    }

    private static void assertWithinSketchError(JsonNode actual, double exact) {
        assertThat(actual.asDouble()).isCloseTo(exact, within(exact * LogSketch.RELATIVE_ERROR + 1e-9));
    }

    @Test
    void stats_equalTheExactFigures_percentilesWithinTheSketchError() {
        JsonNode stats = Events.body(call("report-stats.json", admin, Map.of("from", HOUR.toString(), "interval", "hour")));

        double[] times = ENTRIES.stream().mapToDouble(RequestLogEntry::processingTime).sorted().toArray();
        assertThat(stats.get("total_requests").asLong()).isEqualTo(300);
        long errors = ENTRIES.stream().filter(e -> e.statusCode() >= 400).count();
        assertThat(stats.get("error_rate").asDouble()).isCloseTo(errors / 300.0, within(1e-12));
        assertThat(stats.get("mean_processing_time").asDouble())
                .isCloseTo(Arrays.stream(times).average().orElseThrow(), within(1e-9));
        assertWithinSketchError(stats.get("median_processing_time"), nearestRank(times, 0.5));
        assertWithinSketchError(stats.get("percentile_95_processing_time"), nearestRank(times, 0.95));
        assertWithinSketchError(stats.get("percentile_99_processing_time"), nearestRank(times, 0.99));
        assertThat(stats.get("average_input_size").asDouble())
                .isCloseTo(ENTRIES.stream().mapToLong(RequestLogEntry::inputSize).average().orElseThrow(), within(1e-9));
        assertThat(stats.get("average_image_width").asDouble()).isCloseTo(ENTRIES.stream()
                .filter(e -> e.imageWidth().isPresent()).mapToInt(e -> e.imageWidth().get()).average().orElseThrow(),
                within(1e-9));
        assertThat(stats.get("by_route").get("POST /classify").get("total_requests").asLong())
                .isEqualTo(ENTRIES.stream().filter(e -> e.route().equals("POST /classify")).count());
        JsonNode series = stats.get("series");
        assertThat(series).hasSize(3);
        assertThat(series.get(0).get("start").asText()).isEqualTo(HOUR.toString());
        long perHour = 0;
        for (JsonNode point : series) {
            perHour += point.get("total_requests").asLong();
        }
        assertThat(perHour).isEqualTo(300);
    }

    @Test
    void report_byImageUrl_hasTheSeedColumns_sortedByCount() {
        JsonNode rows = Events.body(call("report-by-image-url.json", admin, Map.of("group_by", "image_url")));

        assertThat(rows).hasSize(2);
        JsonNode top = rows.get(0);
        assertThat(top.get("image_url").asText()).isEqualTo(CAT);
        double[] cat = ENTRIES.stream().filter(e -> e.imageUrl().equals(Optional.of(CAT)))
                .mapToDouble(RequestLogEntry::processingTime).sorted().toArray();
        long catFailures = ENTRIES.stream().filter(e -> e.imageUrl().equals(Optional.of(CAT)) && e.statusCode() >= 400)
                .count();
        assertThat(catFailures).isPositive();
        assertThat(top.get("classification_count").asLong()).isEqualTo(cat.length - catFailures);
        assertThat(top.get("error_count").asLong()).isEqualTo(catFailures);
        assertThat(top.get("processing_time_avg").asDouble())
                .isCloseTo(Arrays.stream(cat).average().orElseThrow(), within(1e-9));
        assertWithinSketchError(top.get("processing_time_max"), cat[cat.length - 1]);
        assertWithinSketchError(top.get("processing_time_min"), cat[0]);
        assertWithinSketchError(top.get("processing_time_p95"), nearestRank(cat, 0.95));
        assertThat(rows.get(1).get("classification_count").asLong()).isLessThan(cat.length - catFailures);

        JsonNode byStatus = Events.body(call("report-by-image-url.json", admin,
                Map.of("group_by", "status", "sort", "key", "limit", "2")));
        assertThat(byStatus).hasSize(2);
        assertThat(byStatus.get(0).get("status").asText()).isEqualTo("200");
        assertThat(byStatus.get(1).get("status").asText()).isEqualTo("404");
        assertThat(byStatus.get(0).get("request_count").asLong())
                .isEqualTo(ENTRIES.stream().filter(e -> e.statusCode() == 200).count());
    }

    @Test
    void report_asCsv_isTheSameTable() {
        APIGatewayV2HTTPResponse response = call("report-csv.json", admin, Map.of("group_by", "model"));

        assertThat(Events.header(response, "content-type")).startsWith("text/csv");
        String[] lines = response.getBody().split("\r\n");
        assertThat(lines[0]).isEqualTo("model,request_count,processing_time_avg,processing_time_max,"
                + "processing_time_min,processing_time_p50,processing_time_p95,error_count,processing_time_p99");
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).startsWith("mobilenetv2:1," + ENTRIES.stream().filter(e -> e.model().isPresent()).count() + ",");
    }

    @Test
    void reportAndStats_areForAdminsOnly_andRefuseBadParametersWith400() {
        assertThat(call("report-stats.json", user, Map.of()).getStatusCode()).isEqualTo(403);
        assertThat(call("report-by-image-url.json", user, Map.of()).getStatusCode()).isEqualTo(403);
        assertThat(Events.invoke(handler, Events.load("report-stats.json")).getStatusCode()).isEqualTo(401);
        assertThat(call("report-stats.json", admin.substring(0, admin.length() - 2) + "xx", Map.of()).getStatusCode())
                .isEqualTo(401);
        for (Map<String, String> bad : List.of(Map.of("group_by", "colour"), Map.of("sort", "size"),
                Map.of("limit", "0"), Map.of("from", "last week"), Map.of("to", "2026-02-30"),
                Map.of("from", "2026-12-02", "to", "2026-12-01"))) {
            assertThat(call("report-by-image-url.json", admin, bad).getStatusCode()).as(bad.toString()).isEqualTo(400);
        }
        assertThat(call("report-stats.json", admin, Map.of("interval", "week")).getStatusCode()).isEqualTo(400);
    }

    private static APIGatewayV2HTTPResponse call(ReportStatsHandler with, String file, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Events.withBearer(Events.load(file), admin);
        event.setQueryStringParameters(query);
        return Events.invoke(with, event);
    }

    private static ReportStatsHandler limitedTo(ReportLimits limits, Clock clock) {
        return new ReportStatsHandler(stack.wiring(), new ReportService(stack.wiring().requestRollups(), clock,
                stack.config().requestLogRetention(), limits));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // ends the old endless read; no timing is asserted
    void reportAndStats_toFarInTheFuture_readUpToTheCurrentMinuteOnly() {
        Instant endOfThisMinute = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        Map<String, String> everything = Map.of("from", "1970-01-01", "to", "9999-12-31");

        JsonNode stats = Events.body(call("report-stats.json", admin, everything));
        assertThat(Instant.parse(stats.get("to").asText()))
                .isBetween(endOfThisMinute, endOfThisMinute.plus(Duration.ofMinutes(1)));
        assertThat(stats.get("total_requests").asLong()).isEqualTo(300);
        JsonNode rows = Events.body(call("report-by-image-url.json", admin, everything));
        assertThat(rows).hasSize(2);
    }

    @Test
    void stats_hourlyOverMoreHoursThanASeriesMayHave_is400NamingTheLimit() {
        String sixtyDaysAgo = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(60)).toString();
        APIGatewayV2HTTPResponse tooLong = call("report-stats.json", admin,
                Map.of("interval", "hour", "from", sixtyDaysAgo));

        assertThat(tooLong.getStatusCode()).isEqualTo(400);
        assertThat(Events.header(tooLong, "content-type")).startsWith("application/problem+json");
        assertThat(Events.body(tooLong).get("detail").asText()).contains("at most 744 points", "interval=day");
        JsonNode lastMonth = Events.body(call("report-stats.json", admin, Map.of("interval", "hour")));
        // From an hour (the series' points are whole hours) to the end of the current minute.
        assertThat(Duration.between(Instant.parse(lastMonth.get("from").asText()),
                Instant.parse(lastMonth.get("to").asText()))).isBetween(Duration.ofHours(743), Duration.ofHours(744));
        assertThat(Instant.parse(lastMonth.get("from").asText()).truncatedTo(ChronoUnit.HOURS).toString())
                .isEqualTo(lastMonth.get("from").asText());
        assertThat(lastMonth.get("series")).hasSize(3);
        assertThat(call("report-stats.json", admin, Map.of("interval", "day",
                "from", sixtyDaysAgo)).getStatusCode()).isEqualTo(200);
    }

    @Test
    void report_readingMoreRollupsThanALimit_is400NamingTheLimit() {
        ReportStatsHandler small = limitedTo(new ReportLimits(400, 744, 1440, 1, Duration.ofSeconds(25)), Clock.systemUTC());

        APIGatewayV2HTTPResponse response = call(small, "report-by-image-url.json", Map.of("group_by", "image_url"));

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(Events.body(response).get("detail").asText()).contains("more than 1 rollups by image_url",
                "shorter range");
    }

    @Test
    void stats_whoseReadingCrossesMidnight_isJudgedAtTheInstantItWasAccepted() {
        // Accepted at 00:00:00 UTC, when the oldest day kept is exactly 90 days back; every later
        // reading of the clock is a second on, when that day has just left the retention.
        Instant midnight = Tier.DAY.floor(Instant.now());
        TestClock crossing = TestClock.stepping(midnight, Duration.ofSeconds(1));

        APIGatewayV2HTTPResponse response = call(limitedTo(ReportLimits.DEFAULT, crossing), "report-stats.json", Map.of());

        assertThat(crossing.readings()).as("the clock was read again after the window was fixed").isGreaterThan(1);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(Events.body(response).get("from").asText())
                .isEqualTo(midnight.minus(stack.config().requestLogRetention()).toString());
    }

    @Test
    void stats_stillReadingWhenItsTimeIsUp_stopsWith503() {
        // Each reading of this clock is 30 s later: the 25 s budget has run out by the first store request.
        TestClock ticking = TestClock.stepping(HOUR, Duration.ofSeconds(30));
        ReportStatsHandler slow = limitedTo(ReportLimits.DEFAULT, ticking);

        APIGatewayV2HTTPResponse response = call(slow, "report-stats.json", Map.of());

        assertThat(response.getStatusCode()).isEqualTo(503);
        assertThat(Events.body(response).get("detail").asText()).contains("took more than 25 s", "shorter range");
    }

    @Test
    void report_byImageUrl_skipsGroupsThatAreNoImageUrl_leftByEarlierVersions() {
        // Rollups as versions before this one wrote them for refused URLs: what the log kept of raw
        // HTML, a URL with CR/LF, and the history's placeholder for text that is no URL.
        String table = stack.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS);
        String at = HOUR.toString();
        for (String junk : List.of("<html><body>cat</body></html>", CAT + "\r\nSet-Cookie: a=b", "REDACTED")) {
            stack.wiring().dynamoDb().putItem(r -> r.tableName(table).item(Map.of(
                    DynamoDbRequestRollups.ROLLUP, AttributeValue.fromS("image_url#" + at.substring(0, 10)),
                    DynamoDbRequestRollups.BUCKET, AttributeValue.fromS(at.substring(11, 13) + "#" + junk),
                    DynamoDbRequestRollups.REQUESTS, AttributeValue.fromN("500"))));
        }

        JsonNode rows = Events.body(call("report-by-image-url.json", admin, Map.of("group_by", "image_url")));

        assertThat(rows).extracting(row -> row.get("image_url").asText()).containsExactly(CAT, DOG);
    }
}
