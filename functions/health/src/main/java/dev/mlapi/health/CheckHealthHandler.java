package dev.mlapi.health;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.runtime.Priming;

/** The health function: {@code GET /health}. */
public final class CheckHealthHandler implements HttpFunction {

    private final ApiPipeline pipeline;

    public CheckHealthHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(pipeline);
    }

    public CheckHealthHandler(Wiring wiring) {
        HealthService health = new HealthService(wiring.config().appVersion(), wiring.clock());
        this.pipeline = wiring.pipeline()
                .route("GET /health", Access.PUBLIC, request -> ApiResponse.ok(health.report(request.principal())))
                .build();
    }

    @Override
    public ApiPipeline pipeline() {
        return pipeline;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return pipeline.handle(event, context);
    }
}
