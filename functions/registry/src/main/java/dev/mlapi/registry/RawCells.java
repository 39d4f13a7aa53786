package dev.mlapi.registry;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * How a tabular model's raw cells read, for training (which fits the columns) and predict (which
 * feeds them) alike: which spellings are blank, what an ISO date is and its four parts, and the
 * one spelling of a number used as a category. One description, so the two sides cannot drift.
 */
public final class RawCells {

    /** Blank spellings, compared trimmed and in lower case. */
    public static final Set<String> BLANKS = Set.of("", "na", "nan", "null", "none");

    private RawCells() {
    }

    /** Whether {@code cell} is blank ({@code null} or one of {@link #BLANKS}). */
    public static boolean isBlank(String cell) {
        return cell == null || BLANKS.contains(cell.trim().toLowerCase(Locale.ROOT));
    }

    /** An ISO date, a date-time (a space for the T allowed), or one with an offset; else empty. */
    public static Optional<LocalDate> parseDate(String text) {
        if (text.length() < 10 || !Character.isDigit(text.charAt(0))) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(text));
        } catch (DateTimeParseException e) {
            // try a date-time
        }
        try {
            return Optional.of(LocalDateTime.parse(text.replace(' ', 'T')).toLocalDate());
        } catch (DateTimeParseException e) {
            // try one with an offset
        }
        try {
            return Optional.of(OffsetDateTime.parse(text.replace(' ', 'T').replace("z", "Z")).toLocalDate());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Year, month, day of month and ISO day of week (Monday 1) of {@code date}. */
    public static double[] dateParts(LocalDate date) {
        return new double[] {date.getYear(), date.getMonthValue(), date.getDayOfMonth(), date.getDayOfWeek().getValue()};
    }

    /** A number used as a category: the shortest plain decimal ({@code 130}, not {@code 130.0}). */
    public static String canonical(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
