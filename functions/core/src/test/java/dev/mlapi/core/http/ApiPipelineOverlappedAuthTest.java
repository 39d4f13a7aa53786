package dev.mlapi.core.http;

import static dev.mlapi.core.testkit.Events.body;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@link Access#USER_OVERLAPPED}: the route runs while the token's user and revocation are looked
 * up, and a token that fails the lookup still gets 401 with nothing of the route's result.
 */
class ApiPipelineOverlappedAuthTest {

    static TestStack stack;
    static ApiPipeline pipeline;
    static final AtomicInteger runs = new AtomicInteger();

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        pipeline = stack.wiring().pipeline()
                .route("POST /compute", Access.USER_OVERLAPPED, request -> {
                    runs.incrementAndGet();
                    request.logFields().model("secret-model:1").result("the answer");
                    if (request.header("x-invalid").isPresent()) {
                        throw new InvalidInput("bad input");
                    }
                    return ApiResponse.ok(Map.of("answer", 42, "note", "answer computed", "user", request.requirePrincipal().username()));
                })
                .build();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @BeforeEach
    void reset() {
        runs.set(0);
    }

    @Test
    void handle_withAValidToken_answersTheResult_andLogsTheUser() {
        String token = stack.signedIn("ovl-alice", Role.USER).token();

        APIGatewayV2HTTPEvent event = event(token);
        APIGatewayV2HTTPResponse response = pipeline.handle(event);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(body(response).get("answer").asInt()).isEqualTo(42);
        assertThat(logged(event).get(DynamoDbRequestLog.USER).s()).isEqualTo("ovl-alice");
        assertThat(logged(event).get(DynamoDbRequestLog.RESULT).s()).isEqualTo("the answer");
    }

    @Test
    void handle_withARevokedToken_answers401WithNoResult_thoughTheRouteRan() {
        var issued = stack.signedIn("ovl-bob", Role.USER).issued();
        stack.wiring().tokenStore().revoke(issued.tokenId(), issued.expiresAt());

        APIGatewayV2HTTPEvent event = event(issued.token());
        APIGatewayV2HTTPResponse response = pipeline.handle(event);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(response.getBody()).doesNotContain("answer").contains("revoked");
        assertThat(body(response).has("answer")).isFalse();
        assertThat(runs).hasValue(1);
        Map<String, AttributeValue> entry = logged(event);
        assertThat(entry.get(DynamoDbRequestLog.STATUS_CODE).n()).isEqualTo("401");
        assertThat(entry).doesNotContainKeys(DynamoDbRequestLog.USER, DynamoDbRequestLog.RESULT,
                DynamoDbRequestLog.MODEL);
    }

    @Test
    void handle_whenTheUserWasDeleted_answers401() {
        String token = stack.signedIn("ovl-carol", Role.USER).token();
        stack.wiring().userStore().delete("ovl-carol");

        APIGatewayV2HTTPResponse response = pipeline.handle(event(token));

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(response.getBody()).doesNotContain("answer");
    }

    @Test
    void handle_whenTheRouteFailsAndTheTokenIsRevoked_theTokenWins() {
        var issued = stack.signedIn("ovl-dave", Role.USER).issued();
        stack.wiring().tokenStore().revoke(issued.tokenId(), issued.expiresAt());
        APIGatewayV2HTTPEvent event = event(issued.token());
        event.getHeaders().put("x-invalid", "1");

        APIGatewayV2HTTPResponse response = pipeline.handle(event);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(response.getBody()).doesNotContain("bad input");
    }

    @Test
    void handle_withABadSignature_answers401_beforeTheRouteRuns() {
        String token = stack.signedIn("ovl-erin", Role.USER).token();
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA" + token.substring(token.lastIndexOf('.') + 5);

        APIGatewayV2HTTPResponse response = pipeline.handle(event(forged));

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(runs).hasValue(0);
    }

    @Test
    void handle_withoutAToken_answers401_beforeTheRouteRuns() {
        APIGatewayV2HTTPEvent event = event("x");
        event.getHeaders().remove("authorization");

        assertThat(pipeline.handle(event).getStatusCode()).isEqualTo(401);
        assertThat(runs).hasValue(0);
    }

    private static APIGatewayV2HTTPEvent event(String token) {
        APIGatewayV2HTTPEvent event = ApiPipelinePrimingTest.event("POST /compute", "/compute");
        event.getHeaders().put("authorization", "Bearer " + token);
        return event;
    }

    private static Map<String, AttributeValue> logged(APIGatewayV2HTTPEvent event) {
        return stack.wiring().dynamoDb().getItem(r -> r.tableName(stack.config().requestLogTable())
                .key(Map.of(DynamoDbRequestLog.REQUEST_ID,
                        AttributeValue.fromS(event.getRequestContext().getRequestId())))).item();
    }
}
