package dev.mlapi.core.rollup;

import dev.mlapi.core.runtime.AfterAnswer;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores a copy of a request an alias's stable version answered with the alias's shadow version,
 * after the answer ({@link AfterAnswer}: in Lambda after the response, as the request log is), and
 * counts per minute whether the shadow agreed ({@link ShadowAgreements}). A shadow that fails to
 * score counts as disagreeing. A copy for which the after-answer backlog has no room is skipped and
 * counted here ({@link #skipped()}): a shadow is a sample, never a load on the caller's path.
 * Predict and classify each keep one per container.
 */
public final class ShadowCopies {

    private static final Logger LOG = LoggerFactory.getLogger(ShadowCopies.class);

    private final ShadowAgreements agreements;
    private final Clock clock;
    private final AtomicLong skipped = new AtomicLong();

    public ShadowCopies(ShadowAgreements agreements, Clock clock) {
        this.agreements = agreements;
        this.clock = clock;
    }

    /**
     * Leaves the scoring of a copy for after the answer, through {@code later}: {@code agrees} scores
     * it with {@code shadowRef} ({@code name:version}) and says whether the answers agree; the result
     * counts for {@code alias} ({@code iris@production}) and {@code shadowVersion} in the minute the
     * request was answered.
     */
    public void offer(AfterAnswer later, String alias, String shadowRef, int shadowVersion, BooleanSupplier agrees) {
        Instant at = clock.instant();
        later.offer(() -> score(alias, shadowRef, shadowVersion, agrees, at), () -> {
            long count = skipped.incrementAndGet();
            if (Long.bitCount(count) == 1) {
                LOG.warn("shadow {} of {}: no room after the answer, copy skipped ({} skipped in this container)",
                        shadowRef, alias, count);
            }
        });
    }

    /** Copies skipped in this container because the after-answer backlog was full. */
    public long skipped() {
        return skipped.get();
    }

    private void score(String alias, String shadowRef, int shadowVersion, BooleanSupplier agrees, Instant at) {
        boolean agreed;
        try {
            agreed = agrees.getAsBoolean();
        } catch (RuntimeException e) {
            LOG.info("shadow {} of {} failed to score a copy: {}", shadowRef, alias, e.toString());
            agreed = false;
        }
        try {
            agreements.record(alias, shadowVersion, at, agreed);
        } catch (RuntimeException e) {
            LOG.warn("could not record the agreement of shadow {} of {}", shadowRef, alias, e);
        }
    }
}
