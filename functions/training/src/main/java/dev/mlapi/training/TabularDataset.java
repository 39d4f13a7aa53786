package dev.mlapi.training;

import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A classification table read from CSV: numeric features in column order and a text target.
 * Parsing checks everything a training job needs up front, so a bad file is a 400 naming the row
 * and column before any job exists: a header with blank or repeated names, an unknown target, a
 * row of the wrong width, a missing or non-numeric or non-finite feature, a single-class target,
 * a quoted field that is never closed.
 *
 * @param rows     features, one array per data row, in {@code featureNames} order
 * @param targets  the target of each row
 */
public record TabularDataset(List<String> featureNames, String target, double[][] rows, List<String> targets,
        TableSchema schema, List<List<String>> raw) {

    private static final String FIELD = "dataset.csv";
    private static final String BYTE_ORDER_MARK = "\uFEFF";
    private static final String DELIMITERS = ",;\t";

    public TabularDataset {
        featureNames = List.copyOf(featureNames);
        targets = List.copyOf(targets);
        schema = schema != null ? schema : TableSchema.numeric(featureNames);
        raw = raw != null ? List.copyOf(raw) : null;
    }

    /** An all-numeric table without blanks: the features are the columns. */
    public TabularDataset(List<String> featureNames, String target, double[][] rows, List<String> targets) {
        this(featureNames, target, rows, targets, null, null);
    }

    /**
     * The raw non-target cells of row {@code i} in CSV order, as predict would get them (a plain
     * table's numbers written out when the table was not read from CSV).
     */
    public List<String> rawRow(int i) {
        if (raw != null) {
            return raw.get(i);
        }
        return java.util.Arrays.stream(rows[i]).mapToObj(Double::toString).toList();
    }

    /** The rows at {@code indices}, with their raw cells. */
    public TabularDataset subset(List<Integer> indices) {
        double[][] picked = new double[indices.size()][];
        List<String> pickedTargets = new ArrayList<>();
        List<List<String>> pickedRaw = raw == null ? null : new ArrayList<>();
        for (int k = 0; k < picked.length; k++) {
            picked[k] = rows[indices.get(k)];
            pickedTargets.add(targets.get(indices.get(k)));
            if (pickedRaw != null) {
                pickedRaw.add(raw.get(indices.get(k)));
            }
        }
        return new TabularDataset(featureNames, target, picked, pickedTargets, schema, pickedRaw);
    }

    /** These rows encoded with {@code fitted} (a table read from CSV: its raw cells are kept). */
    public TabularDataset encodedWith(TableSchema fitted) {
        double[][] encoded = new double[rows.length][];
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = fitted.encode(raw.get(i));
        }
        return new TabularDataset(fitted.encodedNames(), target, encoded, targets, fitted, raw);
    }

    /** The classes in sorted order (scikit-learn's {@code classes_}). */
    public List<String> classes() {
        return List.copyOf(new TreeSet<>(targets));
    }

    public int size() {
        return rows.length;
    }

    /**
     * Reads {@code csv}: a header row, then data rows; the target is {@code target} or else the last
     * column. Fields are separated by {@code ,} {@code ;} or a tab, whichever splits the header into
     * the most fields (a comma on a tie); fields may be double-quoted, with commas, newlines and
     * doubled quotes inside; a leading byte order mark and CRLF line ends are accepted; spaces around
     * a field are ignored. Row numbers in errors are the file's line numbers (the header is 1; a
     * record spanning lines is named by the line it starts on).
     */
    public static TabularDataset parseCsv(String csv, Optional<String> target) {
        return parseCsv(csv, target, true);
    }

    /** As {@link #parseCsv(String, Optional)}; a regression target may take any number of values, but must be numeric. */
    public static TabularDataset parseCsv(String csv, Optional<String> target, boolean classification) {
        return parseCsv(csv, target, classification, TableSchema.Overrides.NONE);
    }

    /** As {@link #parseCsv(String, Optional, boolean)}, with the request's column types and selection. */
    public static TabularDataset parseCsv(String csv, Optional<String> target, boolean classification,
            TableSchema.Overrides overrides) {
        String text = csv != null && csv.startsWith(BYTE_ORDER_MARK) ? csv.substring(1) : csv;
        if (text == null || text.isBlank()) {
            throw InvalidInput.field(FIELD, "is empty: send a header row and data rows");
        }
        char delimiter = delimiter(text);
        try (Records records = new Records(text, delimiter)) {
            return parse(records, delimiter, target, classification, overrides);
        }
    }

    private static TabularDataset parse(Records records, char delimiter, Optional<String> target, boolean classification,
            TableSchema.Overrides overrides) {
        List<String> header = records.next().cells();
        Map<String, Integer> seen = new HashMap<>();
        for (int c = 0; c < header.size(); c++) {
            if (header.get(c).isEmpty()) {
                throw InvalidInput.field(FIELD, "row 1, column " + (c + 1) + ": the header has a blank column name");
            }
            Integer first = seen.putIfAbsent(header.get(c), c + 1);
            if (first != null) {
                throw InvalidInput.field(FIELD, "row 1: column '" + header.get(c) + "' appears twice (columns " + first
                        + " and " + (c + 1) + ")");
            }
        }
        if (header.size() < 2) {
            throw InvalidInput.field(FIELD, "row 1: need at least one feature column and a target column");
        }
        String targetName = target.orElse(header.get(header.size() - 1));
        int targetIndex = header.indexOf(targetName);
        if (targetIndex < 0) {
            throw InvalidInput.field("target", "column '" + targetName + "' is not in the header " + header);
        }
        List<String> features = new ArrayList<>(header);
        features.remove(targetIndex);
        List<List<String>> rawRows = new ArrayList<>();
        List<Long> lines = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        List<FieldError> errors = new ArrayList<>();
        while (errors.size() < 20) {
            RawRow record;
            try {
                record = records.next();
            } catch (InvalidInput e) {
                errors.addAll(e.errors());
                break;
            }
            if (record == null) {
                break;
            }
            List<String> cells = record.cells();
            if (cells.size() == 1 && cells.get(0).isEmpty()) {
                continue;
            }
            String at = "row " + record.line();
            if (cells.size() != header.size()) {
                errors.add(new FieldError(FIELD, at + ": has " + cells.size() + " cells, the header has " + header.size()));
                continue;
            }
            String targetCell = cells.get(targetIndex);
            if (targetCell.isEmpty()) {
                errors.add(new FieldError(FIELD, at + ", column '" + targetName + "': the target is missing"));
            } else if (!classification && !isFiniteNumber(targetCell)) {
                // Checked here, where the record's line is known (blank lines and quoted newlines shift it).
                errors.add(new FieldError(FIELD, at + ", column '" + targetName + "': '" + targetCell
                        + "' is not a number, and regression needs numeric targets"));
            }
            List<String> row = new ArrayList<>(cells);
            row.remove(targetIndex);
            rawRows.add(numbers(row));
            lines.add(record.line());
            targets.add(cells.get(targetIndex));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInput(errors.get(0).message() + (errors.size() > 1 ? " (and " + (errors.size() - 1)
                    + " more)" : ""), errors);
        }
        if (rawRows.isEmpty()) {
            throw InvalidInput.field(FIELD, "has a header but no data rows");
        }
        if (classification && new HashSet<>(targets).size() < 2) {
            throw InvalidInput.field(FIELD, "column '" + targetName + "' has a single class ('" + targets.get(0)
                    + "'): classification needs at least two");
        }
        TableSchema schema = TableSchema.infer(features, rawRows, lines, overrides, delimiter);
        double[][] rows = new double[rawRows.size()][];
        boolean asParsed = schema.plain() && schema.used().size() == features.size();
        for (int r = 0; r < rows.length; r++) {
            // A plain table's rows are its numbers as parsed (no second copy of a large table).
            rows[r] = asParsed ? ((TableSchema.NumericRow) rawRows.get(r)).values : schema.encode(rawRows.get(r));
        }
        TabularDataset dataset = asParsed
                ? new TabularDataset(features, targetName, rows, targets, schema, null)
                : new TabularDataset(schema.encodedNames(), targetName, rows, targets, schema, rawRows);
        if (!classification) {
            RegressionSearch.numericTargets(dataset);
        }
        return dataset;
    }

    /** The cells as numbers when every one is a finite number (a plain table's row, stored as compactly as ever). */
    private static List<String> numbers(List<String> cells) {
        double[] values = new double[cells.size()];
        for (int c = 0; c < values.length; c++) {
            String cell = cells.get(c);
            if (cell.isEmpty() || !isFiniteNumber(cell)) {
                return cells;
            }
            values[c] = Double.parseDouble(cell);
        }
        return new TableSchema.NumericRow(values);
    }

    private static boolean isFiniteNumber(String cell) {
        try {
            return Double.isFinite(Double.parseDouble(cell));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The one of {@code , ; tab} that occurs most often in the header line outside quotes; a comma on a tie. */
    static char delimiter(String text) {
        int[] counts = new int[DELIMITERS.length()];
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '"') {
                quoted = !quoted;
            } else if (!quoted && (ch == '\n' || ch == '\r')) {
                break;
            } else if (!quoted && DELIMITERS.indexOf(ch) >= 0) {
                counts[DELIMITERS.indexOf(ch)]++;
            }
        }
        int best = 0;
        for (int d = 1; d < counts.length; d++) {
            if (counts[d] > counts[best]) {
                best = d;
            }
        }
        return DELIMITERS.charAt(best);
    }

    /** One CSV record: its cells (unquoted, trimmed) and the file line it starts on. */
    private record RawRow(long line, List<String> cells) {
    }

    /** The records of a CSV text, read one at a time by Commons CSV; a malformed quote is a 400 naming its line. */
    private static final class Records implements AutoCloseable {
        private final CSVParser parser;
        private final Iterator<CSVRecord> iterator;

        Records(String text, char delimiter) {
            CSVFormat format = CSVFormat.RFC4180.builder()
                    .setDelimiter(delimiter)
                    // Blank lines are read as records (and skipped by the caller) so that line numbers stay exact.
                    .setIgnoreEmptyLines(false)
                    .setIgnoreSurroundingSpaces(true)
                    .setTrim(true)
                    .get();
            try {
                parser = CSVParser.parse(text, format);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            iterator = parser.iterator();
        }

        /** The next record, or null at the end of the text. */
        RawRow next() {
            // The parser has consumed exactly the records returned so far, so the next one starts on the next line.
            long line = parser.getCurrentLineNumber() + 1;
            try {
                return iterator.hasNext() ? new RawRow(line, iterator.next().toList()) : null;
            } catch (UncheckedIOException e) {
                String message = String.valueOf(e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
                String problem = message.contains("EOF reached before encapsulated token finished")
                        ? "a quoted field is not closed (the file ends inside it)"
                        : message.contains("Invalid character between encapsulated token and delimiter")
                        ? "a quoted field is followed by more text before the next delimiter: quote the whole cell and"
                                + " double each quote inside it"
                        : "not readable as CSV (" + message + ")";
                throw InvalidInput.field(FIELD, "line " + line + ": " + problem);
            }
        }

        @Override
        public void close() {
            try {
                parser.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
