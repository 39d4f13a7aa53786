package dev.mlapi.training;

import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.io.BufferedReader;
import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
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
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Objects;

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
    /** The start of the text read to choose the delimiter: the header line, for any table within the column limit. */
    private static final int HEADER_PEEK = 256 * 1024;

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
        return Arrays.stream(rows[i]).mapToObj(Double::toString).toList();
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
        return parseCsv(csv, target, classification, overrides, DatasetLimits.DEFAULTS);
    }

    /** As {@link #parseCsv(String, Optional, boolean, TableSchema.Overrides)}, within {@code limits}. */
    public static TabularDataset parseCsv(String csv, Optional<String> target, boolean classification,
            TableSchema.Overrides overrides, DatasetLimits limits) {
        if (csv == null) {
            throw InvalidInput.field(FIELD, "is empty: send a header row and data rows");
        }
        return parseCsv(new StringReader(csv), target, classification, overrides, limits);
    }

    /**
     * Reads a CSV from {@code csv} as {@link #parseCsv(String, Optional)} describes, one record at a
     * time: no copy of the text is ever whole in memory, and a row's cells are kept as numbers (text
     * only for the cells that are not numbers, one copy of each distinct text per column). A header
     * of more than {@link DatasetLimits#maxColumns()} columns, or more than
     * {@link DatasetLimits#maxRows()} data rows, is a 400 naming the limit and the number found.
     */
    public static TabularDataset parseCsv(Reader csv, Optional<String> target, boolean classification,
            TableSchema.Overrides overrides, DatasetLimits limits) {
        LineCountingReader counted = new LineCountingReader(csv);
        BufferedReader reader = new BufferedReader(counted, HEADER_PEEK);
        char delimiter;
        try {
            reader.mark(HEADER_PEEK);
            char[] head = new char[HEADER_PEEK];
            int length = 0;
            for (int read; length < head.length && (read = reader.read(head, length, head.length - length)) > 0; ) {
                length += read;
            }
            reader.reset();
            String text = new String(head, 0, length);
            if (text.startsWith(BYTE_ORDER_MARK)) {
                reader.skip(1);
                text = text.substring(1);
            }
            if (text.isBlank()) {
                throw InvalidInput.field(FIELD, "is empty: send a header row and data rows");
            }
            delimiter = delimiter(text);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the CSV", e);
        }
        try (Records records = new Records(reader, delimiter)) {
            return parse(records, counted, delimiter, target, classification, overrides, limits);
        }
    }

    /** The header's cells, checked: names present and distinct, within the column limit, at least two. */
    private static List<String> header(RawRow record, DatasetLimits limits) {
        List<String> header = record.cells();
        limits.requireColumns(header.size());
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
        return header;
    }

    /** The target column's name: {@code target}, or else the last column; a 400 when it is not in the header. */
    private static String targetName(List<String> header, Optional<String> target) {
        String targetName = target.orElse(header.get(header.size() - 1));
        if (!header.contains(targetName)) {
            throw InvalidInput.field("target", "column '" + targetName + "' is not in the header " + header);
        }
        return targetName;
    }

    /**
     * Checks a table's first line only, as the API does for a stored dataset (whose rows the worker
     * reads): {@code head} is the start of the CSV, {@code complete} whether it is the whole file.
     * The header's names, width and limit, the target and the request's column names are checked;
     * the feature columns are returned in CSV order.
     */
    public static List<String> checkHeader(String head, boolean complete, Optional<String> target,
            TableSchema.Overrides overrides, DatasetLimits limits) {
        String text = head.startsWith(BYTE_ORDER_MARK) ? head.substring(1) : head;
        if (text.isBlank()) {
            throw InvalidInput.field(FIELD, "is empty: send a header row and data rows");
        }
        int end = headerEnd(text);
        if (end < 0 && !complete) {
            throw InvalidInput.field(FIELD, "row 1: the header is longer than the first " + format(head.length())
                    + " characters read to check it; shorten the column names or drop columns");
        }
        char delimiter = delimiter(text);
        List<String> header;
        try (Records records = new Records(new StringReader(end < 0 ? text : text.substring(0, end)), delimiter)) {
            header = header(records.next(), limits);
        }
        String targetName = targetName(header, target);
        List<String> features = new ArrayList<>(header);
        features.remove(targetName);
        TableSchema.checkOverrides(features, overrides);
        return features;
    }

    private static String format(long n) {
        return DatasetLimits.format(n);
    }

    /** Where the first line ends (outside quotes), or -1 when {@code text} has no line end. */
    private static int headerEnd(String text) {
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '"') {
                quoted = !quoted;
            } else if (!quoted && (ch == '\n' || ch == '\r')) {
                return i;
            }
        }
        return -1;
    }

    private static TabularDataset parse(Records records, LineCountingReader counted, char delimiter,
            Optional<String> target, boolean classification, TableSchema.Overrides overrides, DatasetLimits limits) {
        RawRow first = records.next();
        if (first == null) {
            throw InvalidInput.field(FIELD, "is empty: send a header row and data rows");
        }
        List<String> header = header(first, limits);
        String targetName = targetName(header, target);
        int targetIndex = header.indexOf(targetName);
        List<String> features = new ArrayList<>(header);
        features.remove(targetIndex);
        List<List<String>> rawRows = new ArrayList<>();
        LongList lines = new LongList();
        List<String> targets = new ArrayList<>();
        Interner targetValues = new Interner();
        Interner[] cellValues = new Interner[features.size()];
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
            if (rawRows.size() == limits.maxRows()) {
                // The rest is only counted: its lines, without parsing or keeping them.
                throw limits.tooManyRows(counted.dataLines());
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
            rawRows.add(row(cells, targetIndex, cellValues));
            lines.add(record.line());
            targets.add(targetValues.intern(targetCell));
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
            rows[r] = asParsed && rawRows.get(r) instanceof TableSchema.NumericRow numbers && numbers.allNumbers()
                    ? numbers.values : schema.encode(rawRows.get(r));
        }
        TabularDataset dataset = asParsed
                ? new TabularDataset(features, targetName, rows, targets, schema, null)
                : new TabularDataset(schema.encodedNames(), targetName, rows, targets, schema, rawRows);
        if (!classification) {
            RegressionSearch.numericTargets(dataset);
        }
        return dataset;
    }

    /**
     * The non-target cells of a record as numbers where they are finite numbers, and as text (one
     * copy per distinct value and column) where they are not: a numeric cell is then read back in
     * its {@link TableSchema#canonical} spelling, the same number.
     */
    private static TableSchema.NumericRow row(List<String> cells, int targetIndex, Interner[] texts) {
        double[] values = new double[cells.size() - 1];
        String[] text = null;
        for (int k = 0, c = 0; k < cells.size(); k++) {
            if (k == targetIndex) {
                continue;
            }
            String cell = cells.get(k);
            double value = number(cell);
            if (Double.isNaN(value)) {
                if (text == null) {
                    text = new String[values.length];
                }
                if (texts[c] == null) {
                    texts[c] = new Interner();
                }
                text[c] = texts[c].intern(cell);
            }
            values[c++] = value;
        }
        return new TableSchema.NumericRow(values, text);
    }

    /** The cell's value when it is a finite number; NaN when it is not (text, blank, NaN, an infinity). */
    private static double number(String cell) {
        if (cell.isEmpty()) {
            return Double.NaN;
        }
        char first = cell.charAt(0);
        char last = cell.charAt(cell.length() - 1);
        // Text that cannot start or end a finite number is not parsed (an exception per text cell is slow).
        if (!(first >= '0' && first <= '9') && first != '-' && first != '+' && first != '.'
                || !(last >= '0' && last <= '9') && last != '.' && "dDfF".indexOf(last) < 0) {
            return Double.NaN;
        }
        try {
            double value = Double.parseDouble(cell);
            return Double.isFinite(value) ? value : Double.NaN;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
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

    /**
     * Counts the non-blank lines of the characters read through it, so that once a table is known to
     * be too long the rest is counted without being parsed (a quoted line break counts as a line).
     */
    private static final class LineCountingReader extends FilterReader {
        private long lines;
        private boolean inLine;

        LineCountingReader(Reader in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int ch = super.read();
            if (ch >= 0) {
                see((char) ch);
            }
            return ch;
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            int read = super.read(buffer, offset, length);
            for (int i = offset; i < offset + read; i++) {
                see(buffer[i]);
            }
            return read;
        }

        private void see(char ch) {
            if (ch == '\n' || ch == '\r') {
                inLine = false;
            } else if (!inLine && !Character.isWhitespace(ch)) {
                inLine = true;
                lines++;
            }
        }

        /** The data lines of the whole text (every non-blank line but the header): the rest is read to count them. */
        long dataLines() {
            try {
                char[] buffer = new char[64 * 1024];
                while (read(buffer, 0, buffer.length) > 0) {
                    // counted by read
                }
                return lines - 1;
            } catch (IOException e) {
                throw new UncheckedIOException("reading the CSV", e);
            }
        }
    }

    /** A growable list of longs (a row's line, for errors) without a boxed value per row. */
    static final class LongList extends AbstractList<Long> {
        private long[] values = new long[1024];
        private int size;

        @Override
        public boolean add(Long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[size++] = value;
            return true;
        }

        @Override
        public Long get(int index) {
            Objects.checkIndex(index, size);
            return values[index];
        }

        @Override
        public int size() {
            return size;
        }
    }

    /** One copy of each distinct text (a column's categories, the classes), up to {@link #MAX} distinct values. */
    private static final class Interner {
        /** An id-like column has as many values as rows: past this many, the map would only cost memory. */
        private static final int MAX = 100_000;
        private final Map<String, String> seen = new HashMap<>();

        String intern(String text) {
            String known = seen.get(text);
            if (known != null) {
                return known;
            }
            if (seen.size() < MAX) {
                seen.put(text, text);
            }
            return text;
        }
    }

    /** The records of a CSV text, read one at a time by Commons CSV; a malformed quote is a 400 naming its line. */
    private static final class Records implements AutoCloseable {
        private final CSVParser parser;
        private final Iterator<CSVRecord> iterator;

        Records(Reader text, char delimiter) {
            CSVFormat format = CSVFormat.RFC4180.builder()
                    .setDelimiter(delimiter)
                    // Blank lines are read as records (and skipped by the caller) so that line numbers stay exact.
                    .setIgnoreEmptyLines(false)
                    .setIgnoreSurroundingSpaces(true)
                    .setTrim(true)
                    .get();
            try {
                parser = format.parse(text);
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
