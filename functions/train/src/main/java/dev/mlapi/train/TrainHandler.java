package dev.mlapi.train;

import dev.mlapi.core.Wiring;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.train.TrainViews.JobAccepted;

/**
 * The train function's API: training jobs ({@code /train}) and their datasets ({@code /datasets}),
 * and every kind of job ({@code /jobs}: training, batch scoring, batch tagging), since they all
 * live in the training table.
 * Training itself runs in {@link TrainWorkerHandler}, never inside a request.
 */
public final class TrainHandler implements HttpFunction {

    private static final int DEFAULT_PAGE = 20;
    private static final int MAX_PAGE = 100;

    private final TrainingJobs jobs;
    private final TrainingDatasets datasets;
    private final ApiPipeline pipeline;

    public TrainHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(pipeline);
    }

    public TrainHandler(Wiring wiring) {
        this(wiring, TrainComponents.Storage.create(wiring));
    }

    private TrainHandler(Wiring wiring, TrainComponents.Storage storage) {
        this(wiring, TrainComponents.datasets(wiring, storage.files()), storage);
    }

    private TrainHandler(Wiring wiring, TrainingDatasets datasets, TrainComponents.Storage storage) {
        this(wiring, TrainComponents.jobs(wiring, datasets, storage.registry(), storage.files()), datasets);
    }

    TrainHandler(Wiring wiring, TrainingJobs jobs, TrainingDatasets datasets) {
        this.jobs = jobs;
        this.datasets = datasets;
        this.pipeline = wiring.pipeline()
                .route("POST /train", Access.USER, this::submit)
                .route("GET /train", Access.USER, this::listJobs)
                .route("GET /train/{job_id}", Access.USER, this::getJob)
                .route("DELETE /train/{job_id}", Access.USER, this::cancel)
                .route("GET /jobs", Access.USER, this::listAllJobs)
                .route("GET /jobs/{id}", Access.USER, request -> ApiResponse.ok(
                        jobs.get(request.requirePrincipal(), request.pathParameter("id"))))
                .route("DELETE /jobs/{id}", Access.USER, request -> ApiResponse.ok(
                        jobs.cancel(request.requirePrincipal(), request.pathParameter("id"))))
                .route("POST /datasets", Access.USER, this::reserveDataset)
                .route("GET /datasets", Access.USER, this::listDatasets)
                .route("GET /datasets/{dataset_id}", Access.USER, this::getDataset)
                .route("POST /datasets/{dataset_id}/commit", Access.USER, this::commitDataset)
                .route("DELETE /datasets/{dataset_id}", Access.USER, this::deleteDataset)
                .build();
    }

    @Override
    public ApiPipeline pipeline() {
        return pipeline;
    }

    private ApiResponse submit(ApiRequest request) {
        JobAccepted accepted = jobs.submit(request.requirePrincipal(), request.body());
        return ApiResponse.json(202, accepted).withHeader("location", accepted.statusUrl());
    }

    private ApiResponse listJobs(ApiRequest request) {
        return ApiResponse.ok(jobs.list(request.requirePrincipal(), request.query("user"), request.query("cursor"),
                request.queryInt("limit", DEFAULT_PAGE, 1, MAX_PAGE)));
    }

    private ApiResponse listAllJobs(ApiRequest request) {
        return ApiResponse.ok(jobs.list(request.requirePrincipal(), request.query("kind"), request.query("user"),
                request.query("cursor"), request.queryInt("limit", DEFAULT_PAGE, 1, MAX_PAGE), "all-jobs"));
    }

    private ApiResponse getJob(ApiRequest request) {
        return ApiResponse.ok(jobs.get(request.requirePrincipal(), request.pathParameter("job_id")));
    }

    private ApiResponse cancel(ApiRequest request) {
        return ApiResponse.ok(jobs.cancel(request.requirePrincipal(), request.pathParameter("job_id")));
    }

    private ApiResponse reserveDataset(ApiRequest request) {
        var upload = datasets.reserve(request.requirePrincipal(), request.body());
        return ApiResponse.created(upload, "/datasets/" + upload.datasetId());
    }

    private ApiResponse listDatasets(ApiRequest request) {
        return ApiResponse.ok(datasets.list(request.requirePrincipal(), request.query("user"), request.query("cursor"),
                request.queryInt("limit", DEFAULT_PAGE, 1, MAX_PAGE)));
    }

    private ApiResponse getDataset(ApiRequest request) {
        return ApiResponse.ok(datasets.get(request.requirePrincipal(), request.pathParameter("dataset_id")));
    }

    private ApiResponse commitDataset(ApiRequest request) {
        return ApiResponse.ok(datasets.commit(request.requirePrincipal(), request.pathParameter("dataset_id")));
    }

    private ApiResponse deleteDataset(ApiRequest request) {
        datasets.delete(request.requirePrincipal(), request.pathParameter("dataset_id"));
        return ApiResponse.noContent();
    }
}
