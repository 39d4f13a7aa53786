package dev.mlapi.core.runtime;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms a function before its first request, for SnapStart: {@link #atInit} runs its
 * {@link Primer}s once during Lambda's init (so the snapshot holds loaded classes, compiled code,
 * connected clients), again in CRaC's {@code beforeCheckpoint}, and calls their
 * {@code afterRestore} after every restore.
 *
 * <p>A handler applies it in one line of its public no-arg constructor (Lambda's entry point):
 * <pre>{@code
 * public CheckHealthHandler() {
 *     this(Wiring.fromEnvironment());
 *     Priming.atInit(pipeline);
 * }
 * }</pre>
 * adding its own services that have something to warm beyond the pipeline:
 * {@code Priming.atInit(pipeline, service)}. The constructors tests and the local server use do
 * not prime.
 */
public final class Priming implements Resource {

    private static final Logger LOG = LoggerFactory.getLogger(Priming.class);

    /** CRaC may hold registered resources weakly: every registration stays reachable from here. */
    private static final List<Priming> REGISTERED = new CopyOnWriteArrayList<>();

    private static final ThreadLocal<Boolean> IN_PROGRESS = ThreadLocal.withInitial(() -> false);

    private final List<Primer> primers;

    private Priming(List<Primer> primers) {
        this.primers = primers;
    }

    /**
     * Primes now and before every checkpoint; restores through {@link Primer#afterRestore()}. Never throws.
     * The jar's {@link ClassPriming} list goes first, then {@code primers} in order.
     */
    public static void atInit(Primer... primers) {
        List<Primer> all = new java.util.ArrayList<>();
        all.add(ClassPriming.fromClasspath());
        all.addAll(List.of(primers));
        Priming priming = new Priming(List.copyOf(all));
        REGISTERED.add(priming);
        Core.getGlobalContext().register(priming);
        priming.run();
    }

    /**
     * Whether this thread is priming: for code that counts real requests (a "first request"
     * flag), which must not count the synthetic one.
     */
    public static boolean inProgress() {
        return IN_PROGRESS.get();
    }

    /** Runs every primer once; a failing one is logged and skipped. */
    void run() {
        long started = System.nanoTime();
        IN_PROGRESS.set(true);
        try {
            for (Primer primer : primers) {
                try {
                    primer.prime();
                } catch (RuntimeException e) {
                    LOG.warn("priming {} failed; its first request warms it instead", primer.getClass().getSimpleName(),
                            e);
                }
            }
        } finally {
            IN_PROGRESS.remove();
        }
        LOG.info("primed in {} ms", (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        run();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        for (Primer primer : primers) {
            try {
                primer.afterRestore();
            } catch (RuntimeException e) {
                LOG.warn("{} could not refresh after restore", primer.getClass().getSimpleName(), e);
            }
        }
    }
}
