package dev.mlapi.local;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.jobs.ActiveJobs;
import dev.mlapi.core.jobs.JobsTable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import dev.mlapi.classify.TaggingJobRecovery;
import dev.mlapi.core.Wiring;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.imagestore.ImageObjects;
import dev.mlapi.imagestore.ImageSweeper;
import dev.mlapi.models.DefaultImageModel;
import dev.mlapi.predict.BatchJobRecovery;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.S3ModelRegistry;
import dev.mlapi.train.JobRecovery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** One-time work after the functions are up: what a fresh local install needs to be useful. */
final class LocalStartup {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStartup.class);

    /**
     * One piece of start-up work that needs the queues (and every table and bucket) to exist; it is
     * given the jobs still queued or running, read once for every task that asks.
     */
    record StartupTask(String name, BiConsumer<Wiring, Supplier<ActiveJobs>> task) {
    }

    /**
     * Run once at every start, after the queues exist and before the event sources poll them, in
     * order. The queues are in memory, so work they held before a restart is gone: a task here
     * sends it again from the jobs table (which fits are done is recorded there, so a task sent
     * twice counts nothing twice).
     */
    static final List<StartupTask> STARTUP_TASKS = List.of(
            new StartupTask("batch scoring: lost tasks sent again",
                    (wiring, active) -> new BatchJobRecovery(wiring).resume(active.get())),
            new StartupTask("training jobs: fit, refit and planning tasks lost with the queues sent again",
                    (wiring, active) -> LOG.info("{} unfinished training job(s) resumed",
                            new JobRecovery(wiring).resume(active.get()))),
            new StartupTask("batch tagging: lost tasks sent again",
                    (wiring, active) -> new TaggingJobRecovery(wiring).resume(active.get())));

    private LocalStartup() {
    }

    /** Runs {@link #STARTUP_TASKS}; one that fails is logged and does not stop the server. */
    static void runStartupTasks(Wiring wiring) {
        runStartupTasks(STARTUP_TASKS, wiring);
    }

    static void runStartupTasks(List<StartupTask> tasks, Wiring wiring) {
        // one read of the jobs index for every task, at the first that asks (one that fails is read again by the next)
        AtomicReference<ActiveJobs> read = new AtomicReference<>();
        Supplier<ActiveJobs> active = () -> read.updateAndGet(known -> known != null ? known
                : new JobsTable(wiring.dynamoDb(), wiring.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS))
                        .activeJobs());
        for (StartupTask task : tasks) {
            try {
                task.task().accept(wiring, active);
                LOG.info("start-up task done: {}", task.name());
            } catch (RuntimeException e) {
                LOG.error("start-up task failed: {}; the server starts anyway", task.name(), e);
            }
        }
    }

    /**
     * Cleans the registry and the image library of what a killed server left behind (see
     * {@link S3ModelRegistry#cleanUp} and {@link ImageSweeper}; while the server runs, the scheduled
     * functions {@code registry-cleanup} and {@code image-sweeper} do the same for what is older than
     * {@code CLEAN_UP_MIN_AGE_SECONDS}),
     * then registers MobileNetV2 as {@code mobilenetv2@production} unless a model of that name exists:
     * from {@code ../shared/models} beside the checkout when present, otherwise downloaded from
     * the ONNX Model Zoo with its sha256 checked. Without either, the server still starts and
     * classify says that no image model is registered.
     */
    static void afterFunctionsStarted(RegistrySettings registry, Wiring wiring, Path root) {
        Clock clock = wiring.clock();
        Path shared = root.toAbsolutePath().resolveSibling("shared").resolve("models");
        Optional<Path> sharedModels = Files.isDirectory(shared) ? Optional.of(shared) : Optional.empty();
        try (S3Client s3 = S3Clients.s3(registry); S3Presigner presigner = S3Clients.presigner(registry)) {
            S3ModelRegistry models = S3ModelRegistry.create(registry, s3, presigner, clock);
            // Nothing writes yet, so whatever a killed server left half-written can go, whatever its age.
            models.cleanUp(Duration.ZERO);
            // Likewise image objects without a record; there is no lifecycle rule to expire uploads here.
            ImageLibrary.create(wiring, new ImageObjects(s3, presigner, registry.bucket())).sweeper().sweep(Duration.ZERO);
            DefaultImageModel.ensureRegistered(models, sharedModels,
                            DefaultImageModel.httpClient())
                    .ifPresentOrElse(
                            manifest -> LOG.info("default image model: {}@{}", manifest.ref(), DefaultImageModel.ALIAS),
                            () -> LOG.warn("no default image model: classify answers 404 until one is registered"));
        }
    }
}
