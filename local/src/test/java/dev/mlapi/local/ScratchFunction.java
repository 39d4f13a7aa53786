package dev.mlapi.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.runtime.Priming;
import java.util.Map;

/**
 * The handlers of {@code AddingAFunctionTest}'s scratch function {@code echo} ({@code GET /echo}):
 * {@link Echo} written as README's "Adding a function" says, and two that are not.
 */
public final class ScratchFunction {

    private ScratchFunction() {
    }

    /** As README says: {@link HttpFunction}, the two constructors, priming in the no-argument one. */
    public static final class Echo implements HttpFunction {
        private final ApiPipeline pipeline;

        public Echo() {
            this(Wiring.fromEnvironment());
            Priming.atInit(pipeline);
        }

        public Echo(Wiring wiring) {
            this(wiring, Access.PUBLIC);
        }

        Echo(Wiring wiring, Access access) {
            this.pipeline = wiring.pipeline()
                    .route("GET /echo", access, request -> ApiResponse.ok(Map.of("echo", request.query("say").orElse(""))))
                    .build();
        }

        @Override
        public ApiPipeline pipeline() {
            return pipeline;
        }
    }

    /** The same route for admins only: its code disagrees with an operation whose security is public. */
    public static final class AdminEcho implements HttpFunction {
        private final Echo echo;

        public AdminEcho() {
            this(Wiring.fromEnvironment());
        }

        public AdminEcho(Wiring wiring) {
            this.echo = new Echo(wiring, Access.ADMIN);
        }

        @Override
        public ApiPipeline pipeline() {
            return echo.pipeline();
        }
    }

    /** A handler as one might guess it: a Lambda handler without the local server's constructor or the route table. */
    public static final class ShapelessEcho implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
        private final Echo echo = new Echo();

        @Override
        public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
            return echo.handleRequest(event, context);
        }
    }
}
