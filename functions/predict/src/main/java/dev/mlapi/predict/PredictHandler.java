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
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import org.crac.Core;
import org.crac.Resource;

/**
 * {@code POST /predict} (a batch of instances as JSON) and {@code GET /predict?model=…&<feature>=<value>…}
 * (one instance from the query string): predictions of a tabular ONNX model from the registry.
 */
public final class PredictHandler
        implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, Resource {

    private final PredictService service;
    private final ApiPipeline pipeline;

    /** Lambda's entry point: configuration from the environment, ONNX Runtime started during init. */
    public PredictHandler() {
        this(Wiring.fromEnvironment());
        service.warmUp();
    }

    public PredictHandler(Wiring wiring) {
        this(wiring, PredictService.create(wiring.config(),
                S3ModelRegistry.create(RegistrySettings.from(wiring.config()), wiring.clock())));
        Core.getGlobalContext().register(this);
    }

    PredictHandler(Wiring wiring, PredictService service) {
        this.service = service;
        this.pipeline = wiring.pipeline()
                .route("POST /predict", Access.USER, this::predict)
                .route("GET /predict", Access.USER, this::predict)
                .build();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return pipeline.handle(event, context);
    }

    private ApiResponse predict(ApiRequest request) {
        return ApiResponse.ok(service.predict(PredictRequest.from(request), request.logFields()));
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        service.warmUp();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // nothing cached outside the model cache, whose keys include the model file's checksum
    }
}
