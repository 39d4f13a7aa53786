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
        clearRequestLog();
    }

    @Test
    void prime_runsEveryGetRouteAsTheSyntheticUser_whoOwnsNothing_andNoOtherRoutePastTheTokenCheck() {
        List<String> seen = new CopyOnWriteArrayList<>();
        ApiPipeline pipeline = wiring.pipeline()
                .route("POST /things", Access.USER, request -> {
                    throw new AssertionError("priming must not post");
                })
                .route("GET /things", Access.USER, request -> {
                    seen.add("list as " + request.principal().orElseThrow().username() + " "
                            + request.principal().orElseThrow().role());
                    return ApiResponse.ok(Map.of("items", List.of()));
                })
                .route("GET /things/{id}", Access.USER_OVERLAPPED, request -> {
                    seen.add("item " + request.pathParameter("id"));
                    throw new dev.mlapi.core.error.ApiException.NotFound("no such thing");
                })
                .route("GET /admin/things", Access.ADMIN, request -> {
                    seen.add("report as " + request.requireAdmin().username());
                    return ApiResponse.ok(Map.of());
                })
                .route("DELETE /things/{id}", Access.USER, request -> {
                    throw new AssertionError("priming must not delete");
                })
                .build();

        pipeline.prime();

        assertThat(seen).containsExactly("list as " + ApiPipeline.PRIMING_USERNAME + " USER",
                "list as " + ApiPipeline.PRIMING_USERNAME + " ADMIN", "item priming", "item priming",
                "report as " + ApiPipeline.PRIMING_USERNAME);
        // one real user lookup per primed request: user routes as user and admin, the admin route, the POST refused
        assertThat(calls).filteredOn(call -> call.getClass().getSimpleName().equals("BatchGetItemRequest")).hasSize(6);
        assertThat(requestLogSize()).isZero();
    }

    @Test
    void aRealRequestCarryingThePrimingToken_isRefused_evenOnAGetRoute() {
        AtomicInteger runs = new AtomicInteger();
        ApiPipeline pipeline = wiring.pipeline()
                .route("GET /things", Access.USER, request -> {
                    runs.incrementAndGet();
                    return ApiResponse.ok(Map.of());
                })
                .build();
        String primingToken = wiring.jwt().issue(new dev.mlapi.core.users.User("priming", ApiPipeline.PRIMING_USERNAME,
                java.util.Optional.empty(), dev.mlapi.core.users.Role.USER, "", java.time.Instant.EPOCH, 0)).token();
        APIGatewayV2HTTPEvent event = event("GET /things", "/things");
        event.getHeaders().put("authorization", "Bearer " + primingToken);

        var response = pipeline.handle(event);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(runs).hasValue(0);
        clearRequestLog();
    }

    /** Removes what a test logged: each test starts from an empty request log. */
    private static void clearRequestLog() {
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
