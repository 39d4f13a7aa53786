package dev.mlapi.images;

import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.StackParameter;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.queue.TaskQueue;
import dev.mlapi.core.util.Lazy;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.imagestore.ImageList;
import dev.mlapi.imagestore.PresignedImageUploads;
import dev.mlapi.imagestore.TagView;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The images function: upload (multipart, or presigned PUTs and a commit for large files), list
 * (by tag), read, change and delete images; create, rename and delete tags; start batch tagging
 * jobs ({@code POST /images/classify}, run by tag-worker).
 */
public final class ManageImagesHandler implements HttpFunction {

    private final ImageLibrary library;
    private final ImageUploads uploads;
    private final PresignedImageUploads presigned;
    private final Lazy<ImageTaggingJobs> tagging;
    private final ApiPipeline pipeline;

    public ManageImagesHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(pipeline);
    }

    public ManageImagesHandler(Wiring wiring) {
        this(wiring, ImageLibrary.create(wiring));
    }

    ManageImagesHandler(Wiring wiring, ImageLibrary library) {
        this(wiring, library, PresignedImageUploads.Limits.DEFAULT);
    }

    ManageImagesHandler(Wiring wiring, ImageLibrary library, PresignedImageUploads.Limits limits) {
        this.library = library;
        this.uploads = ImageUploads.withDefaultLimits();
        this.presigned = library.presignedUploads(limits);
        this.tagging = Lazy.of(() -> tagging(wiring, library));
        this.pipeline = wiring.pipeline()
                .route("POST /images", Access.USER, this::upload)
                .route("POST /images/uploads/{upload_id}/commit", Access.USER, this::commit)
                .route("POST /images/classify", Access.USER, this::classify)
                .route("GET /images", Access.USER, this::list)
                .route("GET /images/{id}", Access.USER, this::get)
                .route("PATCH /images/{id}", Access.USER, this::update)
                .route("DELETE /images/{id}", Access.USER, this::delete)
                .route("GET /tags", Access.USER, this::listTags)
                .route("POST /tags", Access.USER, this::createTag)
                .route("GET /tags/{name}", Access.USER, this::getTag)
                .route("PATCH /tags/{name}", Access.USER, this::renameTag)
                .route("DELETE /tags/{name}", Access.ADMIN, this::deleteTag)
                .build();
    }

    @Override
    public ApiPipeline pipeline() {
        return pipeline;
    }

    /** Multipart: the images, stored (201). JSON: presigned PUTs to upload them, then commit each (202). */
    private ApiResponse upload(ApiRequest request) {
        if (request.isJson()) {
            ImageRequests.PresignBody body = ImageRequests.presign(request);
            return ApiResponse.json(202, presigned.reserve(request.requirePrincipal(), body.files(), body.tags()));
        }
        ImageUploads.Upload upload = uploads.read(request);
        return ApiResponse.json(201, Map.of("items",
                library.upload(request.requirePrincipal(), upload.images(), upload.tags())));
    }

    /** Batch tagging: 202 with the job, polled at {@code /jobs/{id}}. */
    private ApiResponse classify(ApiRequest request) {
        ImageTaggingJobs.Accepted accepted = tagging.get().submit(request.requirePrincipal(),
                request.json(JsonNode.class));
        return ApiResponse.json(202, accepted).withHeader("location", accepted.statusUrl());
    }

    private static ImageTaggingJobs tagging(Wiring wiring, ImageLibrary library) {
        var env = wiring.config().environment();
        Lazy<TaskQueue> queue = Lazy.of(() -> TaskQueue.of(wiring, QueueCatalog.IMAGE_TASKS));
        return new ImageTaggingJobs(library, S3ModelRegistry.create(RegistrySettings.from(wiring.config()), wiring.clock()),
                env.string(Env.DEFAULT_IMAGE_MODEL, StackParameter.DEFAULT_IMAGE_MODEL.defaultValue()),
                new JobsTable(wiring.dynamoDb(), env.tableName(TableCatalog.JOBS_AND_DATASETS)),
                bodies -> queue.get().send(bodies),
                Math.toIntExact(env.number(Env.TRAINING_MAX_ACTIVE_JOBS, Long.parseLong(Env.DEFAULT_TRAINING_MAX_ACTIVE_JOBS))),
                wiring.clock());
    }

    private ApiResponse commit(ApiRequest request) {
        PresignedImageUploads.Committed committed = presigned.commit(request.requirePrincipal(),
                request.pathParameter("upload_id"));
        return committed.created()
                ? ApiResponse.created(committed.image(), "/images/" + committed.image().id())
                : ApiResponse.ok(committed.image());
    }

    private ApiResponse list(ApiRequest request) {
        ImageList page = library.list(request.requirePrincipal(), ImageRequests.query(request));
        return ApiResponse.ok(page);
    }

    private ApiResponse get(ApiRequest request) {
        return ApiResponse.ok(library.get(request.requirePrincipal(), request.pathParameter("id")));
    }

    private ApiResponse update(ApiRequest request) {
        return ApiResponse.ok(library.update(request.requirePrincipal(), request.pathParameter("id"),
                ImageRequests.change(request)));
    }

    private ApiResponse delete(ApiRequest request) {
        library.delete(request.requirePrincipal(), request.pathParameter("id"));
        return ApiResponse.noContent();
    }

    private ApiResponse listTags(ApiRequest request) {
        return ApiResponse.ok(library.tags(request.requirePrincipal(), request.query("cursor"),
                request.queryInt("limit", 100, 1, 1000)));
    }

    private ApiResponse createTag(ApiRequest request) {
        TagView tag = library.createTag(request.requirePrincipal(), ImageRequests.tagName(request));
        return ApiResponse.created(tag, "/tags/" + URLEncoder.encode(tag.name(), StandardCharsets.UTF_8).replace("+", "%20"));
    }

    private ApiResponse getTag(ApiRequest request) {
        return ApiResponse.ok(library.tag(request.requirePrincipal(), request.pathParameter("name")));
    }

    private ApiResponse renameTag(ApiRequest request) {
        return ApiResponse.ok(library.renameTag(request.requirePrincipal(), request.pathParameter("name"),
                ImageRequests.tagName(request)));
    }

    private ApiResponse deleteTag(ApiRequest request) {
        library.deleteTag(request.pathParameter("name"));
        return ApiResponse.noContent();
    }
}
