package dev.mlapi.catalog;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An EventBridge schedule expression, checked as EventBridge checks it: {@code rate(1 hour)},
 * {@code rate(5 minutes)} or {@code cron(minutes hours day-of-month month day-of-week year)} in
 * UTC, where exactly one of the two day fields is {@code ?}. The local server asks it when the
 * next run is due ({@link #nextAfter}), so both deployments and the local server run a job alike.
 */
public sealed interface ScheduleExpression {

    /** The expression as EventBridge takes it, e.g. {@code rate(6 hours)}. */
    String expression();

    /** The first time strictly after {@code after} at which the schedule fires; empty if never again. */
    Optional<Instant> nextAfter(Instant after);

    /**
     * The expression parsed, or {@link IllegalArgumentException} naming what is wrong.
     *
     * @throws IllegalArgumentException when EventBridge would refuse the expression
     */
    static ScheduleExpression parse(String expression) {
        if (expression == null) {
            throw new IllegalArgumentException("a schedule expression is required: rate(...) or cron(...)");
        }
        if (expression.startsWith("rate(") && expression.endsWith(")")) {
            return Rate.parse(expression);
        }
        if (expression.startsWith("cron(") && expression.endsWith(")")) {
            return Cron.parse(expression);
        }
        throw new IllegalArgumentException("schedule '" + expression + "' is neither rate(value unit) nor"
                + " cron(minutes hours day-of-month month day-of-week year)");
    }

    /**
     * {@code rate(value unit)}: every {@code value} minutes, hours or days (the unit singular for
     * 1, plural otherwise, as EventBridge requires). The local server fires it one period after it starts.
     */
    record Rate(String expression, Duration period) implements ScheduleExpression {

        private static final Pattern RATE = Pattern.compile("rate\\(([1-9][0-9]*) (minute|hour|day)(s?)\\)");

        static Rate parse(String expression) {
            Matcher m = RATE.matcher(expression);
            if (!m.matches()) {
                throw new IllegalArgumentException("schedule '" + expression + "': a rate is rate(<positive whole number>"
                        + " minute|minutes|hour|hours|day|days)");
            }
            long value = Long.parseLong(m.group(1));
            boolean plural = !m.group(3).isEmpty();
            if (plural != (value != 1)) {
                throw new IllegalArgumentException("schedule '" + expression + "': EventBridge wants the unit "
                        + (value == 1 ? "singular for 1 (rate(1 " + m.group(2) + "))" : "plural above 1 (rate(" + value
                        + " " + m.group(2) + "s))"));
            }
            Duration unit = switch (m.group(2)) {
                case "minute" -> Duration.ofMinutes(1);
                case "hour" -> Duration.ofHours(1);
                default -> Duration.ofDays(1);
            };
            return new Rate(expression, unit.multipliedBy(value));
        }

        @Override
        public Optional<Instant> nextAfter(Instant after) {
            return Optional.of(after.plus(period));
        }
    }

    /**
     * {@code cron(minutes hours day-of-month month day-of-week year)} in UTC, with EventBridge's
     * syntax: {@code * , - /} in every field, {@code ?} in one day field, month and weekday names
     * ({@code JAN}, {@code MON}; Sunday is 1), {@code L} (last day of the month, or {@code 6L} the
     * last Friday), {@code W} ({@code 15W}, the weekday nearest the 15th) and {@code #}
     * ({@code 2#1}, the first Monday).
     */
    record Cron(String expression, BitSet minutes, BitSet hours, String dayOfMonth, BitSet months,
            String dayOfWeek, BitSet years) implements ScheduleExpression {

        private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
                "SEP", "OCT", "NOV", "DEC");
        private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
        private static final int LAST_YEAR = 2199;

        static Cron parse(String expression) {
            String[] fields = expression.substring("cron(".length(), expression.length() - 1).trim().split("\\s+");
            if (fields.length != 6) {
                throw new IllegalArgumentException("schedule '" + expression + "': a cron has 6 fields (minutes hours"
                        + " day-of-month month day-of-week year), got " + fields.length);
            }
            String dom = fields[2].toUpperCase(Locale.ROOT);
            String dow = fields[4].toUpperCase(Locale.ROOT);
            if (dom.equals("?") == dow.equals("?")) {
                throw new IllegalArgumentException("schedule '" + expression + "': exactly one of day-of-month ("
                        + fields[2] + ") and day-of-week (" + fields[4] + ") must be ?");
            }
            Cron cron = new Cron(expression,
                    field(expression, "minutes", fields[0], 0, 59, List.of()),
                    field(expression, "hours", fields[1], 0, 23, List.of()),
                    dom,
                    field(expression, "month", fields[3], 1, 12, MONTHS),
                    dow,
                    field(expression, "year", fields[5], 1970, LAST_YEAR, List.of()));
            // Checks the day fields' syntax now, not at the first run.
            cron.dayMatches(LocalDate.of(2024, 1, 1));
            return cron;
        }

        @Override
        public Optional<Instant> nextAfter(Instant after) {
            LocalDateTime start = LocalDateTime.ofInstant(after, ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES)
                    .plusMinutes(1);
            LocalDate day = start.toLocalDate();
            for (; day.getYear() <= LAST_YEAR; day = day.plusDays(1)) {
                if (!years.get(day.getYear())) {
                    day = day.withDayOfYear(day.lengthOfYear());
                    continue;
                }
                if (!months.get(day.getMonthValue()) || !dayMatches(day)) {
                    continue;
                }
                for (int hour = hours.nextSetBit(0); hour >= 0; hour = hours.nextSetBit(hour + 1)) {
                    for (int minute = minutes.nextSetBit(0); minute >= 0; minute = minutes.nextSetBit(minute + 1)) {
                        LocalDateTime candidate = day.atTime(hour, minute);
                        if (!candidate.isBefore(start)) {
                            return Optional.of(candidate.toInstant(ZoneOffset.UTC));
                        }
                    }
                }
            }
            return Optional.empty();
        }

        private boolean dayMatches(LocalDate day) {
            return dayOfMonth.equals("?") ? dayOfWeekMatches(day) : dayOfMonthMatches(day);
        }

        private boolean dayOfMonthMatches(LocalDate day) {
            int last = day.lengthOfMonth();
            if (dayOfMonth.equals("L")) {
                return day.getDayOfMonth() == last;
            }
            if (dayOfMonth.equals("LW")) {
                return day.equals(nearestWeekday(day.withDayOfMonth(last)));
            }
            if (dayOfMonth.endsWith("W")) {
                int target = number(expression, "day-of-month", dayOfMonth.substring(0, dayOfMonth.length() - 1), 1, 31);
                return target <= last && day.equals(nearestWeekday(day.withDayOfMonth(target)));
            }
            return field(expression, "day-of-month", dayOfMonth, 1, 31, List.of()).get(day.getDayOfMonth());
        }

        /** The weekday nearest {@code day} within its month (a Saturday the 1st moves to Monday the 3rd). */
        private static LocalDate nearestWeekday(LocalDate day) {
            return switch (day.getDayOfWeek()) {
                case SATURDAY -> day.getDayOfMonth() == 1 ? day.plusDays(2) : day.minusDays(1);
                case SUNDAY -> day.getDayOfMonth() == day.lengthOfMonth() ? day.minusDays(2) : day.plusDays(1);
                default -> day;
            };
        }

        private boolean dayOfWeekMatches(LocalDate day) {
            if (dayOfWeek.contains("#")) {
                String[] parts = dayOfWeek.split("#", -1);
                DayOfWeek weekday = weekday(number(expression, "day-of-week", name(parts[0], DAYS, 1), 1, 7));
                int nth = number(expression, "day-of-week", parts[1], 1, 5);
                return day.getDayOfWeek() == weekday && (day.getDayOfMonth() - 1) / 7 + 1 == nth;
            }
            if (dayOfWeek.endsWith("L")) {
                String value = dayOfWeek.substring(0, dayOfWeek.length() - 1);
                DayOfWeek weekday = weekday(value.isEmpty() ? 7 : number(expression, "day-of-week", name(value, DAYS, 1), 1, 7));
                return day.equals(day.with(TemporalAdjusters.lastInMonth(weekday)));
            }
            // EventBridge counts SUN as 1: java.time's Monday (1) .. Sunday (7) shifted by one.
            return field(expression, "day-of-week", dayOfWeek, 1, 7, DAYS).get(day.getDayOfWeek().getValue() % 7 + 1);
        }

        private static DayOfWeek weekday(int eventBridgeDay) {
            return DayOfWeek.of(eventBridgeDay == 1 ? 7 : eventBridgeDay - 1);
        }

        /** A field of values, ranges, lists and steps ({@code 0/15}, {@code MON-FRI}, {@code 1,15}) as a set. */
        private static BitSet field(String expression, String name, String text, int min, int max, List<String> names) {
            BitSet values = new BitSet();
            for (String part : text.toUpperCase(Locale.ROOT).split(",", -1)) {
                String range = part;
                int step = 1;
                int slash = part.indexOf('/');
                if (slash >= 0) {
                    range = part.substring(0, slash);
                    step = number(expression, name, part.substring(slash + 1), 1, max);
                }
                int from;
                int to;
                if (range.equals("*")) {
                    from = min;
                    to = max;
                } else if (range.contains("-")) {
                    String[] ends = range.split("-", -1);
                    if (ends.length != 2) {
                        throw invalid(expression, name, part);
                    }
                    from = number(expression, name, name(ends[0], names, min), min, max);
                    to = number(expression, name, name(ends[1], names, min), min, max);
                } else {
                    from = number(expression, name, name(range, names, min), min, max);
                    to = slash >= 0 ? max : from;
                }
                if (from > to) {
                    throw new IllegalArgumentException("schedule '" + expression + "': " + name + " range " + part
                            + " runs backwards");
                }
                for (int v = from; v <= to; v += step) {
                    values.set(v);
                }
            }
            return values;
        }

        /** A month or day name as its number ({@code JAN} → 1, {@code SUN} → 1), else the text itself. */
        private static String name(String text, List<String> names, int first) {
            int index = names.indexOf(text);
            return index < 0 ? text : Integer.toString(index + first);
        }

        private static int number(String expression, String name, String text, int min, int max) {
            try {
                int value = Integer.parseInt(text);
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw invalid(expression, name, text + " (allowed " + min + ".." + max + ")");
        }

        private static IllegalArgumentException invalid(String expression, String name, String part) {
            return new IllegalArgumentException("schedule '" + expression + "': invalid " + name + " value " + part);
        }

    }
}
