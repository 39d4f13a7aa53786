package dev.mlapi.models;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.aws.DynamoDbShadowAgreements;
import dev.mlapi.core.util.Lazy;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.models.ModelRequests.AliasRequest;
import dev.mlapi.models.ModelViews.UploadView;
import dev.mlapi.models.ModelViews.VersionView;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;

/** The models function: the S3 model registry's routes. */
public final class ManageModelsHandler implements HttpFunction {

    private final ModelRegistryService models;
    private final DriftView drift;
    private final ApiPipeline pipeline;

    public ManageModelsHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(pipeline, models);
    }

    public ManageModelsHandler(Wiring wiring) {
        this(wiring, ModelRegistryService.create(
                S3ModelRegistry.create(RegistrySettings.from(wiring.config()), wiring.clock()),
                Lazy.of(() -> ModelRegistryService.cursorsWithSecret(wiring.signingSecret())),
                wiring::requestRollups, Lazy.of(() -> new DynamoDbShadowAgreements(wiring.dynamoDb(),
                        wiring.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS))),
                wiring.clock(), wiring.config().requestLogRetention()));
    }

    ManageModelsHandler(Wiring wiring, ModelRegistryService models) {
        this.models = models;
        this.drift = new DriftView(models::manifest, Lazy.of(() -> DriftView.countsOf(wiring)), wiring.clock(),
                wiring.config().requestLogRetention());
        this.pipeline = wiring.pipeline()
                .route("GET /models", Access.USER, this::list)
                .route("GET /models/{name}", Access.USER, this::describe)
                .route("GET /models/{name}/versions/{version}", Access.USER, this::version)
                .route("POST /models/{name}/versions", Access.ADMIN, this::register)
                .route("POST /models/{name}/versions/{version}/commit", Access.ADMIN, this::commit)
                .route("PUT /models/{name}/aliases/{alias}", Access.ADMIN, this::setAlias)
                .route("GET /models/{name}/aliases/{alias}", Access.ADMIN, this::alias)
                .route("GET /models/{name}/aliases/{alias}/events", Access.ADMIN, this::aliasEvents)
                .route("DELETE /models/{name}/versions/{version}", Access.ADMIN, this::delete)
                .route("GET /models/{name}/versions/{version}/drift", Access.ADMIN, this::drift)
                .build();
    }

    @Override
    public ApiPipeline pipeline() {
        return pipeline;
    }

    private ApiResponse list(ApiRequest request) {
        return ApiResponse.ok(models.list(request.queryInt("limit", 20, 1, 100), request.query("cursor")));
    }

    private ApiResponse describe(ApiRequest request) {
        return ApiResponse.ok(models.describe(ModelRequests.name(request), request.queryInt("limit", 20, 1, 100),
                request.query("cursor")));
    }

    private ApiResponse version(ApiRequest request) {
        VersionView version = models.version(ModelRequests.name(request), ModelRequests.version(request));
        request.logFields().model(version.ref());
        return ApiResponse.ok(version);
    }

    /** Multipart: the files are in the body (201). JSON: declared files get presigned upload URLs (202). */
    private ApiResponse register(ApiRequest request) {
        String name = ModelRequests.name(request);
        String caller = request.requirePrincipal().username();
        if (request.isMultipart()) {
            VersionView created = models.register(name, ModelRequests.directUpload(request), caller);
            request.logFields().model(created.ref());
            return ApiResponse.created(created, created.location());
        }
        UploadView pending = models.reserve(name, ModelRequests.uploadRequest(request), caller);
        request.logFields().model(name + ":" + pending.version());
        return ApiResponse.json(202, pending).withHeader("location", pending.commitUrl());
    }

    private ApiResponse commit(ApiRequest request) {
        VersionView committed = models.commit(ModelRequests.name(request), ModelRequests.version(request));
        request.logFields().model(committed.ref());
        return ApiResponse.ok(committed);
    }

    private ApiResponse setAlias(ApiRequest request) {
        return ApiResponse.ok(models.setAlias(ModelRequests.name(request), ModelRequests.alias(request),
                request.json(AliasRequest.class), request.requirePrincipal().username()));
    }

    private ApiResponse alias(ApiRequest request) {
        return ApiResponse.ok(models.alias(ModelRequests.name(request), ModelRequests.alias(request)));
    }

    private ApiResponse drift(ApiRequest request) {
        String name = ModelRequests.name(request);
        int version = ModelRequests.version(request);
        DriftView.Window window = drift.window(request.query("from"), request.query("to"));
        request.logFields().model(name + ":" + version);
        return ApiResponse.ok(drift.drift(name, version, window));
    }

    private ApiResponse aliasEvents(ApiRequest request) {
        return ApiResponse.ok(models.events(ModelRequests.name(request), ModelRequests.alias(request),
                request.queryInt("limit", 20, 1, 100), request.query("next_token")));
    }

    private ApiResponse delete(ApiRequest request) {
        models.delete(ModelRequests.name(request), ModelRequests.version(request));
        return ApiResponse.noContent();
    }
}
