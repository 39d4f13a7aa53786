package dev.mlapi.core.http;

import static dev.mlapi.core.testkit.Events.body;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.compat.Answers;
import dev.mlapi.core.compat.NativeCall;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * An adapted route is its native route's code behind the native route's access rule, logged as
 * itself with what the native code logged; one whose native route the function lacks is not served.
 */
class AdaptedRouteTest {

    static TestStack stack;
    static ApiPipeline pipeline;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        pipeline = stack.wiring().pipeline()
                .route("GET /things/{id}", Access.ADMIN, request -> {
                    request.logFields().result("thing " + request.pathParameter("id"));
                    return ApiResponse.ok(Map.of("id", request.pathParameter("id"), "path", request.path()));
                })
                .optAdaptedRoutes(List.of(
                        new AdaptedRoute("GET /compat/other/thing", "GET /things/{id}", (request, natives) ->
                                Answers.reshape(NativeCall.of(request, "GET /things/{id}")
                                        .pathParameter("id", request.query("thing_id").orElse("none")).call(natives),
                                        thing -> Map.of("thing", thing.get("id").asText(),
                                                "served_by", thing.get("path").asText()))),
                        new AdaptedRoute("GET /compat/other/elsewhere", "GET /not/here", (request, natives) ->
                                ApiResponse.noContent())))
                .build();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void build_declaresAdaptedRoutesOfDeclaredNativeRoutesOnly() {
        assertThat(pipeline.routeKeys()).containsExactlyInAnyOrder("GET /things/{id}", "GET /compat/other/thing");
    }

    @Test
    void handle_appliesTheNativeAccessRule_toTheAdaptedRoute() {
        assertThat(pipeline.handle(event(null)).getStatusCode()).isEqualTo(401);
        assertThat(pipeline.handle(event(stack.signedIn("adapted-user", Role.USER).token())).getStatusCode())
                .isEqualTo(403);
    }

    @Test
    void handle_answersTheNativeResultReshaped_andLogsItUnderTheAdaptedRoute() {
        APIGatewayV2HTTPEvent event = event(stack.signedIn("adapted-admin", Role.ADMIN).token());

        var response = pipeline.handle(event);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(body(response).get("thing").asText()).isEqualTo("42");
        assertThat(body(response).get("served_by").asText()).isEqualTo("/things/42");
        Map<String, AttributeValue> logged = stack.wiring().dynamoDb().getItem(r -> r
                .tableName(stack.config().requestLogTable())
                .key(Map.of(DynamoDbRequestLog.REQUEST_ID,
                        AttributeValue.fromS(event.getRequestContext().getRequestId())))).item();
        assertThat(logged.get(DynamoDbRequestLog.ROUTE).s()).isEqualTo("GET /compat/other/thing");
        assertThat(logged.get(DynamoDbRequestLog.RESULT).s()).isEqualTo("thing 42");
    }

    @Test
    void handle_acceptsTokenAsASynonymOfBearer() {
        APIGatewayV2HTTPEvent event = event(null);
        event.getHeaders().put("authorization", "Token " + stack.signedIn("adapted-djoser", Role.ADMIN).token());

        assertThat(pipeline.handle(event).getStatusCode()).isEqualTo(200);
    }

    private static APIGatewayV2HTTPEvent event(String token) {
        APIGatewayV2HTTPEvent event = ApiPipelinePrimingTest.event("GET /compat/other/thing", "/compat/other/thing");
        event.setQueryStringParameters(Map.of("thing_id", "42"));
        if (token != null) {
            event.getHeaders().put("authorization", "Bearer " + token);
        }
        return event;
    }
}
