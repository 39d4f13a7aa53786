package dev.mlapi.health;

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
}
