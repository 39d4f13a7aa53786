package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.aws.DynamoDbShadowAgreements;
import dev.mlapi.core.rollup.ShadowAgreements;
import dev.mlapi.registry.Manifest;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.concurrent.CompletableFuture;

/**
 * Scores a copy of each request an alias's stable version served with the alias's shadow version,
 * on a thread of its own after the answer (the caller never waits for it), and counts per minute
 * whether the shadow agreed: the same label for every instance, or for regression a value within
 * {@value #RELATIVE_TOLERANCE} of the stable one relative to the larger. A shadow that fails to
 * score counts as disagreeing. At most {@value #QUEUE} copies wait; beyond that, copies are dropped
 * (a shadow is a sample, never a load on the caller's path).
 */
final class ShadowScoring implements AutoCloseable {

    static final double RELATIVE_TOLERANCE = 0.01;
    static final int QUEUE = 256;

    private static final Logger LOG = LoggerFactory.getLogger(ShadowScoring.class);

    private final ShadowAgreements agreements;
    private final Clock clock;
    private final ExecutorService executor;

    ShadowScoring(ShadowAgreements agreements, Clock clock) {
        this.agreements = agreements;
        this.clock = clock;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE),
                runnable -> {
                    Thread thread = new Thread(runnable, "shadow-scoring");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /** Agreements kept in the rollups table. */
    static ShadowScoring create(Wiring wiring) {
        return new ShadowScoring(new DynamoDbShadowAgreements(wiring.dynamoDb(),
                wiring.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS)), wiring.clock());
    }

    /**
     * Queues the shadow's scoring of {@code instances}, compared with {@code stable}'s answers, for
     * alias {@code alias} ({@code iris@production}); returns at once.
     */
    void submit(String alias, Manifest shadow, List<JsonNode> instances, List<TabularModel.Output> stable,
            BiFunction<Manifest, List<JsonNode>, List<TabularModel.Output>> scorer) {
        Instant at = clock.instant();
        try {
            executor.execute(() -> score(alias, shadow, instances, stable, scorer, at));
        } catch (RejectedExecutionException e) {
            LOG.debug("shadow {} of {}: queue full, copy dropped", shadow.ref(), alias);
        }
    }

    private void score(String alias, Manifest shadow, List<JsonNode> instances, List<TabularModel.Output> stable,
            BiFunction<Manifest, List<JsonNode>, List<TabularModel.Output>> scorer, Instant at) {
        boolean agreed;
        try {
            agreed = agree(stable, scorer.apply(shadow, instances));
        } catch (RuntimeException e) {
            LOG.info("shadow {} of {} failed to score a copy: {}", shadow.ref(), alias, e.toString());
            agreed = false;
        }
        try {
            agreements.record(alias, shadow.version(), at, agreed);
        } catch (RuntimeException e) {
            LOG.warn("could not record the agreement of shadow {} of {}", shadow.ref(), alias, e);
        }
    }

    /** Whether every instance got the same answer (labels equal; values within the tolerance). */
    static boolean agree(List<TabularModel.Output> stable, List<TabularModel.Output> shadow) {
        if (stable.size() != shadow.size()) {
            return false;
        }
        for (int i = 0; i < stable.size(); i++) {
            TabularModel.Output a = stable.get(i);
            TabularModel.Output b = shadow.get(i);
            if (a.value() != null || b.value() != null) {
                if (a.value() == null || b.value() == null) {
                    return false;
                }
                double scale = Math.max(Math.abs(a.value()), Math.abs(b.value()));
                if (Math.abs(a.value() - b.value()) > RELATIVE_TOLERANCE * scale) {
                    return false;
                }
            } else if (!Objects.equals(a.label(), b.label())) {
                return false;
            }
        }
        return true;
    }

    /** Waits up to {@code millis} for queued copies: tests and benchmarks read the counts afterwards. */
    boolean drain(long millis) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            executor.execute(() -> done.complete(null));
            done.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
