package dev.mlapi.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.json.Json;
import dev.mlapi.training.TrainSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The planner's packing of fits into tasks, on the candidates a real request's grid gives. */
class TaskGroupingTest {

    /** Issue 23's forest grid as {@code POST /train} expands it: n_estimators {50, 100} × max_depth {8, none}. */
    private static TrainSpec forestGrid() {
        Map<String, Object> grid = new LinkedHashMap<>();
        grid.put("n_estimators", List.of(50, 100));
        grid.put("max_depth", Arrays.asList(8, null));
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model_name", "packing");
        request.put("algorithm", "random_forest");
        request.put("target", "label");
        request.put("dataset", Map.of("csv", TrainFixtures.largeCsv(200, 42)));
        request.put("params", grid);
        request.put("cv_folds", 5);
        return TrainSpec.parse(Json.write(request));
    }

    private static List<TrainingTask.Fit> fits(TrainSpec spec) {
        List<TrainingTask.Fit> fits = new ArrayList<>();
        for (int c = 0; c < spec.candidates().size(); c++) {
            for (int f = 0; f < spec.cvFolds(); f++) {
                fits.add(new TrainingTask.Fit(c, f));
            }
        }
        return fits;
    }

    private static double sum(List<TrainingTask.Fit> task, ToDoubleFunction<TrainingTask.Fit> seconds) {
        return task.stream().mapToDouble(seconds).sum();
    }

    @Test
    void weight_whenForestCandidatesDifferInTreesAndDepth_ranksThemByTreesTimesDepth() {
        TrainSpec spec = forestGrid();
        int rows = 16_000;
        Map<Map<String, Object>, Double> weights = new LinkedHashMap<>();
        spec.candidates().forEach(params -> weights.put(params, TaskGrouping.weight(spec.algorithm(), params, rows)));

        double shallowSmall = weightOf(weights, 50, 8);
        double deepSmall = weightOf(weights, 50, null);
        double deepLarge = weightOf(weights, 100, null);
        assertThat(weightOf(weights, 100, 8)).isEqualTo(2 * shallowSmall);
        assertThat(deepLarge).isEqualTo(2 * deepSmall);
        // an unlimited tree on 16 000 rows: about 28 levels against 8
        assertThat(deepSmall / shallowSmall).isBetween(3.0, 4.0);
    }

    private static double weightOf(Map<Map<String, Object>, Double> weights, int trees, Integer depth) {
        return weights.entrySet().stream().filter(e -> e.getKey().get("n_estimators").equals(trees)
                && java.util.Objects.equals(e.getKey().get("max_depth"), depth)).findFirst().orElseThrow().getValue();
    }

    @Test
    void group_whenCandidatesDifferSeveralFold_packsTasksOfNearlyEqualTime() {
        TrainSpec spec = forestGrid();
        ToDoubleFunction<TrainingTask.Fit> seconds = fit -> 0.34 * TaskGrouping.weight(spec.algorithm(),
                spec.candidates().get(fit.candidate()), 16_000) / (50 * 8);
        List<TrainingTask.Fit> fits = fits(spec);

        List<List<TrainingTask.Fit>> tasks = TaskGrouping.group(fits, seconds, 0.283);

        assertThat(tasks.stream().flatMap(List::stream).toList()).containsExactlyInAnyOrderElementsOf(fits);
        double[] times = tasks.stream().mapToDouble(task -> sum(task, seconds)).toArray();
        double total = Arrays.stream(times).sum();
        // as many tasks as a 10 % overhead allows, for parallelism
        assertThat(tasks).hasSize((int) Math.floor(total / (0.283 / TaskGrouping.MAX_OVERHEAD_SHARE)));
        // longest first, and the longest within 25 % of the mean (candidate-major runs were 3× apart)
        for (int t = 1; t < times.length; t++) {
            assertThat(times[t]).isLessThanOrEqualTo(times[t - 1] + 1e-9);
        }
        assertThat(times[0]).isLessThanOrEqualTo(1.25 * total / times.length);
    }

    @Test
    void group_whenTheFitsExceedTheTaskBound_keepsEveryTaskUnderIt() {
        TrainSpec spec = forestGrid();
        ToDoubleFunction<TrainingTask.Fit> seconds = fit -> fit.candidate() % 2 == 0 ? 250 : 90;
        List<TrainingTask.Fit> fits = fits(spec);

        List<List<TrainingTask.Fit>> tasks = TaskGrouping.group(fits, seconds, 5.0);

        assertThat(tasks.stream().flatMap(List::stream).toList()).containsExactlyInAnyOrderElementsOf(fits);
        assertThat(tasks).allSatisfy(task -> assertThat(sum(task, seconds))
                .isLessThanOrEqualTo(TaskGrouping.MAX_TASK_FIT_SECONDS));
    }

    @Test
    void group_whenOneFitAloneIsOverTheBound_sendsItAlone() {
        List<TrainingTask.Fit> fits = List.of(new TrainingTask.Fit(0, 0), new TrainingTask.Fit(0, 1),
                new TrainingTask.Fit(1, 0));
        ToDoubleFunction<TrainingTask.Fit> seconds = fit -> fit.candidate() == 0 ? 700 : 1;

        List<List<TrainingTask.Fit>> tasks = TaskGrouping.group(fits, seconds, 0.2);

        assertThat(tasks).hasSize(3);
        assertThat(tasks.stream().flatMap(List::stream).toList()).containsExactlyInAnyOrderElementsOf(fits);
    }

    @Test
    void group_whenFitsAreCheap_sendsOneTaskInTheListedOrder() {
        List<TrainingTask.Fit> fits = List.of(new TrainingTask.Fit(0, 0), new TrainingTask.Fit(0, 1),
                new TrainingTask.Fit(1, 0));

        assertThat(TaskGrouping.group(fits, fit -> 0.01, 0.2)).containsExactly(fits);
    }
}
