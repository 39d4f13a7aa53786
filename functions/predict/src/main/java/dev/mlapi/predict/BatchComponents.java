package dev.mlapi.predict;

import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.queue.TaskQueue;
import dev.mlapi.core.util.Lazy;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.S3ModelRegistry;
import java.util.List;
import java.util.function.Consumer;
import software.amazon.awssdk.services.s3.S3Client;

/** Builds batch scoring's collaborators once per container, from the platform's wiring. */
record BatchComponents(PredictService predict, BatchJobs jobs, BatchWorker worker) {

    /** Receives of a task before the queue moves it to its dead-letter queue. */
    static final int MAX_RECEIVES = QueueCatalog.BATCH_TASKS.maxReceiveCount();

    static BatchComponents create(Wiring wiring) {
        RegistrySettings settings = RegistrySettings.from(wiring.config());
        S3Client s3 = S3Clients.s3(settings);
        PredictService predict = PredictService.create(wiring.config(),
                S3ModelRegistry.create(settings, s3, S3Clients.presigner(settings), wiring.clock()))
                .withShadows(ShadowScoring.create(wiring));
        return create(wiring, predict, s3, settings.bucket(), tasks(wiring));
    }

    static BatchComponents create(Wiring wiring, PredictService predict, S3Client s3, String bucket,
            Consumer<List<String>> tasks) {
        JobsTable table = table(wiring);
        BatchFiles files = new BatchFiles(s3, bucket);
        BatchSettings batch = BatchSettings.from(wiring.config().environment());
        return new BatchComponents(predict, new BatchJobs(table, files, predict, tasks, batch, wiring.clock()),
                new BatchWorker(table, files, predict, tasks, batch, wiring.clock()));
    }

    static JobsTable table(Wiring wiring) {
        return new JobsTable(wiring.dynamoDb(), wiring.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS));
    }

    static BatchFiles files(Wiring wiring) {
        RegistrySettings settings = RegistrySettings.from(wiring.config());
        return new BatchFiles(S3Clients.s3(settings), settings.bucket());
    }

    /** The batch tasks queue, found on first use (a function without the grant never sends). */
    static Consumer<List<String>> tasks(Wiring wiring) {
        Lazy<TaskQueue> queue = Lazy.of(() -> TaskQueue.of(wiring, QueueCatalog.BATCH_TASKS));
        return bodies -> queue.get().send(bodies);
    }

    /** Batch scoring beside {@code predict}, on the registry's bucket. */
    static BatchComponents create(Wiring wiring, PredictService predict) {
        RegistrySettings settings = RegistrySettings.from(wiring.config());
        return create(wiring, predict, S3Clients.s3(settings), settings.bucket(), tasks(wiring));
    }
}
