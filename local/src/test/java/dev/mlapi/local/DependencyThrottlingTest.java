package dev.mlapi.local;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.header;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.classify.ClassifyImageHandler;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import dev.mlapi.core.users.User;
import dev.mlapi.health.CheckHealthHandler;
import dev.mlapi.login.LoginHandler;
import dev.mlapi.models.ManageModelsHandler;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * DynamoDB throttling through every function's real handler: an authenticated request answers
 * 503 problem+json with {@code Retry-After}, not 500. DynamoDB Local never throttles, so the
 * functions reach it through {@link ThrottlingDynamoDb}, which fails calls exactly as the SDK
 * reports AWS throttling (HTTP 400, {@code ThrottlingException}) once told to.
 */
class DependencyThrottlingTest {

    static TestStack stack;
    static ThrottlingDynamoDb dynamoDb;
    static Wiring wiring;
    static String userToken;
    static String adminToken;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        wiring = stack.wiring().withDynamoDb(real -> dynamoDb = new ThrottlingDynamoDb(real));
        userToken = tokenFor("dana", Role.USER);
        adminToken = tokenFor("root", Role.ADMIN);
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @AfterEach
    void heal() {
        dynamoDb.heal();
    }

    static String tokenFor(String username, Role role) {
        User user = new User("id-" + username, username, Optional.empty(), role, "unused-hash",
                Instant.parse("2026-01-01T00:00:00Z"), 0);
        wiring.userStore().create(user);
        return wiring.jwt().issue(user).token();
    }

    /** One authenticated route of each function, with the handler Lambda would run. */
    static Stream<Arguments> everyFunction() {
        return Stream.of(
                route("login", LoginHandler::new, "login-current-user.json", userToken),
                route("health (admin view)", CheckHealthHandler::new, "health-check.json", adminToken),
                route("models", ManageModelsHandler::new, "models-list.json", userToken),
                route("classify", ClassifyImageHandler::new, "classify-image-base64.json", userToken));
    }

    static Arguments route(String function,
            Function<Wiring, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handler,
            String event, String token) {
        return Arguments.of(function, handler.apply(wiring), event, token);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyFunction")
    void authenticatedRoute_whenDynamoDbThrottles_is503WithRetryAfter(String function,
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler, String event, String token) {
        assertThat(invoke(handler, withBearer(load(event), token)).getStatusCode())
                .as("%s before the throttling", function).isLessThan(500);

        dynamoDb.throttleEverything();
        APIGatewayV2HTTPResponse response = invoke(handler, withBearer(load(event), token));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(503);
        assertThat(header(response, "content-type")).isEqualTo("application/problem+json");
        assertThat(header(response, "retry-after")).isEqualTo("1");
        assertThat(body(response).get("type").asText()).endsWith("/service-unavailable");
        assertThat(body(response).get("detail").asText()).contains("throttling");
    }

    @Test
    void requestLogWrite_whenThrottled_neverChangesTheAnswer() {
        var health = new CheckHealthHandler(wiring);
        dynamoDb.throttle(request -> request instanceof PutItemRequest put
                && put.tableName().equals(stack.config().requestLogTable()));

        var response = invoke(health, withBearer(load("health-check.json"), adminToken));

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(body(response).has("cold_start")).as("the admin view").isTrue();
    }
}
