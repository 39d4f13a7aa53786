package dev.mlapi.training;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

/**
 * Runs every (candidate, fold) fit of a {@link SearchPlan} in this JVM on {@link SearchOptions#parallelism()} cores,
 * reports progress and stops cleanly: once a stop reason appears (from the options, or a
 * {@link TrainingStopped} thrown by the progress listener) no new fit starts, and
 * {@link TrainingStopped} says how many finished.
 */
final class CrossValidator {

    private CrossValidator() {
    }

    /** Every fit of {@code plan}, each result at its fit's index (candidate-major: {@code c × folds + f}). */
    static List<SearchPlan.FitResult> run(SearchPlan plan, SearchOptions options, GridSearch.Progress progress) {
        int fits = plan.fitCount();
        int folds = plan.folds();
        int total = fits + 1;
        SearchPlan.FitResult[] results = new SearchPlan.FitResult[fits];
        AtomicInteger done = new AtomicInteger();
        AtomicReference<String> stopped = new AtomicReference<>();
        IntStream indices = IntStream.range(0, fits);
        Runnable all = () -> (options.parallelism() > 1 ? indices.parallel() : indices).forEach(i -> {
            if (stopped.get() != null) {
                return;
            }
            var reason = options.stopReason();
            if (reason.isPresent()) {
                stopped.compareAndSet(null, reason.get());
                return;
            }
            try {
                results[i] = plan.fit(i / folds, i % folds, options);
            } catch (TrainingStopped e) {
                // a forest stopped between its trees: the fit does not count
                stopped.compareAndSet(null, e.reason());
                return;
            }
            try {
                progress.fitsDone(done.incrementAndGet(), total);
            } catch (TrainingStopped e) {
                stopped.compareAndSet(null, e.reason());
            }
        });
        if (options.parallelism() == 1) {
            all.run();
        } else {
            // a parallel stream started inside a pool runs on that pool: this bounds the cores used
            ForkJoinPool pool = new ForkJoinPool(options.parallelism());
            try {
                pool.submit(all).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TrainingStopped("interrupted", done.get(), total);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            } finally {
                pool.shutdown();
            }
        }
        if (stopped.get() != null) {
            throw new TrainingStopped(stopped.get(), done.get(), total);
        }
        return List.of(results);
    }

    /** Throws {@link TrainingStopped} if the search must stop before its refit. */
    static void checkBeforeRefit(SearchOptions options, int total) {
        options.stopReason().ifPresent(reason -> {
            throw new TrainingStopped(reason, total - 1, total);
        });
    }

    /** Reports the refit, the last fit; a listener that stops the search now still stops it. */
    static void refitDone(GridSearch.Progress progress, int total) {
        try {
            progress.fitsDone(total, total);
        } catch (TrainingStopped e) {
            throw new TrainingStopped(e.reason(), total, total);
        }
    }
}
