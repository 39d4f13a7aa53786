package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.aggregator.AggregateRequestLogHandler;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.rollup.LogSketch;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * History, report and stats over real HTTP against the local server: requests are logged by the
 * pipeline, rolled up by the aggregator from DynamoDB Local's stream, and read back; the figures
 * of {@code /stats} and {@code /report} are checked against those computed from {@code /history}.
 */
class HistoryReportEndToEndTest {

    static final String ADMIN_PASSWORD = "local-admin-password";
    static final String HEALTH = "GET /health";
    static final String ME = "GET /auth/users/me";

    @TempDir
    static Path data;
    static LocalServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> send(String method, String path, String token, String contentType, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUri() + path))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("content-type", contentType);
        }
        HttpResponse<String> response = HTTP.send(request.build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + " → " + response.body()).isLessThan(500);
        return response;
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static String login(String username, String password) throws Exception {
        HttpResponse<String> response = send("POST", "/auth/login", null, "application/json",
                "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        return json(response).get("access_token").asText();
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Every history entry of a route, following the cursors. */
    static List<JsonNode> history(String admin, String route) throws Exception {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do {
            HttpResponse<String> response = send("GET", "/history?limit=2&route=" + q(route)
                    + (cursor == null ? "" : "&cursor=" + q(cursor)), admin, null, null);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            json(response).get("items").forEach(items::add);
            JsonNode next = json(response).get("next_cursor");
            cursor = next == null ? null : next.asText();
        } while (cursor != null);
        return items;
    }

    static JsonNode stats(String admin) throws Exception {
        HttpResponse<String> response = send("GET", "/stats?interval=hour", admin, null, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    static long routeTotal(JsonNode stats, String route) {
        JsonNode figures = stats.get("by_route").get(route);
        return figures == null ? 0 : figures.get("total_requests").asLong();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within 30 s: " + what).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    static BooleanSupplier statsShow(String admin, String route, long expected) {
        return () -> {
            try {
                return routeTotal(stats(admin), route) == expected;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    static double nearestRank(List<Double> values, double q) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get((int) Math.max(1, Math.ceil(q * sorted.size())) - 1);
    }

    @Test
    void afterABurst_reportAndStatsAgreeWithHistory_replaysChangeNothing_andDeleteBeforeRemovesExactlyThose()
            throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        send("POST", "/auth/users", null, "application/json",
                "{\"username\":\"carol\",\"password\":\"correct-horse-battery\"}");
        String carol = login("carol", "correct-horse-battery");
        for (int i = 0; i < 4; i++) {
            send("GET", "/health", null, null, null);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(send("GET", "/auth/users/me", null, null, null).statusCode()).isEqualTo(401);
        }
        Thread.sleep(20);
        Instant cut = Instant.now();
        Thread.sleep(20);
        for (int i = 0; i < 3; i++) {
            send("GET", "/health", null, null, null);
        }
        assertThat(send("GET", "/auth/users/me", carol, null, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/history?user=admin", carol, null, null).statusCode()).isEqualTo(403);
        assertThat(send("GET", "/stats", carol, null, null).statusCode()).isEqualTo(403);
        assertThat(send("GET", "/history?from=yesterday", admin, null, null).statusCode()).isEqualTo(400);

        await("stats count the burst", statsShow(admin, HEALTH, 7));
        await("stats count the burst", statsShow(admin, ME, 3));
        JsonNode stats = stats(admin);
        List<JsonNode> health = history(admin, HEALTH);
        assertThat(health).hasSize(7);
        List<Double> times = health.stream().map(e -> e.get("processing_time").asDouble()).toList();
        JsonNode healthFigures = stats.get("by_route").get(HEALTH);
        assertThat(healthFigures.get("mean_processing_time").asDouble())
                .isCloseTo(times.stream().mapToDouble(d -> d).average().orElseThrow(), within(1e-9));
        assertThat(healthFigures.get("percentile_95_processing_time").asDouble())
                .isCloseTo(nearestRank(times, 0.95), within(nearestRank(times, 0.95) * LogSketch.RELATIVE_ERROR));
        List<JsonNode> me = history(admin, ME);
        assertThat(me).hasSize(3);
        assertThat(stats.get("by_route").get(ME).get("error_rate").asDouble()).isCloseTo(2 / 3.0, within(1e-12));
        JsonNode report = json(send("GET", "/report?group_by=route&sort=key&limit=1000", admin, null, null));
        JsonNode healthRow = null;
        for (JsonNode row : report) {
            if (row.get("route").asText().equals(HEALTH)) {
                healthRow = row;
            }
        }
        assertThat(healthRow).isNotNull();
        assertThat(healthRow.get("request_count").asLong()).isEqualTo(7);
        assertThat(healthRow.get("processing_time_avg").asDouble())
                .isCloseTo(healthFigures.get("mean_processing_time").asDouble(), within(1e-12));
        HttpResponse<String> csv = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUri() + "/report?group_by=route"))
                .header("authorization", "Bearer " + admin).header("accept", "text/csv").build(), BodyHandlers.ofString());
        assertThat(csv.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/csv"));
        assertThat(csv.body()).startsWith("route,request_count,").contains("\r\n" + HEALTH + ",7,");

        // The stream delivers the same records again (a retried batch): no figure changes.
        DynamodbEvent replay = new DynamodbEvent();
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (JsonNode entry : health) {
            records.add(insertRecord(entry.get("request_id").asText()));
        }
        replay.setRecords(records);
        AggregateRequestLogHandler aggregator = new AggregateRequestLogHandler(server.wiring());
        assertThat(aggregator.handleRequest(replay, null).getBatchItemFailures()).isEmpty();
        assertThat(aggregator.handleRequest(replay, null).getBatchItemFailures()).isEmpty();
        JsonNode afterReplay = stats(admin).get("by_route").get(HEALTH);
        assertThat(afterReplay.get("total_requests").asLong()).isEqualTo(7);
        assertThat(afterReplay.get("mean_processing_time").asDouble())
                .isEqualTo(healthFigures.get("mean_processing_time").asDouble());

        // Delete everything before the cut: history at once, report and stats once the purge ran.
        assertThat(send("DELETE", "/history?before=" + q(cut.toString()), admin, null, null).statusCode())
                .isEqualTo(204);
        List<JsonNode> kept = history(admin, HEALTH);
        assertThat(kept).hasSize(3).allSatisfy(e ->
                assertThat(Instant.parse(e.get("created_at").asText())).isAfterOrEqualTo(cut));
        assertThat(history(admin, ME)).singleElement()
                .satisfies(e -> assertThat(e.get("user").asText()).isEqualTo("carol"));
        await("stats lose the deleted health checks", statsShow(admin, HEALTH, 3));
        await("stats lose the deleted 401s", statsShow(admin, ME, 1));
        assertThat(stats(admin).get("by_route").get(ME).get("error_rate").asDouble()).isZero();
        assertThat(json(send("GET", "/history", carol, null, null)).get("items")).allSatisfy(e ->
                assertThat(e.get("user").asText()).isEqualTo("carol"));
    }

    /** The INSERT record DynamoDB's stream carries for a request-log item (NEW_IMAGE view). */
    static DynamodbEvent.DynamodbStreamRecord insertRecord(String requestId) {
        var item = server.wiring().dynamoDb().getItem(r -> r.tableName(server.wiring().config().requestLogTable())
                .key(Map.of("request_id", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(requestId))))
                .item();
        Map<String, AttributeValue> image = new HashMap<>();
        item.forEach((name, value) -> image.put(name, value.s() != null ? new AttributeValue().withS(value.s())
                : new AttributeValue().withN(value.n())));
        DynamodbEvent.DynamodbStreamRecord record = new DynamodbEvent.DynamodbStreamRecord();
        record.setEventName("INSERT");
        record.setEventSource("aws:dynamodb");
        StreamRecord stream = new StreamRecord();
        stream.setNewImage(image);
        stream.setSequenceNumber(Long.toString(System.nanoTime()));
        record.setDynamodb(stream);
        return record;
    }
}
