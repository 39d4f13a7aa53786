package dev.mlapi.core.http;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The pipeline answers and logs every request, also when a handler throws an {@link Error}. */
class ApiPipelineTest {

    static TestStack stack;
    static ApiPipeline pipeline;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        pipeline = stack.wiring().pipeline()
                .route("GET /health", Access.PUBLIC, request -> {
                    throw switch (request.header("x-throw").orElse("")) {
                        case "oom" -> new OutOfMemoryError("Java heap space");
                        case "linkage" -> new NoClassDefFoundError("some/Missing");
                        default -> new AssertionError("unexpected");
                    };
                })
                .build();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"oom", "linkage", "assertion"})
    void handle_whenHandlerThrowsAnError_answersAProblem_andLogsTheRequest(String error) {
        APIGatewayV2HTTPEvent event = Events.load("health-check.json");
        event.getHeaders().put("x-throw", error);

        APIGatewayV2HTTPResponse response = pipeline.handle(event);

        int expected = error.equals("oom") ? 503 : 500;
        assertThat(response.getStatusCode()).isEqualTo(expected);
        assertThat(header(response, "content-type")).isEqualTo("application/problem+json");
        assertThat(body(response).get("status").asInt()).isEqualTo(expected);
        if (expected == 503) {
            assertThat(header(response, "retry-after")).isNotBlank();
        }
        Map<String, AttributeValue> logged = stack.wiring().dynamoDb().getItem(r -> r
                .tableName(stack.config().requestLogTable())
                .key(Map.of(DynamoDbRequestLog.REQUEST_ID,
                        AttributeValue.fromS(event.getRequestContext().getRequestId())))).item();
        assertThat(logged.get(DynamoDbRequestLog.STATUS_CODE).n()).isEqualTo(String.valueOf(expected));
        assertThat(logged.get(DynamoDbRequestLog.ERROR_MESSAGE).s()).contains("Error");
    }
}
