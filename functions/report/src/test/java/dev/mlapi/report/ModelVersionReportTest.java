package dev.mlapi.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-version figures: requests a model served (classify, predict) carry the version that served
 * them and its role; the aggregator's rollups (the real adapter on DynamoDB Local) count them per
 * version, and {@code /report?group_by=model_version} and {@code /stats?model=} answer side by side.
 */
class ModelVersionReportTest {

    private static final Instant MINUTE = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(30));

    static TestStack stack;
    static ReportStatsHandler handler;
    static String admin;
    static final List<RequestLogEntry> ENTRIES = new ArrayList<>();

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        handler = new ReportStatsHandler(stack.wiring());
        admin = stack.signedIn("root", Role.ADMIN).token();
        // iris: 90 requests by version 1 (stable), 10 by version 2 (canary), 4 of those failing;
        // a models route naming iris:1 (no model served it) and another model's version.
        for (int i = 0; i < 100; i++) {
            boolean canary = i % 10 == 3;
            int status = canary && i < 40 ? 500 : 200;
            ENTRIES.add(entry(i, "POST /predict", "iris:" + (canary ? 2 : 1), canary ? "canary" : "stable", status,
                    canary ? 0.050 + i / 1000.0 : 0.010 + i / 1000.0));
        }
        ENTRIES.add(entry(100, "GET /models/{name}/versions/{version}", "iris:1", null, 200, 0.003));
        ENTRIES.add(entry(101, "POST /classify", "mobilenetv2:1", "stable", 200, 0.030));
        stack.wiring().requestRollups().applyAll(ENTRIES);
    }

    static RequestLogEntry entry(int i, String route, String model, String role, int status, double seconds) {
        Instant at = MINUTE.plus(Duration.ofSeconds(i % 120));
        return new RequestLogEntry(UUID.randomUUID().toString(), at, route, "POST", "/predict", Optional.of("bob"),
                status, seconds, 100, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(model),
                Optional.empty(), Optional.empty(), Optional.empty(), at.plus(Duration.ofDays(90)),
                Optional.ofNullable(role));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static JsonNode call(String file, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Events.withBearer(Events.load(file), admin);
        event.setQueryStringParameters(new HashMap<>(query));
        APIGatewayV2HTTPResponse response = Events.invoke(handler, event);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        return Events.body(response);
    }

    @Test
    void report_groupedByModelVersion_countsWhatEachVersionServed_only() {
        JsonNode rows = call("report-by-image-url.json", Map.of("group_by", "model_version",
                "from", MINUTE.toString(), "sort", "key"));

        assertThat(rows).hasSize(3);
        assertThat(rows.findValuesAsText("model_version")).containsExactly("iris:1", "iris:2", "mobilenetv2:1");
        JsonNode stable = rows.get(0);
        assertThat(stable.get("request_count").asLong()).as("the models route is no request iris:1 served")
                .isEqualTo(90);
        assertThat(stable.get("error_count").asLong()).isZero();
        JsonNode canary = rows.get(1);
        assertThat(canary.get("request_count").asLong()).isEqualTo(10);
        assertThat(canary.get("error_count").asLong()).isEqualTo(4);
        assertThat(canary.get("processing_time_min").asDouble()).isCloseTo(0.053, within(1e-9));
        assertThat(canary.get("processing_time_max").asDouble()).isCloseTo(0.143, within(1e-9));
    }

    @Test
    void stats_forAModel_answersEachVersionSideBySide() {
        JsonNode stats = call("report-stats.json", Map.of("from", MINUTE.toString(), "model", "iris"));

        assertThat(stats.get("model").asText()).isEqualTo("iris");
        JsonNode versions = stats.get("by_version");
        assertThat(versions.fieldNames()).toIterable().containsExactly("1", "2");
        assertThat(versions.get("1").get("total_requests").asLong()).isEqualTo(90);
        assertThat(versions.get("1").get("error_rate").asDouble()).isZero();
        assertThat(versions.get("2").get("total_requests").asLong()).isEqualTo(10);
        assertThat(versions.get("2").get("error_rate").asDouble()).isCloseTo(0.4, within(1e-12));
        assertThat(stats.get("total_requests").asLong()).as("the overall figures are unchanged").isEqualTo(102);

        JsonNode none = call("report-stats.json", Map.of("from", MINUTE.toString(), "model", "unknown"));
        assertThat(none.get("by_version").size()).isZero();
        JsonNode without = call("report-stats.json", Map.of("from", MINUTE.toString()));
        assertThat(without.has("by_version")).isFalse();
    }

    @Test
    void stats_withAModelThatIsNoName_is400NamingModel() {
        for (String bad : List.of("iris:2", "iris@production", "../x", "Iris")) {
            APIGatewayV2HTTPEvent event = Events.withBearer(Events.load("report-stats.json"), admin);
            event.setQueryStringParameters(new HashMap<>(Map.of("model", bad)));
            APIGatewayV2HTTPResponse response = Events.invoke(handler, event);
            assertThat(response.getStatusCode()).as(bad).isEqualTo(400);
            assertThat(Events.body(response).get("errors").findValuesAsText("field")).containsExactly("model");
        }
    }
}
