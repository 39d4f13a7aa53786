package dev.mlapi.core.rollup;

import java.time.Instant;

/** A read stopped by its {@link ReadBudget}: too many rollups, or past the deadline. */
public final class ReadBudgetExceeded extends RuntimeException {

    /** What ran out. */
    public enum Reason { ITEMS, DEADLINE }

    private final Reason reason;
    private final long maxItems;

    ReadBudgetExceeded(Reason reason, long maxItems, Instant deadline) {
        super(reason == Reason.ITEMS ? "more than " + maxItems + " rollups to read"
                : "the deadline " + deadline + " passed before the read was done");
        this.reason = reason;
        this.maxItems = maxItems;
    }

    public Reason reason() {
        return reason;
    }

    public long maxItems() {
        return maxItems;
    }
}
