package dev.mlapi.train;

import dev.mlapi.training.Algorithm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * How a job's fits are grouped into tasks: consecutive fits (candidate-major, as the grid lists
 * them) until the task's estimated fit time makes its overhead (receiving the message, loading and
 * parsing the dataset from the worker's cache) at most {@link #MAX_OVERHEAD_SHARE} of it, and
 * never more fit time than {@link #MAX_TASK_FIT_SECONDS}, so a task ends well inside one
 * invocation. The smallest such groups: as many tasks as the overhead allows, for parallelism.
 *
 * <p>The estimates come from the planner: it times one real fit (recorded like any other) and
 * scales it to each candidate by its size ({@link #weight}: trees for a forest, epochs for a linear
 * model); the overhead is a fixed {@link #QUEUE_SECONDS} plus the time the planner took to read
 * and parse the same dataset (an upper bound: a warm worker keeps the parsed job).
 */
final class TaskGrouping {

    /** A task's overhead is at most this share of its fit time. */
    static final double MAX_OVERHEAD_SHARE = 0.10;
    /** A task's estimated fit time at most: 10 of the fit worker's 15 minutes. */
    static final double MAX_TASK_FIT_SECONDS = 600;
    /** Receiving and deleting a message, invoking the handler, checking the job (measured locally: ~20-60 ms). */
    static final double QUEUE_SECONDS = 0.1;

    private TaskGrouping() {
    }

    /** The fits in tasks, in order. */
    static List<List<TrainingTask.Fit>> group(List<TrainingTask.Fit> fits, ToDoubleFunction<TrainingTask.Fit> seconds,
            double overheadSeconds) {
        double target = overheadSeconds / MAX_OVERHEAD_SHARE;
        List<List<TrainingTask.Fit>> tasks = new ArrayList<>();
        List<TrainingTask.Fit> current = new ArrayList<>();
        double time = 0;
        for (TrainingTask.Fit fit : fits) {
            double next = seconds.applyAsDouble(fit);
            if (!current.isEmpty() && time + next > MAX_TASK_FIT_SECONDS) {
                tasks.add(current);
                current = new ArrayList<>();
                time = 0;
            }
            current.add(fit);
            time += next;
            if (time >= target) {
                tasks.add(current);
                current = new ArrayList<>();
                time = 0;
            }
        }
        if (!current.isEmpty()) {
            List<TrainingTask.Fit> last = tasks.isEmpty() ? null : tasks.get(tasks.size() - 1);
            double lastTime = last == null ? 0 : last.stream().mapToDouble(seconds).sum();
            if (last != null && time < target && lastTime + time <= MAX_TASK_FIT_SECONDS) {
                last.addAll(current); // a short remainder rides with the task before it
            } else {
                tasks.add(current);
            }
        }
        return tasks;
    }

    /** A candidate's relative fit cost: its trees (forest), its epochs (linear), else 1. */
    static double weight(Algorithm algorithm, Map<String, Object> params) {
        return switch (algorithm) {
            case RANDOM_FOREST -> ((Number) params.getOrDefault("n_estimators", 100)).doubleValue();
            case LOGISTIC_REGRESSION, LINEAR_REGRESSION -> ((Number) params.getOrDefault("max_iter",
                    Algorithm.DEFAULT_EPOCHS)).doubleValue();
            default -> 1.0;
        };
    }
}
