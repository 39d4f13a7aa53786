package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RawCells;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The raw columns of a model trained on a table with text, blank or date columns, as its manifest
 * lists them ({@code parameters.columns}, written by the train function's {@code TableSchema}),
 * and the rows its graph takes: {@code numeric} (numbers and the four parts of each date, NaN for
 * a blank) and {@code text} (categories, {@code ""} for a blank). The graph imputes blanks and
 * one-hot encodes the categories itself; ONNX cannot parse a date, so a date is split here.
 */
final class RawColumns {

    enum Kind { NUMERIC, DATE, TEXT, UNUSED }

    record Column(String name, Kind kind) {
    }

    /** The graph's inputs for some instances: {@code text} is null when the model has no text column. */
    record Rows(double[][] numeric, String[][] text) {
    }

    private final List<Column> used;
    private final Set<String> unused;
    private final int numericWidth;
    private final int textWidth;

    private RawColumns(List<Column> used, Set<String> unused) {
        this.used = List.copyOf(used);
        this.unused = Set.copyOf(unused);
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
        return used.stream().map(Column::name).toList();
    }

    boolean hasText() {
        return textWidth > 0;
    }

    /**
     * The instances as the graph's inputs: objects by column name ({@code null} or a missing key is a
     * blank; a column the model does not use is ignored) or arrays in column order.
     */
    Rows rows(List<JsonNode> instances) {
        List<FieldError> errors = new ArrayList<>();
        double[][] numeric = new double[instances.size()][numericWidth];
        String[][] text = new String[instances.size()][textWidth];
        List<String> names = names();
        for (int i = 0; i < instances.size() && errors.size() < Features.MAX_ERRORS; i++) {
            JsonNode instance = instances.get(i);
            String at = "instances[" + i + "]";
            JsonNode[] cells = new JsonNode[used.size()];
            String[] fields = new String[used.size()];
            if (instance.isArray()) {
                if (instance.size() != used.size()) {
                    errors.add(new FieldError(at, "has " + instance.size() + " values; the model takes " + used.size()
                            + " columns " + names));
                    continue;
                }
                for (int c = 0; c < used.size(); c++) {
                    cells[c] = instance.get(c);
                    fields[c] = at + "[" + c + "]";
                }
            } else if (instance.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = instance.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    int index = names.indexOf(field.getKey());
                    if (index >= 0) {
                        cells[index] = field.getValue();
                    } else if (!unused.contains(field.getKey())) {
                        errors.add(new FieldError(at + "." + field.getKey(), "is not a column of this model; its"
                                + " columns are " + names));
                    }
                }
                for (int c = 0; c < used.size(); c++) {
                    fields[c] = at + "." + used.get(c).name();
                }
            } else {
                errors.add(new FieldError(at, "must be an object of column name to value or an array of " + used.size()
                        + " values in column order " + names));
                continue;
            }
            int n = 0;
            int t = 0;
            for (int c = 0; c < used.size(); c++) {
                Column column = used.get(c);
                JsonNode cell = cells[c];
                switch (column.kind()) {
                    case NUMERIC -> numeric[i][n++] = number(cell, fields[c], errors);
                    case DATE -> {
                        double[] parts = date(cell, fields[c], errors);
                        System.arraycopy(parts, 0, numeric[i], n, 4);
                        n += 4;
                    }
                    default -> text[i][t++] = text(cell, fields[c], errors);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw Features.invalid(errors);
        }
        return new Rows(numeric, textWidth > 0 ? text : null);
    }

    private static boolean blank(JsonNode cell) {
        return cell == null || cell.isNull() || cell.isMissingNode()
                || cell.isTextual() && RawCells.isBlank(cell.asText());
    }

    private static double number(JsonNode cell, String field, List<FieldError> errors) {
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
                errors.add(new FieldError(field, "must be a number (or null for a blank), got '" + cell.asText() + "'"));
                return 0;
            }
        } else {
            errors.add(new FieldError(field, "must be a number (or null for a blank), got " + kind(cell)));
            return 0;
        }
        if (!Double.isFinite(value)) {
            errors.add(new FieldError(field, "must be a finite number, got " + cell.asText()));
        }
        return value;
    }

    private static double[] date(JsonNode cell, String field, List<FieldError> errors) {
        if (blank(cell)) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        }
        Optional<LocalDate> date = cell.isTextual() ? RawCells.parseDate(cell.asText().trim()) : Optional.empty();
        if (date.isEmpty()) {
            errors.add(new FieldError(field, "must be an ISO-8601 date (2024-01-31) or date-time (2024-01-31T08:00:00),"
                    + " or null for a blank; got " + (cell.isTextual() ? "'" + cell.asText() + "'" : kind(cell))));
            return new double[4];
        }
        return RawCells.dateParts(date.get());
    }

    private static String text(JsonNode cell, String field, List<FieldError> errors) {
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
        errors.add(new FieldError(field, "must be a category as a string (or null for a blank), got " + kind(cell)));
        return "";
    }

    private static String kind(JsonNode cell) {
        return cell.getNodeType().toString().toLowerCase(Locale.ROOT);
    }
}
