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
 * <p>The defaults fit a 1 GB CSV in a 10 GB worker: a parsed numeric table keeps about
 * {@code 8 × columns + 30} bytes a row (measured by {@code DatasetMemoryBenchmark}: 193 B a row for
 * 20 features), and each fit running at once copies its training rows into Tribuo's examples and
 * a tree's sorted columns, several times the table again. Two million rows of 20 features are 0.4 GB
 * parsed and a few GB with two fits running; a 1 GB CSV of 20 numbers a row has about 8 million
 * rows, so the limit is met before the byte limit by long narrow tables, whose fits would run out
 * of memory or time. A thousand columns keep a header within the first 64 KB the API reads when
 * names are short, and a wide table's rows within the same budget at a few hundred thousand rows.
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
