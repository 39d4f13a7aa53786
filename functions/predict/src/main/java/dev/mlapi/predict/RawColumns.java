package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RawCells;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Arrays;

/**
 * The raw columns of a model trained on a table with text, blank or date columns, as its manifest
 * lists them ({@code parameters.columns}, written by the train function's {@code TableSchema}),
 * and the rows its graph takes: {@code numeric} (numbers and the four parts of each date, NaN for
 * a blank) and {@code text} (categories, {@code ""} for a blank). The graph imputes blanks and
 * one-hot encodes the categories itself; ONNX cannot parse a date, so a date is split here. Each
 * cell goes straight into one row-major buffer per input.
 */
final class RawColumns implements InstanceDecoder {

    enum Kind { NUMERIC, DATE, TEXT, UNUSED }

    record Column(String name, Kind kind) {
    }

    private final List<Column> used;
    private final Set<String> unused;
    private final List<String> names;
    private final Map<String, Integer> index;
    private final int numericWidth;
    private final int textWidth;

    private RawColumns(List<Column> used, Set<String> unused) {
        this.used = List.copyOf(used);
        this.unused = Set.copyOf(unused);
        this.names = this.used.stream().map(Column::name).toList();
        this.index = new HashMap<>(used.size() * 2);
        for (int c = 0; c < used.size(); c++) {
            index.putIfAbsent(used.get(c).name(), c);
        }
        this.numericWidth = used.stream().mapToInt(c -> c.kind() == Kind.DATE ? 4 : c.kind() == Kind.NUMERIC ? 1 : 0)
                .sum();
        this.textWidth = (int) used.stream().filter(c -> c.kind() == Kind.TEXT).count();
    }

    /** The manifest's raw columns, or empty for a model that takes its features as numbers (every model before them). */
    static Optional<RawColumns> of(Manifest manifest) {
        Object columns = manifest.parameters().get("columns");
        if (!(columns instanceof List<?> list)) {
            return Optional.empty();
        }
        List<Column> used = new ArrayList<>();
        Set<String> unused = new HashSet<>();
        for (Object item : list) {
            if (item instanceof Map<?, ?> column && column.get("name") instanceof String name) {
                Kind kind = switch (String.valueOf(column.get("type"))) {
                    case "numeric" -> Kind.NUMERIC;
                    case "date" -> Kind.DATE;
                    case "categorical", "boolean" -> Kind.TEXT;
                    default -> Kind.UNUSED;
                };
                if (kind == Kind.UNUSED) {
                    unused.add(name);
                } else {
                    used.add(new Column(name, kind));
                }
            }
        }
        return used.isEmpty() ? Optional.empty() : Optional.of(new RawColumns(used, unused));
    }

    List<String> names() {
        return names;
    }

    boolean hasText() {
        return textWidth > 0;
    }

