package dev.mlapi.train;

import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.queue.TaskQueue;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.S3ModelRegistry;
import dev.mlapi.training.DatasetLimits;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Builds the train function's collaborators (API and worker) once per container, from the platform's wiring. */
final class TrainComponents {

    private TrainComponents() {
    }

    static TrainingTable table(Wiring wiring) {
        return new TrainingTable(wiring.dynamoDb(), wiring.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS));
    }

    /** The API side: jobs and datasets, with the registry's owner records for model-name ownership. */
    static TrainingJobs jobs(Wiring wiring, TrainingDatasets datasets, S3ModelRegistry registry, TrainingFiles files) {
        return new TrainingJobs(table(wiring), files, datasets, new ModelOwnership(registry),
                ListCursor.withSecret(wiring.signingSecret()), wiring.clock(), quotas(wiring));
    }

    static TrainingDatasets datasets(Wiring wiring, TrainingFiles files) {
        return new TrainingDatasets(table(wiring), files, ListCursor.withSecret(wiring.signingSecret()), wiring.clock(),
                quotas(wiring));
    }

    static TrainingQuotas quotas(Wiring wiring) {
        return TrainingQuotas.from(wiring.config().environment());
    }

    /** The registry and training's files on one pair of S3 clients. */
    record Storage(S3ModelRegistry registry, TrainingFiles files) {
        static Storage create(Wiring wiring) {
            RegistrySettings settings = RegistrySettings.from(wiring.config());
            S3Client s3 = S3Clients.s3(settings);
            S3Presigner presigner = S3Clients.presigner(settings);
            return new Storage(S3ModelRegistry.create(settings, s3, presigner, wiring.clock()),
                    new TrainingFiles(s3, presigner, settings.bucket(),
                            DatasetLimits.from(wiring.config().environment())));
        }
    }

    /** The planner (train-worker): loads and checks a job's dataset, times one fit, sends the fit tasks. */
    static TrainingWorker worker(Wiring wiring) {
        return fanOut(wiring, 1).planner();
    }

    /** The fit worker, fitting each task's fits on {@code parallelism} cores. */
    static FitWorker fitWorker(Wiring wiring, int parallelism) {
        return fanOut(wiring, parallelism).fitWorker();
    }

    /** The planner and the fit worker over one set of clients, queue and dataset cache. */
    record FanOut(TrainingWorker planner, FitWorker fitWorker) {
    }

    static FanOut fanOut(Wiring wiring, int parallelism) {
        Storage storage = Storage.create(wiring);
        TrainingTable table = table(wiring);
        TaskQueue queue = TaskQueue.of(wiring, QueueCatalog.TRAINING_TASKS);
        JobInputs inputs = new JobInputs(storage.files(), DatasetCache.inTempDirectory());
        FitRunner fits = new FitRunner(table, queue, wiring.clock());
        TrainingWorker planner = new TrainingWorker(table, inputs, fits, queue, wiring.clock());
        return new FanOut(planner, new FitWorker(table, inputs, fits, planner, storage.registry(), wiring.clock(),
                parallelism));
    }
}
