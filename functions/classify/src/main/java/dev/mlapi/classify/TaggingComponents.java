package dev.mlapi.classify;

import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.queue.TaskQueue;
import dev.mlapi.core.util.Lazy;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.util.List;
import java.util.function.Consumer;

/** Builds batch tagging's collaborators once per container, from the platform's wiring. */
record TaggingComponents(ClassifyService classifier, TaggingWorker worker) {

    /** Receives of a task before the queue moves it to its dead-letter queue. */
    static final int MAX_RECEIVES = QueueCatalog.IMAGE_TASKS.maxReceiveCount();

    static TaggingComponents create(Wiring wiring) {
        ClassifyService classifier = ClassifyService.create(ClassifySettings.from(wiring.config().environment()),
                S3ModelRegistry.create(RegistrySettings.from(wiring.config()), wiring.clock()), wiring.clock());
        return create(wiring, classifier, tasks(wiring));
    }

    static TaggingComponents create(Wiring wiring, ClassifyService classifier, Consumer<List<String>> tasks) {
        ImageLibrary library = ImageLibrary.create(wiring);
        return new TaggingComponents(classifier, new TaggingWorker(table(wiring), library,
                new ImageTagSuggestions(classifier, library), tasks, wiring.clock()));
    }

    static JobsTable table(Wiring wiring) {
        return new JobsTable(wiring.dynamoDb(), wiring.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS));
    }

    /** The image tasks queue, found on first use. */
    static Consumer<List<String>> tasks(Wiring wiring) {
        Lazy<TaskQueue> queue = Lazy.of(() -> TaskQueue.of(wiring, QueueCatalog.IMAGE_TASKS));
        return bodies -> queue.get().send(bodies);
    }
}