    /**
     * The instances as the graph's inputs: objects by column name ({@code null} or a missing key is a
     * blank; a column the model does not use is ignored) or arrays in column order. The numbers are
     * doubles; the text is null when the model has no text column.
     */
    @Override
    public TabularModel.Rows decode(List<JsonNode> instances) {
        List<FieldError> errors = new ArrayList<>(0);
        int count = instances.size();
        double[] numeric = new double[count * numericWidth];
        String[] text = new String[count * textWidth];
        JsonNode[] cells = new JsonNode[used.size()];
        for (int i = 0; i < count && errors.size() < Features.MAX_ERRORS; i++) {
            JsonNode instance = instances.get(i);
            boolean byName;
            Arrays.fill(cells, null);
            if (instance.isArray()) {
                if (instance.size() != used.size()) {
                    errors.add(new FieldError(at(i), "has " + instance.size() + " values; the model takes " + used.size()
                            + " columns " + names));
                    continue;
                }
                for (int c = 0; c < used.size(); c++) {
                    cells[c] = instance.get(c);
                }
                byName = false;
            } else if (instance.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = instance.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    Integer position = index.get(field.getKey());
                    if (position != null) {
                        cells[position] = field.getValue();
                    } else if (!unused.contains(field.getKey())) {
                        errors.add(new FieldError(at(i) + "." + field.getKey(), "is not a column of this model; its"
                                + " columns are " + names));
                    }
                }
                byName = true;
            } else {
                errors.add(new FieldError(at(i), "must be an object of column name to value or an array of " + used.size()
                        + " values in column order " + names));
                continue;
            }
            int n = i * numericWidth;
            int t = i * textWidth;
            for (int c = 0; c < used.size(); c++) {
                Column column = used.get(c);
                JsonNode cell = cells[c];
                Cell field = new Cell(i, c, byName ? column.name() : null);
                switch (column.kind()) {
                    case NUMERIC -> numeric[n++] = number(cell, field, errors);
                    case DATE -> {
                        double[] parts = date(cell, field, errors);
                        System.arraycopy(parts, 0, numeric, n, 4);
                        n += 4;
                    }
                    default -> text[t++] = text(cell, field, errors);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw Features.invalid(errors);
        }
        return new TabularModel.Rows(count, numericWidth, null, numeric, textWidth > 0 ? text : null, textWidth);
    }

    private static String at(int instance) {
        return "instances[" + instance + "]";
    }

    /** Where a cell is, named only when it is wrong: {@code instances[3].city} by name, {@code instances[3][2]} by position. */
    private record Cell(int instance, int position, String name) {
        @Override
        public String toString() {
            return name != null ? at(instance) + "." + name : at(instance) + "[" + position + "]";
        }
    }

    private static boolean blank(JsonNode cell) {
        return cell == null || cell.isNull() || cell.isMissingNode()
                || cell.isTextual() && RawCells.isBlank(cell.asText());
    }

    private static double number(JsonNode cell, Cell field, List<FieldError> errors) {
        if (blank(cell)) {
            return Double.NaN;
        }
        double value;
        if (cell.isNumber()) {
            value = cell.doubleValue();
        } else if (cell.isTextual()) {
            try {
                value = Double.parseDouble(cell.asText().trim());
            } catch (NumberFormatException e) {
                errors.add(new FieldError(field.toString(), "must be a number (or null for a blank), got '" + cell.asText() + "'"));
                return 0;
            }
        } else {
            errors.add(new FieldError(field.toString(), "must be a number (or null for a blank), got " + kind(cell)));
            return 0;
        }
        if (!Double.isFinite(value)) {
            errors.add(new FieldError(field.toString(), "must be a finite number, got " + cell.asText()));
        }
        return value;
    }

    private static double[] date(JsonNode cell, Cell field, List<FieldError> errors) {
        if (blank(cell)) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        }
        Optional<LocalDate> date = cell.isTextual() ? RawCells.parseDate(cell.asText().trim()) : Optional.empty();
        if (date.isEmpty()) {
            errors.add(new FieldError(field.toString(), "must be an ISO-8601 date (2024-01-31) or date-time (2024-01-31T08:00:00),"
                    + " or null for a blank; got " + (cell.isTextual() ? "'" + cell.asText() + "'" : kind(cell))));
            return new double[4];
        }
        return RawCells.dateParts(date.get());
    }

    private static String text(JsonNode cell, Cell field, List<FieldError> errors) {
        if (blank(cell)) {
            return "";
        }
        if (cell.isNumber()) {
            return RawCells.canonical(cell.doubleValue());
        }
        if (cell.isTextual()) {
            String text = cell.asText().trim();
            try {
                double value = Double.parseDouble(text);
                return Double.isFinite(value) ? RawCells.canonical(value) : text;
            } catch (NumberFormatException e) {
                return text;
            }
        }
        if (cell.isBoolean()) {
            return cell.asText();
        }
        errors.add(new FieldError(field.toString(), "must be a category as a string (or null for a blank), got " + kind(cell)));
        return "";
    }

    private static String kind(JsonNode cell) {
        return cell.getNodeType().toString().toLowerCase(Locale.ROOT);
    }
}
