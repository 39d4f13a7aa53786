package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.runtime.Priming;

/**
 * {@code POST /predict} (a batch of instances as JSON) and {@code GET /predict?model=…&<feature>=<value>…}
 * (one instance from the query string): predictions of a tabular ONNX model from the registry;
 * {@code POST /predict/batch}: a job scoring a stored dataset, run by batch-worker.
 */
public final class PredictHandler implements HttpFunction {

    private final PredictService service;
    private final BatchJobs batches;
    private final ApiPipeline pipeline;

    /** Lambda's entry point: configuration from the environment, primed during init (and before a snapshot). */
    public PredictHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(pipeline, service);
    }

    public PredictHandler(Wiring wiring) {
        this(wiring, BatchComponents.create(wiring));
    }

    private PredictHandler(Wiring wiring, BatchComponents components) {
        this(wiring, components.predict(), components.jobs());
    }

    PredictHandler(Wiring wiring, PredictService service) {
        this(wiring, service, BatchComponents.create(wiring, service).jobs());
    }

    PredictHandler(Wiring wiring, PredictService service, BatchJobs batches) {
        this.service = service;
        this.batches = batches;
        this.pipeline = wiring.pipeline()
                .route("POST /predict", Access.USER_OVERLAPPED, this::predict)
                .route("GET /predict", Access.USER_OVERLAPPED, this::predict)
                .route("POST /predict/batch", Access.USER, this::submitBatch)
                .build();
    }

    @Override
    public ApiPipeline pipeline() {
        return pipeline;
    }

    private ApiResponse submitBatch(ApiRequest request) {
        BatchJobs.Accepted accepted = batches.submit(request.requirePrincipal(), request.json(JsonNode.class));
        return ApiResponse.json(202, accepted).withHeader("location", accepted.statusUrl());
    }

    private ApiResponse predict(ApiRequest request) {
        return ApiResponse.ok(service.predict(PredictRequest.from(request), request.logFields(), request.requestId(),
                request::afterAnswer));
    }
}
