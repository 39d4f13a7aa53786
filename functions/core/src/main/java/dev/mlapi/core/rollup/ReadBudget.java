package dev.mlapi.core.rollup;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much one caller may read from the rollups: at most {@code maxItems} stored rollups, and no
 * further request to the store once {@code deadline} has passed on {@code clock}. One budget is
 * shared by every read of one answer, which may run on several threads; it counts what they read.
 */
public final class ReadBudget {

    private final long maxItems;
    private final Instant deadline;
    private final Clock clock;
    private final AtomicLong itemsRead = new AtomicLong();

    private ReadBudget(long maxItems, Instant deadline, Clock clock) {
        this.maxItems = maxItems;
        this.deadline = deadline;
        this.clock = clock;
    }

    /** No bound at all: for the aggregator's own reads and tests. */
    public static ReadBudget unlimited() {
        return new ReadBudget(Long.MAX_VALUE, Instant.MAX, Clock.systemUTC());
    }

    public static ReadBudget of(long maxItems, Instant deadline, Clock clock) {
        return new ReadBudget(maxItems, deadline, clock);
    }

    /** Before each request to the store: refused once the deadline has passed. */
    public void beforeRequest() {
        if (!clock.instant().isBefore(deadline)) {
            throw new ReadBudgetExceeded(ReadBudgetExceeded.Reason.DEADLINE, maxItems, deadline);
        }
    }

    /** After a response: counts its items, refused once more than {@code maxItems} were read. */
    public void read(int items) {
        if (itemsRead.addAndGet(items) > maxItems) {
            throw new ReadBudgetExceeded(ReadBudgetExceeded.Reason.ITEMS, maxItems, deadline);
        }
    }

    public long itemsRead() {
        return itemsRead.get();
    }
}
