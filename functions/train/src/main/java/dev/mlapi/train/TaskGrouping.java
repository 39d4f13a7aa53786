package dev.mlapi.train;

import dev.mlapi.training.Algorithm;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * How a job's fits are grouped into tasks. The number of tasks: as many as the overhead allows
 * (receiving the message, loading and parsing the dataset from the worker's cache: on average at
 * most {@link #MAX_OVERHEAD_SHARE} of a task's estimated fit time), for parallelism, and never a
 * task of more than {@link #MAX_TASK_FIT_SECONDS} of fit time (unless one fit alone is longer), so
 * a task ends well inside one invocation. The fits go to those tasks longest first, each to the
 * task with the least estimated time so far (LPT), so the tasks come out nearly equal even when
 * the candidates' costs differ several-fold; the tasks are returned longest first (sent first, so
 * the longest is not the one a worker starts last).
 *
 * <p>The estimates come from the planner: it times one real fit (recorded like any other) and
 * scales it to each candidate by its relative cost ({@link #weight}: trees × expected depth for a
 * forest, epochs for a linear model); the overhead is a fixed
 * {@link #QUEUE_SECONDS} plus the time the planner took to read and parse the same dataset (an
 * upper bound: a warm worker keeps the parsed job).
 */
final class TaskGrouping {

    /** A task's overhead is at most this share of its fit time (on average over the job's tasks). */
    static final double MAX_OVERHEAD_SHARE = 0.10;
    /** A task's estimated fit time at most: 10 of the fit worker's 15 minutes. */
    static final double MAX_TASK_FIT_SECONDS = 600;
    /** Receiving and deleting a message, invoking the handler, checking the job (measured locally: ~20-60 ms). */
    static final double QUEUE_SECONDS = 0.1;
    /**
     * An unlimited tree's expected depth, in units of {@code log2(rows / min_samples_leaf)}: a tree
     * grown until its leaves are pure on noisy labels is about twice as deep as a balanced one
     * (issue 23's forest grid, 16 000 rows a fit: the fits of {@code max_depth} none took 3.5× those
     * of {@code max_depth} 8 with as many trees, i.e. an effective depth of about 28 = 2 × log2(16 000)).
     */
    static final double UNLIMITED_DEPTH_PER_LOG2_ROWS = 2.0;

    private TaskGrouping() {
    }

    /**
     * The fits in tasks, longest task first; within a task, the fits in the order {@code fits} lists
     * them. Every fit is in exactly one task.
     */
    static List<List<TrainingTask.Fit>> group(List<TrainingTask.Fit> fits, ToDoubleFunction<TrainingTask.Fit> seconds,
            double overheadSeconds) {
        if (fits.isEmpty()) {
            return List.of();
        }
        double[] cost = fits.stream().mapToDouble(seconds).toArray();
        double total = 0;
        for (double c : cost) {
            total += c;
        }
        double target = overheadSeconds / MAX_OVERHEAD_SHARE;
        int byOverhead = (int) Math.max(1, Math.floor(total / target));
        int bySize = (int) Math.ceil(total / MAX_TASK_FIT_SECONDS);
        int count = Math.min(fits.size(), Math.max(byOverhead, bySize));

        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < fits.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -cost[i]).thenComparingInt(i -> i));
        List<List<Integer>> tasks = new ArrayList<>();
        List<Double> times = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            tasks.add(new ArrayList<>());
            times.add(0.0);
        }
        for (int i : order) {
            int least = 0;
            for (int t = 1; t < tasks.size(); t++) {
                if (times.get(t) < times.get(least)) {
                    least = t;
                }
            }
            if (!tasks.get(least).isEmpty() && times.get(least) + cost[i] > MAX_TASK_FIT_SECONDS) {
                tasks.add(new ArrayList<>()); // no task over the bound: one more
                times.add(0.0);
                least = tasks.size() - 1;
            }
            tasks.get(least).add(i);
            times.set(least, times.get(least) + cost[i]);
        }
        List<Integer> byTime = new ArrayList<>();
        for (int t = 0; t < tasks.size(); t++) {
            byTime.add(t);
        }
        byTime.sort(Comparator.comparingDouble((Integer t) -> -times.get(t)).thenComparingInt(t -> t));
        List<List<TrainingTask.Fit>> grouped = new ArrayList<>();
        for (int t : byTime) {
            List<Integer> members = tasks.get(t);
            members.sort(null);
            grouped.add(new ArrayList<>(members.stream().map(fits::get).toList()));
        }
        return grouped;
    }

    /**
     * A candidate's relative fit cost on {@code rows} training rows: trees × expected depth
     * (forest), epochs (linear), else 1. A single tree's fit is
     * mostly the plan's one-off work at these sizes (its sorted columns, paid by the planner's timed
     * fit), so depth would scale that fixed cost too: trees weigh 1, as before.
     */
    static double weight(Algorithm algorithm, Map<String, Object> params, int rows) {
        return switch (algorithm) {
            case RANDOM_FOREST -> ((Number) params.getOrDefault("n_estimators", 100)).doubleValue()
                    * depth(params, rows);
            case LOGISTIC_REGRESSION, LINEAR_REGRESSION -> ((Number) params.getOrDefault("max_iter",
                    Algorithm.DEFAULT_EPOCHS)).doubleValue();
            default -> 1.0;
        };
    }

    /**
     * A tree's expected depth: a fit's time grows with the levels it splits, each of which passes
     * over the rows once; {@code max_depth} when the unlimited tree would be deeper.
     */
    static double depth(Map<String, Object> params, int rows) {
        double leaf = Math.max(1, ((Number) params.getOrDefault("min_samples_leaf", 1)).doubleValue());
        double unlimited = Math.max(1, UNLIMITED_DEPTH_PER_LOG2_ROWS * Math.log(Math.max(2, rows / leaf)) / Math.log(2));
        Object maxDepth = params.get("max_depth");
        return maxDepth instanceof Number n ? Math.min(n.doubleValue(), unlimited) : unlimited;
    }
}
