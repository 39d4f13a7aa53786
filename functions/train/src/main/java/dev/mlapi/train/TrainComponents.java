package dev.mlapi.train;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
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
        return new TrainingTable(wiring.dynamoDb(), wiring.config().environment().tableName(TableCatalog.TRAINING_JOBS));
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

    static TrainingWorker worker(Wiring wiring) {
        Storage storage = Storage.create(wiring);
        return new TrainingWorker(table(wiring), storage.files(), storage.registry(), wiring.clock(),
                TrainingWorker.SAFETY_MARGIN);
    }
}
