package dev.mlapi.core.runtime;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;

/**
 * Warms a function before its first request, for SnapStart and provisioned concurrency: {@link #atInit}
 * runs its {@link Primer}s once during Lambda's init (so the snapshot holds loaded classes, compiled
 * code, connected clients), again in CRaC's {@code beforeCheckpoint}, and calls their
 * {@code afterRestore} after every restore.
 *
 * <p>Only where it pays: Lambda says why it initialises in {@value #INITIALIZATION_TYPE}. Priming runs
 * for {@code snap-start} (the init is paid once, before the snapshot) and {@code provisioned-concurrency}
 * (before any request is routed to the environment); for {@code on-demand} (Lambda's default, and
 * {@code sam local invoke}) and outside Lambda (the variable unset) it does nothing, since a request
 * is waiting for the init and would pay the synthetic one on top of its own. Setting the variable to
 * {@code snap-start} forces it, e.g. for a benchmark.
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
 * not prime (the local server's functions start on demand, like Lambda's default).
 * The handler's whole shape (both constructors, the route table) is written down in
 * {@code dev.mlapi.core.http.HttpFunction}.
 */
public final class Priming implements Resource {

    private static final Logger LOG = LoggerFactory.getLogger(Priming.class);

    /** CRaC may hold registered resources weakly: every registration stays reachable from here. */
    private static final List<Priming> REGISTERED = new CopyOnWriteArrayList<>();

    /** Lambda's reason for this init: {@code on-demand}, {@code provisioned-concurrency} or {@code snap-start}. */
    public static final String INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE";

    private static final ThreadLocal<Boolean> IN_PROGRESS = ThreadLocal.withInitial(() -> false);

    private final List<Primer> primers;

    private Priming(List<Primer> primers) {
        this.primers = primers;
    }

    /**
     * For a snapshot or provisioned init ({@link #primesAtInit}): primes now and before every checkpoint,
     * and restores through {@link Primer#afterRestore()}; otherwise nothing. Never throws.
     * The jar's {@link ClassPriming} list goes first, then {@code primers} in order.
     */
    public static void atInit(Primer... primers) {
        atInit(System.getenv(INITIALIZATION_TYPE), primers);
    }

    static void atInit(String initializationType, Primer... primers) {
        if (!primesAtInit(initializationType)) {
            LOG.debug("{} init: no priming", initializationType == null ? "unknown" : initializationType);
            return;
        }
        List<Primer> all = new ArrayList<>();
        all.add(ClassPriming.fromClasspath());
        all.addAll(List.of(primers));
        Priming priming = new Priming(List.copyOf(all));
        REGISTERED.add(priming);
        Core.getGlobalContext().register(priming);
        priming.run();
    }

    /**
     * Whether an init of this type primes: {@code snap-start} and {@code provisioned-concurrency} do;
     * {@code on-demand}, anything else and no value (outside Lambda) do not.
     */
    public static boolean primesAtInit(String initializationType) {
        return "snap-start".equals(initializationType) || "provisioned-concurrency".equals(initializationType);
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
