package dev.mlapi.training;

import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.registry.RawCells;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.AbstractList;

/**
 * The columns of a training table (the target aside): each one's type, inferred from its cells or
 * overridden by the request, and how it becomes the double features Tribuo trains on. Fitted on
 * the rows it is built from:
 * <ul>
 * <li>{@code numeric}: every non-blank cell is a finite number; a blank takes the column's median;</li>
 * <li>{@code date}: ISO-8601 dates or date-times; four features {@code name.year}, {@code name.month},
 *     {@code name.day}, {@code name.weekday} (ISO, Monday 1), a blank taking each part's median;</li>
 * <li>{@code categorical} (and {@code boolean}: true/false/yes/no): one feature {@code name=value} per
 *     category seen, sorted; a blank takes the most frequent category; an unseen category is all zeros;</li>
 * <li>{@code id} (text, every value different) and {@code ignore}: not used, with a note.</li>
 * </ul>
 * Blank cells are {@code ""}, {@code NA}, {@code NaN}, {@code null} and {@code None} in any case.
 * The encoded features are the numeric ones (numeric columns and date parts, in column order),
 * then the one-hot blocks in column order: the order the ONNX graph concatenates them in.
 */
public final class TableSchema {

    public enum Type {
        NUMERIC, BOOLEAN, DATE, CATEGORICAL, ID, IGNORE;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        boolean used() {
            return this != ID && this != IGNORE;
        }

        boolean text() {
            return this == BOOLEAN || this == CATEGORICAL;
        }
    }

    /** The date parts a date column becomes, in order. */
    public static final List<String> DATE_PARTS = List.of("year", "month", "day", "weekday");
    private static final Set<String> BOOLEANS = Set.of("true", "false", "yes", "no");
    private static final Set<String> OVERRIDES = Set.of("categorical", "numeric", "date", "ignore");

    /**
     * One column as fitted.
     *
     * @param index      the column's position among the non-target columns of the CSV
     * @param impute     numeric: {median}; date: the medians of the four parts; else empty
     * @param categories categorical: the categories seen, sorted; else empty
     * @param mode       categorical: the most frequent category (blanks take it); else null
     * @param blanks     how many training cells were blank
     * @param note       why an unused column is unused, else null
     */
    public record Column(String name, int index, Type type, boolean overridden, double[] impute,
            List<String> categories, String mode, int blanks, String note) {

        /** The column as the job's result and the model's signature show it. */
        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("type", type.value());
            m.put("source", overridden ? "override" : "inferred");
            m.put("blanks", blanks);
            switch (type) {
                case NUMERIC -> {
                    m.put("encoding", "number; a blank takes the training median");
                    m.put("impute", impute[0]);
                }
                case DATE -> {
                    m.put("encoding", "4 numbers: " + String.join(", ", encodedNames()) + " (ISO weekday, Monday 1);"
                            + " a blank takes each part's training median");
                    m.put("impute", Arrays.stream(impute).boxed().toList());
                }
                case BOOLEAN, CATEGORICAL -> {
                    m.put("encoding", "one-hot over " + categories.size() + " categories; a blank takes the most"
                            + " frequent ('" + mode + "'); an unseen category is all zeros");
                    m.put("categories", categories);
                    m.put("impute", mode);
                }
                default -> m.put("encoding", "not used: " + note);
            }
            return m;
        }

