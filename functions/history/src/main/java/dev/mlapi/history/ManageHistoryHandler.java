package dev.mlapi.history;

import dev.mlapi.core.Wiring;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.runtime.Priming;

/** The history function: list, read and delete logged requests. */
public final class ManageHistoryHandler implements HttpFunction {

    private final HistoryService history;
    private final ApiPipeline pipeline;

    public ManageHistoryHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(pipeline, history);
    }

    public ManageHistoryHandler(Wiring wiring) {
        this(wiring, HistoryService.create(wiring));
    }

    ManageHistoryHandler(Wiring wiring, HistoryService history) {
        this.history = history;
        this.pipeline = wiring.pipeline()
                .route("GET /history", Access.USER, this::list)
                .route("GET /history/{request_id}", Access.USER, this::get)
                .route("DELETE /history", Access.USER, this::delete)
                .build();
    }

    @Override
    public ApiPipeline pipeline() {
        return pipeline;
    }

    private ApiResponse list(ApiRequest request) {
        return ApiResponse.ok(history.list(request.requirePrincipal(), HistoryFilter.of(request)));
    }

    private ApiResponse get(ApiRequest request) {
        return ApiResponse.ok(history.get(request.requirePrincipal(), request.pathParameter("request_id")));
    }

    private ApiResponse delete(ApiRequest request) {
        history.delete(request.requirePrincipal(), request.query("before").map(v -> HistoryFilter.instant("before", v)),
                request.query("user"), request.receivedAt());
        return ApiResponse.noContent();
    }
}
