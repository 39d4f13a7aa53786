package dev.mlapi.classify;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.aws.DynamoDbShadowAgreements;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.rollup.ShadowCopies;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.core.util.Lazy;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;

/**
 * {@code POST /classify}: the top classes of an image sent as JSON ({@code image_url} or
 * {@code image_base64}), multipart ({@code image}) or a raw {@code image/*} body.
 *
 * <p>Cold start and SnapStart: Lambda's constructor and {@code beforeCheckpoint} ({@link Priming})
 * load the default model, classify one generated image and run a synthetic request through the
 * pipeline, so the first request finds everything warm; {@code afterRestore} forgets what model
 * references pointed at, since aliases may have moved while the snapshot waited.
 */
public final class ClassifyImageHandler implements HttpFunction {

    private final ClassifyService service;
    private final Lazy<ImageTagSuggestions> suggestions;
    private final ApiPipeline pipeline;

    /** Lambda's entry point: configuration from the environment, everything warmed during init. */
    public ClassifyImageHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(service, pipeline);
    }

    public ClassifyImageHandler(Wiring wiring) {
        this(wiring, ClassifyService.create(ClassifySettings.from(wiring.config().environment()),
                S3ModelRegistry.create(RegistrySettings.from(wiring.config()), wiring.clock()), wiring.clock())
                .withShadows(shadowCopies(wiring)));
    }

    ClassifyImageHandler(Wiring wiring, ClassifyService service) {
        this.service = service;
        this.suggestions = Lazy.of(() -> new ImageTagSuggestions(service, ImageLibrary.create(wiring)));
        this.pipeline = wiring.pipeline()
                .route("POST /classify", Access.USER_OVERLAPPED, this::classify)
                .route("POST /images/{id}/classify", Access.USER, this::suggestTags)
                .build();
    }

    /** An alias's shadow: its agreements with the stable answer, counted per minute in the rollups table. */
    static ShadowCopies shadowCopies(Wiring wiring) {
        return new ShadowCopies(new DynamoDbShadowAgreements(wiring.dynamoDb(),
                wiring.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS)), wiring.clock());
    }

    @Override
    public ApiPipeline pipeline() {
        return pipeline;
    }

    private ApiResponse classify(ApiRequest request) {
        return ApiResponse.ok(service.classify(ClassifyRequest.from(request), request.logFields(), request.requestId(),
                request::afterAnswer));
    }

    private ApiResponse suggestTags(ApiRequest request) {
        return ApiResponse.ok(suggestions.get().suggest(request));
    }
}
