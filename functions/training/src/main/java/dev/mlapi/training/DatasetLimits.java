package dev.mlapi.training;

import dev.mlapi.catalog.Env;
import dev.mlapi.core.config.Environment;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.Locale;

/**
 * The size of a table a training job takes: its data rows and its columns (the target included),
 * from the train function's settings {@code TRAINING_MAX_ROWS} and {@code TRAINING_MAX_COLUMNS}.
 * A larger table is a 400 (inline CSV, or a stored dataset's header) or a failed job (a stored
 * dataset's rows, counted by the worker) naming the limit, its setting and the number found.
 *
 * <p>Why the defaults (500,000 rows, 500 columns), measured on this project's machines: a parsed
 * numeric table keeps about {@code 8 × columns + 30} bytes a row ({@code DatasetMemoryBenchmark}:
 * 189 B a row for 20 numbers, 142 MB for a 100 MB CSV of 785,428 rows, parsed within a 300 MB
 * heap), so parsing is not what bounds a table. A fit is: one unlimited-depth CART fit of 50,000
 * rows × 10 numbers (500,000 cells) runs in a 128 MB heap and fails in 64 MB, everything included:
 * 130 to 260 bytes a cell. 500,000 rows of 20 numbers (10 million cells) are then 1.3 to 2.6 GB a
 * fit: one at a time fits a 4 GB worker, two or three at once a 10 GB one.
 * A 1 GB CSV of 20 numbers a row (about 8 million rows) can be stored but is refused for training
 * by the row limit, with the number found. 500 columns bound the header the API reads (its first
 * 64 KB) and a wide table's cells at 500,000 rows only loosely (250 million cells would not fit a
 * fit): a wide table should stay well under both limits, or the limits be lowered.
 */
public record DatasetLimits(int maxRows, int maxColumns) {

    public static final DatasetLimits DEFAULTS = new DatasetLimits(
            Integer.parseInt(Env.DEFAULT_TRAINING_MAX_ROWS), Integer.parseInt(Env.DEFAULT_TRAINING_MAX_COLUMNS));
    /** No limit: for benchmarks and tools, never a function. */
    public static final DatasetLimits UNLIMITED = new DatasetLimits(Integer.MAX_VALUE, Integer.MAX_VALUE);

    public DatasetLimits {
        if (maxRows < 1 || maxColumns < 2) {
            throw new IllegalArgumentException("a training table needs at least 1 row and 2 columns, got limits "
                    + maxRows + " and " + maxColumns);
        }
    }

    /** The function's settings, each defaulting to {@link #DEFAULTS}. */
    public static DatasetLimits from(Environment env) {
        return new DatasetLimits(
                Math.toIntExact(env.number(Env.TRAINING_MAX_ROWS, DEFAULTS.maxRows())),
                Math.toIntExact(env.number(Env.TRAINING_MAX_COLUMNS, DEFAULTS.maxColumns())));
    }

    /** A 400 unless {@code columns} header columns are allowed. */
    void requireColumns(int columns) {
        if (columns > maxColumns) {
            throw InvalidInput.field("dataset.csv", "row 1: the header has " + format(columns) + " columns; a training"
                    + " table has at most " + format(maxColumns) + " (TRAINING_MAX_COLUMNS)");
        }
    }

    /** The 400 of a table found to have {@code rows} data rows, more than {@link #maxRows}. */
    InvalidInput tooManyRows(long rows) {
        return InvalidInput.field("dataset.csv", "has " + format(rows) + " data rows; a training table has at most "
                + format(maxRows) + " (TRAINING_MAX_ROWS)");
    }

    static String format(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
