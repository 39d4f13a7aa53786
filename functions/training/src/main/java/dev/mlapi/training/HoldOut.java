package dev.mlapi.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * The request's {@code test_size}: a part of the rows held out of the grid search and the refit,
 * scored once the refit model exists. For classification each class's rows are shuffled with the
 * seed and {@code round(test_size × count)} of them held out (stratified, so both parts hold every
 * class); for regression {@code round(test_size × rows)} shuffled rows. Each part keeps the
 * dataset's row order.
 *
 * @param training the rows the search and the refit train on (every row when nothing is held out)
 * @param heldOut  the held-out rows, when {@code test_size} was given
 */
public record HoldOut(TabularDataset training, Optional<TabularDataset> heldOut) {

    public static final double MAX_TEST_SIZE = 0.5;
    /** R² and RMSE of fewer held-out rows say nothing. */
    public static final int MIN_REGRESSION_ROWS = 2;

    /** {@code test_size}: absent or null is 0 (nothing held out); else a number in (0, 0.5]. */
    static double parseTestSize(JsonNode node) {
        if (node == null || node.isNull()) {
            return 0;
        }
        if (node.isNumber() && node.doubleValue() > 0 && node.doubleValue() <= MAX_TEST_SIZE) {
            return node.doubleValue();
        }
        throw InvalidInput.field("test_size", "must be a fraction of the rows in (0, " + MAX_TEST_SIZE
                + "] (e.g. 0.2), or absent to hold out nothing; got " + shown(node));
    }

    /** A request value as a 400 quotes it: at most 40 characters. */
    static String shown(JsonNode node) {
        String text = node.toString();
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }

    /**
     * The split of {@code data}; a 400 naming {@code test_size} when the held-out part would lack a
     * class, the training part would lack one, or the training part has fewer rows than {@code folds}.
     */
    static HoldOut split(TabularDataset data, double testSize, long seed, boolean classification, int folds) {
        if (testSize <= 0) {
            return new HoldOut(data, Optional.empty());
        }
        Random random = new Random(seed);
        boolean[] held = new boolean[data.size()];
        if (classification) {
            Map<String, List<Integer>> byClass = new TreeMap<>();
            for (int i = 0; i < data.size(); i++) {
                byClass.computeIfAbsent(data.targets().get(i), k -> new ArrayList<>()).add(i);
            }
            for (Map.Entry<String, List<Integer>> entry : byClass.entrySet()) {
                List<Integer> rows = entry.getValue();
                int count = (int) Math.round(testSize * rows.size());
                if (count == 0 || count == rows.size()) {
                    throw InvalidInput.field("test_size", testSize + " of class '" + entry.getKey() + "' ("
                            + rows.size() + " rows) holds out " + count + " rows, leaving "
                            + (count == 0 ? "the held-out" : "the training") + " part without that class; each class"
                            + " needs rows on both sides (a larger test_size, or more rows of the class)");
                }
                Collections.shuffle(rows, random);
                rows.subList(0, count).forEach(i -> held[i] = true);
            }
        } else {
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < data.size(); i++) {
                rows.add(i);
            }
            int count = (int) Math.round(testSize * rows.size());
            if (count < MIN_REGRESSION_ROWS) {
                throw InvalidInput.field("test_size", testSize + " of " + data.size() + " rows holds out " + count
                        + "; the held-out part needs at least " + MIN_REGRESSION_ROWS + " rows");
            }
            Collections.shuffle(rows, random);
            rows.subList(0, count).forEach(i -> held[i] = true);
        }
        List<Integer> trainingRows = new ArrayList<>();
        List<Integer> heldOutRows = new ArrayList<>();
        for (int i = 0; i < held.length; i++) {
            (held[i] ? heldOutRows : trainingRows).add(i);
        }
        if (trainingRows.size() < folds) {
            throw InvalidInput.field("test_size", testSize + " leaves " + trainingRows.size() + " training rows of "
                    + data.size() + "; " + folds + " folds (cv_folds) need at least " + folds);
        }
        TabularDataset training = data.subset(trainingRows);
        TabularDataset heldOut = data.subset(heldOutRows);
        if (training.raw() == null) {
            return new HoldOut(training, Optional.of(heldOut));
        }
        // Medians, modes and categories come from the training rows only: the held-out rows are
        // encoded as predict would encode new rows (an unseen category is all zeros).
        TableSchema fitted = data.schema().refit(training.raw());
        return new HoldOut(training.encodedWith(fitted), Optional.of(heldOut.encodedWith(fitted)));
    }
}
