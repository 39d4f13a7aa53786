package dev.mlapi.health;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.runtime.LoadedModels;
import dev.mlapi.core.testkit.TestStack;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CheckHealthHandlerTest {

    static TestStack stack;
    static CheckHealthHandler handler;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        handler = new CheckHealthHandler(stack.wiring());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    /** The health answer's body as seen by a new signed-in user with this role. */
    static JsonNode healthAs(String username, Role role) {
        return body(handler.handleRequest(withBearer(load("health-check.json"), stack.signedIn(username, role).token()), null));
    }

    @Test
    void health_anonymous_isOkWithVersionOnly() {
        var response = handler.handleRequest(load("health-check.json"), null);
        assertThat(response.getStatusCode()).isEqualTo(200);
        var json = body(response);
        assertThat(json.get("status").asText()).isEqualTo("ok");
        assertThat(json.get("version").asText()).isNotBlank();
        assertThat(json.has("memory")).isFalse();
    }

    @Test
    void health_withAdminToken_addsRuntimeDetails_butNotForUsers() {
        var admin = healthAs("hadmin", Role.ADMIN);
        assertThat(admin.get("memory").get("heap_max_bytes").asLong()).isPositive();
        assertThat(admin.get("cpu").get("available_processors").asInt()).isPositive();
        assertThat(admin.get("tmp_disk").get("free_bytes").asLong()).isPositive();
        assertThat(admin.get("cold_start").isBoolean()).isTrue();
        assertThat(admin.get("loaded_models").isArray()).isTrue();

        var user = healthAs("huser", Role.USER);
        assertThat(user.has("memory")).isFalse();
    }

    @Test
    void health_withAdminToken_listsTheModelsLoadedInThisProcess() {
        var model = new LoadedModels.Entry("health-probe", 7, 1024, Instant.now());
        LoadedModels.process().register(model);
        try {
            var admin = healthAs("hadmin2", Role.ADMIN);
            assertThat(admin.get("loaded_models")).extracting(JsonNode::asText).contains("health-probe:7");
        } finally {
            LoadedModels.process().unregister(model);
        }
        var after = healthAs("hadmin3", Role.ADMIN);
        assertThat(after.get("loaded_models")).extracting(JsonNode::asText).doesNotContain("health-probe:7");
    }

    @Test
    void health_withBrokenToken_stillAnswersPublicly() {
        var response = handler.handleRequest(withBearer(load("health-check.json"), "broken"), null);
        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(body(response).has("memory")).isFalse();
    }
}