        /** The names of the features this column becomes. */
        public List<String> encodedNames() {
            return switch (type) {
                case NUMERIC -> List.of(name);
                case DATE -> DATE_PARTS.stream().map(p -> name + "." + p).toList();
                case BOOLEAN, CATEGORICAL -> categories.stream().map(c -> name + "=" + c).toList();
                default -> List.of();
            };
        }
    }

    /** The request's say over the columns: types by name, the only features to use, the columns to leave out. */
    public record Overrides(Map<String, String> columns, Optional<List<String>> features, List<String> exclude) {
        public static final Overrides NONE = new Overrides(Map.of(), Optional.empty(), List.of());
    }

    private final List<Column> columns;
    private final List<String> encodedNames;
    private final boolean plain;

    private TableSchema(List<Column> columns) {
        this.columns = List.copyOf(columns);
        List<String> numeric = new ArrayList<>();
        List<String> text = new ArrayList<>();
        boolean allNumeric = true;
        for (Column c : columns) {
            if (!c.type().used()) {
                continue;
            }
            (c.type().text() ? text : numeric).addAll(c.encodedNames());
            allNumeric &= c.type() == Type.NUMERIC && c.blanks() == 0;
        }
        List<String> names = new ArrayList<>(numeric);
        names.addAll(text);
        this.encodedNames = List.copyOf(names);
        this.plain = allNumeric;
    }

    /** All-numeric columns without a blank, none left out: the features are the columns themselves. */
    public static TableSchema numeric(List<String> names) {
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            columns.add(new Column(names.get(i), i, Type.NUMERIC, false, new double[] {0}, List.of(), null, 0, null));
        }
        return new TableSchema(columns);
    }

    /** Every non-target column, used or not, in CSV order. */
    public List<Column> columns() {
        return columns;
    }

    /** The columns the model takes, in CSV order. */
    public List<Column> used() {
        return columns.stream().filter(c -> c.type().used()).toList();
    }

    /** The features Tribuo trains on, in the order {@link #encode} writes them. */
    public List<String> encodedNames() {
        return encodedNames;
    }

    /** Every used column is numeric and was never blank: the model takes the numbers as they are (today's models). */
    public boolean plain() {
        return plain;
    }

    /** Some used column is text: the graph has a {@code text} input. */
    public boolean hasText() {
        return used().stream().anyMatch(c -> c.type().text());
    }

    /** Width of the graph's numeric input: the numeric columns plus four per date column. */
    public int numericWidth() {
        return used().stream().filter(c -> !c.type().text()).mapToInt(c -> c.type() == Type.DATE ? 4 : 1).sum();
    }

    /** The imputation value of each numeric input column (the medians), in {@link #numericPart} order. */
    public double[] numericImpute() {
        double[] values = new double[numericWidth()];
        int k = 0;
        for (Column c : used()) {
            if (!c.type().text()) {
                for (double v : c.impute()) {
                    values[k++] = v;
                }
            }
        }
        return values;
    }

    public List<Column> textColumns() {
        return used().stream().filter(c -> c.type().text()).toList();
    }

    /**
     * A row kept as numbers: every cell that is a finite number as a double, the others (text,
     * blanks) as text in {@code text} ({@code null} when every cell is a number, as a plain table's
     * rows are). Read as text, a number cell is its {@link #canonical} form: the same number.
     */
    static final class NumericRow extends AbstractList<String> {
        final double[] values;
        private final String[] text;

        NumericRow(double[] values) {
            this(values, null);
        }

        NumericRow(double[] values, String[] text) {
            this.values = values;
            this.text = text;
        }

        /** Whether cell {@code index} is a finite number, {@code values[index]}. */
        boolean isNumber(int index) {
            return text == null || text[index] == null;
        }

        /** Every cell is a finite number. */
        boolean allNumbers() {
            return text == null;
        }

        @Override
        public String get(int index) {
            return isNumber(index) ? canonical(values[index]) : text[index];
        }

        @Override
        public int size() {
            return values.length;
        }
    }

    /**
     * A category that is a number is compared as one: {@code 130}, {@code 130.0} and {@code 1.3e2}
     * are the category {@code 130} (the shortest plain decimal of the double); other text as it is.
     */
    public static String canonical(String text) {
        return isFiniteNumber(text) ? canonical(Double.parseDouble(text.trim())) : text;
    }

    static String canonical(double value) {
        return RawCells.canonical(value);
    }

    public static boolean isBlank(String cell) {
        return RawCells.isBlank(cell);
    }

    /**
     * The raw cells of the used columns as the graph's numeric input: numbers, the four parts of a
     * date, NaN for a blank. {@code cells} are all non-target cells in CSV order.
     */
    public double[] numericPart(List<String> cells) {
        double[] values = new double[numericWidth()];
        int k = 0;
        for (Column c : used()) {
            if (c.type() == Type.NUMERIC) {
                if (cells instanceof NumericRow numbers && numbers.isNumber(c.index())) {
                    values[k++] = numbers.values[c.index()];
                    continue;
                }
                String cell = cells.get(c.index());
                values[k++] = isBlank(cell) ? Double.NaN : Double.parseDouble(cell.trim());
            } else if (c.type() == Type.DATE) {
                double[] parts = dateParts(cells.get(c.index()));
                System.arraycopy(parts, 0, values, k, 4);
                k += 4;
            }
        }
        return values;
    }

    /** The raw cells of the text columns as the graph's text input: trimmed, {@code ""} for a blank. */
    public String[] textPart(List<String> cells) {
        List<Column> text = textColumns();
        String[] values = new String[text.size()];
        for (int t = 0; t < values.length; t++) {
            String cell = cells.get(text.get(t).index());
            values[t] = isBlank(cell) ? "" : canonical(cell.trim());
        }
        return values;
    }

    /** The encoded features of one row of raw cells (all non-target cells in CSV order). */
    public double[] encode(List<String> cells) {
        double[] out = new double[encodedNames.size()];
        double[] numeric = numericPart(cells);
        double[] impute = numericImpute();
        for (int k = 0; k < numeric.length; k++) {
            out[k] = Double.isNaN(numeric[k]) ? impute[k] : numeric[k];
        }
        int offset = numeric.length;
        for (Column c : textColumns()) {
            String cell = cells.get(c.index());
            String value = isBlank(cell) ? c.mode() : canonical(cell.trim());
            int at = c.categories().indexOf(value);
            if (at >= 0) {
                out[offset + at] = 1;
            }
            offset += c.categories().size();
        }
        return out;
    }

    /** Year, month, day of month and ISO day of week of an ISO-8601 date or date-time; NaNs for a blank. */
    public static double[] dateParts(String cell) {
        if (isBlank(cell)) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        }
        LocalDate date = parseDate(cell.trim()).orElseThrow(() -> new IllegalArgumentException(
                "'" + cell + "' is not an ISO-8601 date (2024-01-31) or date-time (2024-01-31T08:00:00)"));
        return RawCells.dateParts(date);
    }

    static Optional<LocalDate> parseDate(String text) {
        return RawCells.parseDate(text);
    }

    static boolean isFiniteNumber(String cell) {
        try {
            return Double.isFinite(Double.parseDouble(cell.trim()));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Types and fits the non-target columns {@code names} of {@code rows} (each row's non-target
     * cells in CSV order; {@code lines} the file line of each row, for errors).
     *
     * @throws InvalidInput naming the field, the column and a sample value when an override does
     *                      not fit the cells, names an unknown column, or leaves no feature
     */
    public static TableSchema infer(List<String> names, List<List<String>> rows, List<Long> lines, Overrides overrides,
            char delimiter) {
        checkOverrides(names, overrides);
        List<Column> columns = new ArrayList<>();
        List<FieldError> errors = new ArrayList<>();
        for (int c = 0; c < names.size(); c++) {
            String name = names.get(c);
            String override = overrides.columns().get(name);
            if ("ignore".equals(override)) {
                columns.add(unused(name, c, Type.IGNORE, true, rows, "ignored by the request (columns)"));
            } else if (overrides.exclude().contains(name)) {
                columns.add(unused(name, c, Type.IGNORE, true, rows, "excluded by the request (exclude)"));
            } else if (overrides.features().isPresent() && !overrides.features().get().contains(name)) {
                columns.add(unused(name, c, Type.IGNORE, true, rows, "not among the request's features"));
            } else {
                Column column = fit(name, c, override, rows, lines, delimiter, errors);
                if (column != null) {
                    columns.add(column);
                }
            }
            if (errors.size() >= 20) {
                break;
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInput(errors.get(0).field() + ": " + errors.get(0).message() + (errors.size() > 1
                    ? " (and " + (errors.size() - 1) + " more)" : ""), errors);
        }
        TableSchema schema = new TableSchema(columns);
        if (schema.encodedNames().isEmpty()) {
            throw InvalidInput.field("dataset.csv", "no column is left to learn from: " + columns.stream()
                    .map(col -> "'" + col.name() + "' " + col.note()).toList());
        }
        return schema;
    }

    /**
     * A 400 naming the field unless every column the request names ({@code columns}, {@code features},
     * {@code exclude}) is one of the feature columns {@code names} and every type override is known:
     * what a header alone can tell.
     */
    public static void checkOverrides(List<String> names, Overrides overrides) {
        Set<String> known = new HashSet<>(names);
        overrides.columns().forEach((name, type) -> {
            requireKnown("columns", name, known, names);
            if (!OVERRIDES.contains(type)) {
                throw InvalidInput.field("columns." + name, "must be one of " + new TreeSet<>(OVERRIDES) + ", got '"
                        + type + "'");
            }
        });
        overrides.features().ifPresent(list -> list.forEach(name -> requireKnown("features", name, known, names)));
        overrides.exclude().forEach(name -> requireKnown("exclude", name, known, names));
    }

    private static void requireKnown(String field, String name, Set<String> known, List<String> names) {
        if (!known.contains(name)) {
            throw InvalidInput.field(field, "column '" + name + "' is not a feature column of the dataset; its feature"
                    + " columns are " + names);
        }
    }

    private static Column unused(String name, int c, Type type, boolean overridden, List<List<String>> rows,
            String note) {
        int blanks = (int) rows.stream()
                .filter(r -> !(r instanceof NumericRow n && n.isNumber(c)) && isBlank(r.get(c))).count();
        return new Column(name, c, type, overridden, new double[0], List.of(), null, blanks, note);
    }

    private static Column fit(String name, int c, String override, List<List<String>> rows, List<Long> lines,
            char delimiter, List<FieldError> errors) {
        int nonBlank = 0;
        long numbers = 0;
        boolean booleans = true;
        boolean dates = true;
        for (List<String> row : rows) {
            if (row instanceof NumericRow numeric && numeric.isNumber(c)) {
                nonBlank++;
                numbers++;
                booleans = false;
                dates = false;
                continue;
            }
            String cell = row.get(c);
            if (isBlank(cell)) {
                continue;
            }
            nonBlank++;
            String v = cell.trim();
            if (isFiniteNumber(v)) {
                numbers++;
            }
            booleans &= BOOLEANS.contains(v.toLowerCase(Locale.ROOT));
            dates = dates && parseDate(v).isPresent();
        }
        int blanks = rows.size() - nonBlank;
        if (nonBlank == 0) {
            return new Column(name, c, Type.IGNORE, false, new double[0], List.of(), null, blanks,
                    "every cell is blank");
        }
        Type type;
        boolean overridden = override != null;
        if ("numeric".equals(override)) {
            type = Type.NUMERIC;
        } else if ("date".equals(override)) {
            type = Type.DATE;
        } else if ("categorical".equals(override)) {
            type = Type.CATEGORICAL;
        } else if (numbers * 2 >= nonBlank) {
            // At least half numbers: a stray text cell is a typo to point at, not a reason to make it text.
            type = Type.NUMERIC;
        } else if (booleans) {
            type = Type.BOOLEAN;
        } else if (dates) {
            type = Type.DATE;
        } else {
            type = Type.CATEGORICAL;
        }
        if (type == Type.NUMERIC) {
            double[] seen = new double[nonBlank];
            int k = 0;
            for (int r = 0; r < rows.size(); r++) {
                List<String> row = rows.get(r);
                if (row instanceof NumericRow numeric && numeric.isNumber(c)) {
                    seen[k++] = numeric.values[c];
                    continue;
                }
                String cell = row.get(c);
                if (isBlank(cell)) {
                    continue;
                }
                String v = cell.trim();
                if (!isFiniteNumber(v)) {
                    String where = "row " + lines.get(r) + ", column '" + name + "'";
                    boolean isNumber = false;
                    try {
                        Double.parseDouble(v);
                        isNumber = true;
                    } catch (NumberFormatException e) {
                        // text
                    }
                    String hint = isNumber ? "" : delimiter != ',' && v.matches("[-+]?\\d*,\\d+")
                            ? " (write decimals with a point: '" + v.replace(',', '.') + "')"
                            : overridden ? " (columns: {\"" + name + "\": \"numeric\"} needs numbers)"
                            : " (or set columns: {\"" + name + "\": \"categorical\"})";
                    errors.add(new FieldError(overridden ? "columns." + name : "dataset.csv", where + ": '" + v
                            + "' is not " + (isNumber ? "a finite number" : "a number") + hint));
                    return null;
                }
                seen[k++] = Double.parseDouble(v);
            }
            return new Column(name, c, type, overridden, new double[] {median(seen)}, List.of(), null, blanks, null);
        }
        List<String> values = new ArrayList<>(nonBlank);
        List<Long> at = new ArrayList<>(nonBlank);
        for (int r = 0; r < rows.size(); r++) {
            String cell = rows.get(r).get(c);
            if (!isBlank(cell)) {
                values.add(type == Type.DATE ? cell.trim() : canonical(cell.trim()));
                at.add(lines.get(r));
            }
        }
        if (type == Type.CATEGORICAL && !overridden) {
            Set<String> distinct = new HashSet<>(values);
            if (distinct.size() == values.size() && values.size() > 1) {
                return new Column(name, c, Type.ID, false, new double[0], List.of(), null, blanks,
                        "every value is different (an id); set columns: {\"" + name + "\": \"categorical\"} to use it");
            }
            int limit = Math.max(20, rows.size() / 2);
            if (distinct.size() > limit) {
                return new Column(name, c, Type.IGNORE, false, new double[0], List.of(), null, blanks,
                        distinct.size() + " different values, more than the " + limit + " categories a column may have"
                                + " without columns: {\"" + name + "\": \"categorical\"}");
            }
        }
        switch (type) {
            case DATE -> {
                double[][] parts = new double[4][values.size()];
                for (int i = 0; i < values.size(); i++) {
                    Optional<LocalDate> date = parseDate(values.get(i));
                    if (date.isEmpty()) {
                        errors.add(new FieldError("columns." + name, "row " + at.get(i) + ", column '" + name + "': '"
                                + values.get(i) + "' is not an ISO-8601 date (2024-01-31) or date-time"
                                + " (2024-01-31T08:00:00)"));
                        return null;
                    }
                    double[] p = dateParts(values.get(i));
                    for (int k = 0; k < 4; k++) {
                        parts[k][i] = p[k];
                    }
                }
                double[] impute = new double[4];
                for (int k = 0; k < 4; k++) {
                    impute[k] = median(parts[k]);
                }
                return new Column(name, c, type, overridden, impute, List.of(), null, blanks, null);
            }
            default -> {
                Map<String, Integer> counts = new TreeMap<>();
                values.forEach(v -> counts.merge(v, 1, Integer::sum));
                String mode = null;
                int best = 0;
                for (Map.Entry<String, Integer> e : counts.entrySet()) {
                    if (e.getValue() > best) {
                        best = e.getValue();
                        mode = e.getKey();
                    }
                }
                return new Column(name, c, type, overridden, new double[0], List.copyOf(counts.keySet()), mode, blanks,
                        null);
            }
        }
    }

    /**
     * The same columns and types fitted again on {@code rows} only (the rows a model trains on, when
     * others are held out): medians, the categories seen and the most frequent one, and blank
     * counts. A column none of whose cells in {@code rows} has a value keeps its earlier fit.
     */
    public TableSchema refit(List<List<String>> rows) {
        if (plain) {
            return this;
        }
        List<Column> refitted = new ArrayList<>();
        for (Column c : columns) {
            if (!c.type().used()) {
                refitted.add(c);
                continue;
            }
            List<String> values = new ArrayList<>();
            int blanks = 0;
            for (List<String> row : rows) {
                String cell = row.get(c.index());
                if (isBlank(cell)) {
                    blanks++;
                } else {
                    values.add(cell.trim());
                }
            }
            if (values.isEmpty()) {
                refitted.add(c);
                continue;
            }
            refitted.add(switch (c.type()) {
                case NUMERIC -> new Column(c.name(), c.index(), c.type(), c.overridden(),
                        new double[] {median(values.stream().mapToDouble(Double::parseDouble).toArray())}, List.of(),
                        null, blanks, null);
                case DATE -> {
                    double[][] parts = new double[4][values.size()];
                    for (int i = 0; i < values.size(); i++) {
                        double[] p = dateParts(values.get(i));
                        for (int k = 0; k < 4; k++) {
                            parts[k][i] = p[k];
                        }
                    }
                    double[] impute = new double[4];
                    for (int k = 0; k < 4; k++) {
                        impute[k] = median(parts[k]);
                    }
                    yield new Column(c.name(), c.index(), c.type(), c.overridden(), impute, List.of(), null, blanks,
                            null);
                }
                default -> {
                    Map<String, Integer> counts = new TreeMap<>();
                    values.forEach(v -> counts.merge(canonical(v), 1, Integer::sum));
                    String mode = null;
                    int best = 0;
                    for (Map.Entry<String, Integer> e : counts.entrySet()) {
                        if (e.getValue() > best) {
                            best = e.getValue();
                            mode = e.getKey();
                        }
                    }
                    yield new Column(c.name(), c.index(), c.type(), c.overridden(), new double[0],
                            List.copyOf(counts.keySet()), mode, blanks, null);
                }
            });
        }
        return new TableSchema(refitted);
    }

    /** The median (the mean of the middle two for an even count), as scikit-learn's SimpleImputer takes it. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Every column as the job's result lists it. */
    public List<Map<String, Object>> describe() {
        return columns.stream().map(Column::describe).toList();
    }

    /** For tests and messages: the type of each column by name. */
    public Map<String, Type> types() {
        Map<String, Type> types = new HashMap<>();
        columns.forEach(c -> types.put(c.name(), c.type()));
        return types;
    }
}
