package dev.mlapi.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/** Priming runs the pipeline's real path against DynamoDB Local and leaves nothing behind. */
class ApiPipelinePrimingTest {

    static TestStack stack;
    static Wiring wiring;
    static final List<Object> calls = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        // Sees every call the pipeline makes, lets each reach DynamoDB Local.
        wiring = stack.wiring().withDynamoDb(real -> new ThrottlingDynamoDb(real).throttle(request -> {
            calls.add(request);
            return false;
        }));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @BeforeEach
    void forget() {
        calls.clear();
    }

    @Test
    void prime_verifiesASignedTokenAndLooksItsUserUp_rehearsesTheLogWrite_andStoresNothing() {
        AtomicInteger publicRuns = new AtomicInteger();
        AtomicInteger protectedRuns = new AtomicInteger();
        ApiPipeline pipeline = wiring.pipeline()
                .route("POST /things", Access.PUBLIC, request -> {
                    publicRuns.incrementAndGet();
                    return ApiResponse.noContent();
                })
                .route("DELETE /things/{id}", Access.USER, request -> {
                    protectedRuns.incrementAndGet();
                    return ApiResponse.noContent();
                })
                .build();

        pipeline.prime();

        assertThat(calls).extracting(call -> call.getClass().getSimpleName())
                .containsExactly("BatchGetItemRequest", "PutItemRequest");
        assertThat(((PutItemRequest) calls.get(1)).tableName()).isEqualTo(stack.config().requestLogTable());
        assertThat(publicRuns).hasValue(0);
        assertThat(protectedRuns).hasValue(0);
        assertThat(requestLogSize()).isZero();
    }

    @Test
    void prime_withPublicRoutesOnly_sendsAGet_andTheNextRealRequestIsStillLogged() {
        AtomicInteger gets = new AtomicInteger();
        ApiPipeline pipeline = wiring.pipeline()
                .route("POST /things", Access.PUBLIC, request -> {
                    throw new AssertionError("priming must not post");
                })
                .route("GET /things", Access.PUBLIC, request -> {
                    gets.incrementAndGet();
                    return ApiResponse.ok(Map.of("ok", true));
                })
                .build();

        pipeline.prime();

        assertThat(gets).hasValue(1);
        assertThat(requestLogSize()).isZero();

        pipeline.handle(event("GET /things", "/things"));

        assertThat(requestLogSize()).isEqualTo(1);
        stack.wiring().dynamoDb().scan(r -> r.tableName(stack.config().requestLogTable())).items()
                .forEach(item -> stack.wiring().dynamoDb().deleteItem(r -> r.tableName(stack.config().requestLogTable())
                        .key(Map.of("request_id", item.get("request_id")))));
    }

    private static int requestLogSize() {
        return stack.wiring().dynamoDb().scan(r -> r.tableName(stack.config().requestLogTable())).count();
    }

    static APIGatewayV2HTTPEvent event(String routeKey, String path) {
        String method = routeKey.substring(0, routeKey.indexOf(' '));
        return APIGatewayV2HTTPEvent.builder()
                .withRouteKey(routeKey)
                .withRawPath(path)
                .withHeaders(new java.util.HashMap<>())
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId(java.util.UUID.randomUUID().toString())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(method).withPath(path).withSourceIp("192.0.2.1").build())
                        .build())
                .build();
    }
}
