package dev.mlapi.report;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** RFC 4180 CSV of report rows: a header, then one line per row, CRLF line ends. */
final class CsvTable {

    private CsvTable() {
    }

    static String write(List<String> columns, List<Map<String, Object>> rows) {
        StringBuilder csv = new StringBuilder(String.join(",", columns)).append("\r\n");
        for (Map<String, Object> row : rows) {
            csv.append(columns.stream().map(c -> field(row.get(c))).collect(Collectors.joining(","))).append("\r\n");
        }
        return csv.toString();
    }

    private static String field(Object value) {
        String text = value == null ? "" : value.toString();
        // Also quote what a spreadsheet would run as a formula.
        if (text.matches("(?s).*[\",\r\n].*") || text.matches("^[=+\\-@].*")) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }
}
