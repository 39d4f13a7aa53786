package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.registry.ModelRoute;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Canary releases on the local server, as a new user meets them over real HTTP: a 10% canary that
 * refuses the requests the stable version serves is rolled back by the aggregator (fed by the
 * request log's stream) within its guardrail, the rollback listed among the alias's events; a
 * canary that holds is promoted; a shadow's agreement shows on the alias.
 */
class CanaryGuardrailEndToEndTest {

    static final String ADMIN_PASSWORD = "local-admin-password";
    static final long WAIT_NANOS = 60_000_000_000L;

    @TempDir
    Path data;

    @Test
    void aFailingCanary_isRolledBackByItself_aHoldingOneIsPromoted_andAShadowsAgreementShows() throws Exception {
        try (LocalServer server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0),
                LocalServer.repositoryRoot(), Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD))) {
            GuardrailScenario scenario = new GuardrailScenario(server, ADMIN_PASSWORD, "guarded");
            Map<String, Object> guardrail = Map.of("max_error_rate_increase", 0.05, "min_requests", 5,
                    "window_minutes", 5);
            scenario.setAlias(Map.of("version", GuardrailScenario.STABLE, "canary",
                    Map.of("version", GuardrailScenario.FAILING, "weight", 10), "guardrail", guardrail));

            // Requests go where their id's bucket says (about 10% to the canary), until the alias rolls back.
            int sent = 0;
            int canary = 0;
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (scenario.alias().has("canary") && System.nanoTime() < deadline) {
                for (int i = 0; i < 10; i++, sent++) {
                    String id = "guarded-%06d".formatted(sent);
                    GuardrailScenario.Served served = scenario.predict(id);
                    if (served.status() != 200) {
                        assertThat(ModelRoute.bucket(id)).as(id + ": only the canary's buckets fail").isLessThan(10);
                        assertThat(served.status()).isEqualTo(400);
                        canary++;
                    }
                }
            }
            JsonNode rolledBack = scenario.alias();
            assertThat(rolledBack.has("canary")).as("rolled back within " + sent + " requests").isFalse();
            assertThat(rolledBack.get("version").asInt()).isEqualTo(GuardrailScenario.STABLE);
            assertThat(canary).as("canary requests of " + sent).isGreaterThanOrEqualTo(5).isLessThan(sent / 4);
            JsonNode rollback = scenario.events().at("/items/0");
            assertThat(rollback.get("kind").asText()).isEqualTo("rollback");
            assertThat(rollback.get("from_version").asInt()).isEqualTo(GuardrailScenario.FAILING);
            assertThat(rollback.get("to_version").asInt()).isEqualTo(GuardrailScenario.STABLE);
            assertThat(rollback.at("/figures/canary_errors").asInt()).isGreaterThanOrEqualTo(5);
            // Predict remembers where an alias points for a few seconds: a request in the canary's buckets
            // may still reach the failing version until then; after that, the stable version serves it.
            deadline = System.nanoTime() + WAIT_NANOS;
            int probeStatus = 0;
            for (int i = 0; probeStatus != 200 && System.nanoTime() < deadline; i++) {
                String id = "guarded-after-rollback-%06d".formatted(i);
                if (ModelRoute.bucket(id) < 10) {
                    probeStatus = scenario.predict(id).status();
                }
            }
            assertThat(probeStatus).as("a request in the canary's buckets, after the rollback").isEqualTo(200);
            assertThat(scenario.send("GET", "/metrics", null, Map.of()).body())
                    .contains("mlapi_events_total{function=\"aggregator\",event=\"alias_rollbacks\","
                            + "model=\"guarded@production\"} 1");

            // A canary that holds (and a shadow of it meanwhile) is promoted after 5 requests.
            scenario.setAlias(Map.of("version", GuardrailScenario.STABLE, "canary",
                    Map.of("version", GuardrailScenario.GOOD, "weight", 50), "guardrail", guardrail,
                    "promote_after", Map.of("requests", 5, "minutes", 0)));
            deadline = System.nanoTime() + WAIT_NANOS;
            for (int i = 0; scenario.alias().get("version").asInt() != GuardrailScenario.GOOD
                    && System.nanoTime() < deadline; i++) {
                assertThat(scenario.predict("promoted-%06d".formatted(i)).status()).isEqualTo(200);
            }
            assertThat(scenario.alias().get("version").asInt()).isEqualTo(GuardrailScenario.GOOD);
            JsonNode promote = scenario.events().at("/items/0");
            assertThat(promote.get("kind").asText()).isEqualTo("promote");
            assertThat(promote.get("from_version").asInt()).isEqualTo(GuardrailScenario.STABLE);

            // A shadow scores copies after the answer; its agreement shows on the alias. (Predict remembers
            // where an alias points for a few seconds, so the first requests may still go the old way.)
            scenario.setAlias(Map.of("version", GuardrailScenario.GOOD, "shadow",
                    Map.of("version", GuardrailScenario.STABLE)));
            deadline = System.nanoTime() + WAIT_NANOS;
            for (int i = 0; scenario.alias().at("/shadow/agreement/requests").asInt() < 3
                    && System.nanoTime() < deadline; i++) {
                assertThat(scenario.predict("shadowed-%06d".formatted(i)).status()).isEqualTo(200);
            }
            JsonNode agreement = scenario.alias().at("/shadow/agreement");
            assertThat(agreement.get("requests").asInt()).isGreaterThanOrEqualTo(3);
            assertThat(agreement.get("agreed").asInt()).isEqualTo(agreement.get("requests").asInt());
            assertThat(agreement.get("rate").asDouble()).as("the same model bytes agree").isEqualTo(1.0);
        }
    }
}
