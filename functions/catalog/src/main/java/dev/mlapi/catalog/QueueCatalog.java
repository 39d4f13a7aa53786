package dev.mlapi.catalog;

import java.time.Duration;
import java.util.List;

/** Every SQS queue of tasks of the deployment (each with its dead-letter queue, see {@link QueueSpec}). */
public final class QueueCatalog {

    /**
     * Fit and refit tasks of training jobs; consumed by {@code fit-worker} (timeout 15 min, so the
     * visibility timeout is 6 × 15 min). A task failing 3 receives goes to the dead-letter queue.
     */
    public static final QueueSpec TRAINING_TASKS = new QueueSpec("TrainingTasksQueue", Env.TRAINING_TASKS_QUEUE_URL,
            "mlapi-training-tasks", Duration.ofMinutes(90), 3);

    /**
     * Batch scoring tasks; consumed by {@code batch-worker} (timeout 15 min).
     */
    public static final QueueSpec BATCH_TASKS = new QueueSpec("BatchTasksQueue", Env.BATCH_TASKS_QUEUE_URL,
            "mlapi-batch-tasks", Duration.ofMinutes(90), 3);

    /**
     * Batch tagging tasks (tens of images each); consumed by {@code tag-worker} in the classify
     * module, which has the image decoding and ONNX classification (timeout 15 min).
     */
    public static final QueueSpec IMAGE_TASKS = new QueueSpec("ImageTasksQueue", Env.IMAGE_TASKS_QUEUE_URL,
            "mlapi-image-tasks", Duration.ofMinutes(90), 3);

    public static final List<QueueSpec> ALL = List.of(TRAINING_TASKS, BATCH_TASKS, IMAGE_TASKS);

    private QueueCatalog() {
    }
}
