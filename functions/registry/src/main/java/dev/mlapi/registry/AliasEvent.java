package dev.mlapi.registry;

import java.time.Instant;
import java.util.Map;
import java.util.Locale;

/**
 * One change of an alias, as {@code GET /models/{name}/aliases/{alias}/events} lists it: a change
 * somebody made, or a rollback or promotion the aggregator made from the canary's figures.
 *
 * @param change      the change's number (1 for the alias's first), the listing's cursor
 * @param fromVersion the version the change moved requests away from (the old stable version, or
 *                    the canary rolled back), null for the alias's first change
 * @param toVersion   the version it moved them to
 * @param figures     what the decision was made on (empty for a change somebody made)
 */
public record AliasEvent(int change, Instant at, Kind kind, Integer fromVersion, int toVersion, String reason,
        String by, Map<String, Object> figures) {

    /** What moved the alias. */
    public enum Kind {
        CHANGE, ROLLBACK, PROMOTE;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String value) {
            return value == null ? CHANGE : valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    /** The decision behind an automatic change, recorded with it. */
    public record Decision(Kind kind, int fromVersion, int toVersion, String reason, Map<String, Object> figures) {
    }
}
