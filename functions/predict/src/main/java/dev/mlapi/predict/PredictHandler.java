package dev.mlapi.predict;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;

/**
 * {@code POST /predict} (a batch of instances as JSON) and {@code GET /predict?model=…&<feature>=<value>…}
 * (one instance from the query string): predictions of a tabular ONNX model from the registry.
 */
public final class PredictHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private final PredictService service;
    private final ApiPipeline pipeline;

    /** Lambda's entry point: configuration from the environment, primed during init (and before a snapshot). */
    public PredictHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(pipeline, service);
    }

    public PredictHandler(Wiring wiring) {
        this(wiring, PredictService.create(wiring.config(),
                S3ModelRegistry.create(RegistrySettings.from(wiring.config()), wiring.clock())));
    }

    PredictHandler(Wiring wiring, PredictService service) {
        this.service = service;
        this.pipeline = wiring.pipeline()
                .route("POST /predict", Access.USER_OVERLAPPED, this::predict)
                .route("GET /predict", Access.USER_OVERLAPPED, this::predict)
                .build();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return pipeline.handle(event, context);
    }

    private ApiResponse predict(ApiRequest request) {
        return ApiResponse.ok(service.predict(PredictRequest.from(request), request.logFields()));
    }
}
