package dev.mlapi.training;

import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A classification table read from CSV: numeric features in column order and a text target.
 * Parsing checks everything a training job needs up front, so a bad file is a 400 naming the row
 * and column before any job exists: a header with blank or repeated names, an unknown target, a
 * row of the wrong width, a missing or non-numeric or non-finite feature, a single-class target.
 *
 * @param rows     features, one array per data row, in {@code featureNames} order
 * @param targets  the target of each row
 */
public record TabularDataset(List<String> featureNames, String target, double[][] rows, List<String> targets) {

    public TabularDataset {
        featureNames = List.copyOf(featureNames);
        targets = List.copyOf(targets);
    }

    /** The classes in sorted order (scikit-learn's {@code classes_}). */
    public List<String> classes() {
        return List.copyOf(new TreeSet<>(targets));
    }

    public int size() {
        return rows.length;
    }

    /**
     * Reads {@code csv} (a header row, then data rows, comma-separated; the target is {@code target}
     * or else the last column). Row numbers in errors are the file's line numbers (the header is 1).
     */
    public static TabularDataset parseCsv(String csv, Optional<String> target) {
        return parseCsv(csv, target, true);
    }

    /** As {@link #parseCsv(String, Optional)}; a regression target may take any number of values, but must be numeric. */
    public static TabularDataset parseCsv(String csv, Optional<String> target, boolean classification) {
        String field = "dataset.csv";
        if (csv == null || csv.isBlank()) {
            throw InvalidInput.field(field, "is empty: send a header row and data rows");
        }
        String[] lines = csv.split("\r?\n", -1);
        List<String> header = cells(lines[0]);
        Set<String> seen = new HashSet<>();
        for (int c = 0; c < header.size(); c++) {
            if (header.get(c).isEmpty()) {
                throw InvalidInput.field(field, "row 1, column " + (c + 1) + ": the header has a blank column name");
            }
            if (!seen.add(header.get(c))) {
                throw InvalidInput.field(field, "row 1: column '" + header.get(c) + "' appears twice");
            }
        }
        if (header.size() < 2) {
            throw InvalidInput.field(field, "row 1: need at least one feature column and a target column");
        }
        String targetName = target.orElse(header.get(header.size() - 1));
        int targetIndex = header.indexOf(targetName);
        if (targetIndex < 0) {
            throw InvalidInput.field("target", "column '" + targetName + "' is not in the header " + header);
        }
        List<String> features = new ArrayList<>(header);
        features.remove(targetIndex);
        List<double[]> rows = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        List<FieldError> errors = new ArrayList<>();
        for (int line = 1; line < lines.length && errors.size() < 20; line++) {
            if (lines[line].isBlank()) {
                continue;
            }
            List<String> cells = cells(lines[line]);
            String at = "row " + (line + 1);
            if (cells.size() != header.size()) {
                errors.add(new FieldError(field, at + ": has " + cells.size() + " cells, the header has " + header.size()));
                continue;
            }
            double[] row = new double[features.size()];
            int f = 0;
            for (int c = 0; c < cells.size(); c++) {
                String cell = cells.get(c);
                if (c == targetIndex) {
                    if (cell.isEmpty()) {
                        errors.add(new FieldError(field, at + ", column '" + header.get(c) + "': the target is missing"));
                    }
                    continue;
                }
                String where = at + ", column '" + header.get(c) + "'";
                if (cell.isEmpty()) {
                    errors.add(new FieldError(field, where + ": missing value"));
                } else {
                    try {
                        row[f] = Double.parseDouble(cell);
                        if (!Double.isFinite(row[f])) {
                            errors.add(new FieldError(field, where + ": '" + cell + "' is not a finite number"));
                        }
                    } catch (NumberFormatException e) {
                        errors.add(new FieldError(field, where + ": '" + cell + "' is not a number"));
                    }
                }
                f++;
            }
            rows.add(row);
            targets.add(cells.get(targetIndex));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInput(errors.get(0).message() + (errors.size() > 1 ? " (and " + (errors.size() - 1)
                    + " more)" : ""), errors);
        }
        if (rows.isEmpty()) {
            throw InvalidInput.field(field, "has a header but no data rows");
        }
        if (classification && new HashSet<>(targets).size() < 2) {
            throw InvalidInput.field(field, "column '" + targetName + "' has a single class ('" + targets.get(0)
                    + "'): classification needs at least two");
        }
        TabularDataset dataset = new TabularDataset(features, targetName, rows.toArray(double[][]::new), targets);
        if (!classification) {
            RegressionSearch.numericTargets(dataset);
        }
        return dataset;
    }

    /** Splits one CSV line; cells may be double-quoted (a quote inside is doubled). */
    private static List<String> cells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cell.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                cells.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(ch);
            }
        }
        cells.add(cell.toString().trim());
        return cells;
    }
}
