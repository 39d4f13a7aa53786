package dev.mlapi.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.runtime.AfterResponse;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * With {@link AfterResponse} postponing (as in Lambda behind its extension), the request-log write
 * runs after the handler has answered, still exactly once, and the invocation is settled only when
 * it has landed in DynamoDB Local; without a Lambda context it runs before the answer, as always.
 */
class ApiPipelineAfterResponseTest {

    static TestStack stack;
    static AfterResponse afterResponse = AfterResponse.background();
    /** While set, the request-log PutItem waits for it: the write is slow, the answer must not wait. */
    static final AtomicReference<CountDownLatch> slowWrite = new AtomicReference<>();
    static ApiPipeline pipeline;
    /** What the routes' work left for after the answer did. */
    static final List<String> offered = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        pipeline = stack.wiring().withAfterResponse(afterResponse)
                .withDynamoDb(real -> new ThrottlingDynamoDb(real).throttle(request -> {
                    CountDownLatch latch = slowWrite.get();
                    if (latch != null && request instanceof PutItemRequest put
                            && put.tableName().equals(stack.config().requestLogTable())) {
                        await(latch);
                    }
                    return false;
                }))
                .pipeline()
                .route("GET /things", Access.PUBLIC, request -> ApiResponse.ok(Map.of("things", 0)))
                .route("POST /things", Access.PUBLIC, request -> {
                    request.afterAnswer(() -> offered.add("scored " + request.requestId()), () -> offered.add("skipped"));
                    return ApiResponse.ok(Map.of("things", 1));
                })
                .route("DELETE /things", Access.PUBLIC, request -> {
                    request.afterAnswer(() -> offered.add("scored a failed request"), () -> offered.add("skipped"));
                    throw new ApiException.InvalidInput("no deleting things");
                })
                .build();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void theAnswerDoesNotWaitForTheRequestLog_andTheInvocationSettlesWhenTheEntryIsStored() {
        CountDownLatch latch = new CountDownLatch(1);
        slowWrite.set(latch);
        APIGatewayV2HTTPEvent event = ApiPipelinePrimingTest.event("GET /things", "/things");

        var response = pipeline.handle(event, new LocalContext("invocation-1", "things", Long.MAX_VALUE));

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(logged(event)).as("not yet written").isEmpty();
        assertThat(afterResponse.awaitSettled("invocation-1", Duration.ofMillis(200)))
                .as("settled only once the write has landed").isFalse();

        latch.countDown();
        slowWrite.set(null);
        APIGatewayV2HTTPEvent second = ApiPipelinePrimingTest.event("GET /things", "/things");
        pipeline.handle(second, new LocalContext("invocation-2", "things", Long.MAX_VALUE));
        assertThat(afterResponse.awaitSettled("invocation-2", Duration.ofSeconds(10))).isTrue();

        assertThat(logged(event)).hasValueSatisfying(entry ->
                assertThat(entry.get(DynamoDbRequestLog.STATUS_CODE).n()).isEqualTo("200"));
        assertThat(logged(second)).isPresent();
    }

    @Test
    void workARouteLeavesForAfterTheAnswer_runsOnceTheInvocationSettles_andNotForAFailedRequest() {
        APIGatewayV2HTTPEvent failed = ApiPipelinePrimingTest.event("DELETE /things", "/things");
        APIGatewayV2HTTPEvent served = ApiPipelinePrimingTest.event("POST /things", "/things");

        assertThat(pipeline.handle(failed, new LocalContext("invocation-3", "things", Long.MAX_VALUE)).getStatusCode())
                .isEqualTo(400);
        assertThat(pipeline.handle(served, new LocalContext("invocation-4", "things", Long.MAX_VALUE)).getStatusCode())
                .isEqualTo(200);

        assertThat(afterResponse.awaitSettled("invocation-3", Duration.ofSeconds(10))).isTrue();
        assertThat(afterResponse.awaitSettled("invocation-4", Duration.ofSeconds(10))).isTrue();
        assertThat(offered).containsExactly("scored " + served.getRequestContext().getRequestId());
    }

    @Test
    void withoutALambdaContext_theEntryIsWrittenBeforeTheAnswer() {
        APIGatewayV2HTTPEvent event = ApiPipelinePrimingTest.event("GET /things", "/things");

        pipeline.handle(event, null);

        assertThat(logged(event)).isPresent();
    }

    private static java.util.Optional<Map<String, AttributeValue>> logged(APIGatewayV2HTTPEvent event) {
        var item = stack.wiring().dynamoDb().getItem(r -> r.tableName(stack.config().requestLogTable())
                .consistentRead(true)
                .key(Map.of(DynamoDbRequestLog.REQUEST_ID,
                        AttributeValue.fromS(event.getRequestContext().getRequestId())))).item();
        return item == null || item.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(item);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
