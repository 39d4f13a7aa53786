package dev.mlapi.core.runtime;

import dev.mlapi.core.util.Lazy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work an invocation leaves for after its answer, such as the request-log write: the caller gets
 * the response without waiting for it, and the container is not frozen before it is done.
 *
 * <p>In Lambda the freeze is held by {@link LambdaAfterResponseExtension}, an internal extension
 * registered at init: Lambda returns the runtime's response to the caller at once, and freezes
 * the container only after every extension has asked for its next event; the extension asks only
 * when the invocation's deferred work has finished ({@link #awaitSettled}). Everywhere else (the
 * local server, tests, {@code sam local} without the extension) the work runs {@link #inline()},
 * before the answer, as it always did.
 *
 * <p>For one invocation id: {@link #defer} any number of times while handling it, then
 * {@link #settle} exactly once when the handler returns (also when it failed); whoever holds the
 * freeze calls {@link #awaitSettled}.
 *
 * <p>Optional work, a sample such as a shadow model's scoring of a copy, is {@link #offer offered}
 * instead: it never runs on the caller's path (in Lambda it starts when the invocation settles and
 * holds the freeze like deferred work; elsewhere it runs on a background thread at once), and it is
 * refused when {@value #MAX_BACKLOG} pieces of work (deferred or offered) are still waiting or running.
 */
public final class AfterResponse {

    private static final Logger LOG = LoggerFactory.getLogger(AfterResponse.class);

    /** Work waiting or running beyond which an {@link #offer} is refused: a sample never piles up. */
    public static final int MAX_BACKLOG = 16;

    private static final AfterResponse INLINE = new AfterResponse(null);

    /** Where offered work runs when nothing postpones it: one daemon thread per JVM, made on first use. */
    private static final Lazy<ExecutorService> ASIDE = Lazy.of(() -> Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "after-answer");
        thread.setDaemon(true);
        return thread;
    }));

    /** Null when inline. One thread: deferred writes run in order, one at a time, like the handler's. */
    private final ExecutorService executor;
    private final Map<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> settled = new ConcurrentHashMap<>();
    /** Offered work of invocations not yet settled: it starts when they are. */
    private final Map<String, List<Runnable>> held = new ConcurrentHashMap<>();
    private final AtomicInteger backlog = new AtomicInteger();

    private AfterResponse(ExecutorService executor) {
        this.executor = executor;
    }

    /** Runs deferred work at once, on the calling thread (offered work on a background thread): outside Lambda. */
    public static AfterResponse inline() {
        return INLINE;
    }

    /**
     * Runs deferred work on a background thread, after the answer; somebody must
     * {@link #awaitSettled} every settled invocation (the Lambda extension, or a benchmark playing its part).
     */
    public static AfterResponse background() {
        return new AfterResponse(Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "after-response");
            thread.setDaemon(true);
            return thread;
        }));
    }

    /**
     * In Lambda ({@code AWS_LAMBDA_RUNTIME_API} set, also under {@code sam local}): background
     * work behind the internal extension, registered now (this must run during init, before the
     * runtime asks for its first event); once per JVM. Inline elsewhere, or when registering fails.
     */
    public static AfterResponse fromEnvironment() {
        return LambdaAfterResponseExtension.shared();
    }

    /** Whether {@link #defer} postpones work (or runs it at once). */
    public boolean postpones() {
        return executor != null;
    }

    /**
     * Runs {@code work} for invocation {@code invocationId}: now when inline or without an id,
     * else after the answer. {@code work} must handle its own failures (a thrown one is logged).
     */
    public void defer(String invocationId, Runnable work) {
        if (executor == null || invocationId == null) {
            work.run();
            return;
        }
        backlog.incrementAndGet();
        submit(invocationId, counted(work));
    }

    /**
     * Offers optional {@code work} for after the answer of invocation {@code invocationId}; returns
     * false, and never runs it, when {@value #MAX_BACKLOG} pieces of work already wait or run. Never on
     * the calling thread: with an id while postponing, it starts when the invocation
     * {@link #settle settles} (and holds the freeze as deferred work does); otherwise at once, on a
     * background thread. {@code work} must handle its own failures (a thrown one is logged).
     */
    public boolean offer(String invocationId, Runnable work) {
        if (backlog.incrementAndGet() > MAX_BACKLOG) {
            backlog.decrementAndGet();
            return false;
        }
        Runnable counted = counted(work);
        if (executor == null || invocationId == null) {
            ASIDE.get().execute(counted);
        } else {
            held.computeIfAbsent(invocationId, id -> new CopyOnWriteArrayList<>()).add(counted);
        }
        return true;
    }

    /** Deferred and offered work waiting or running now. */
    public int backlog() {
        return backlog.get();
    }

    /** Runs {@code work}, which handles its failures, as part of {@code invocationId}'s after-response work. */
    private void submit(String invocationId, Runnable work) {
        pending.merge(invocationId, CompletableFuture.runAsync(work, executor),
                (before, next) -> CompletableFuture.allOf(before, next));
    }

    private Runnable counted(Runnable work) {
        return () -> {
            try {
                logged(work).run();
            } finally {
                backlog.decrementAndGet();
            }
        };
    }

    /** The handler of {@code invocationId} has returned: once its deferred work is done, the freeze may come. */
    public void settle(String invocationId) {
        if (executor == null || invocationId == null) {
            return;
        }
        Optional.ofNullable(held.remove(invocationId)).ifPresent(offered -> offered.forEach(w -> submit(invocationId, w)));
        CompletableFuture<Void> work = Optional.ofNullable(pending.remove(invocationId))
                .orElseGet(() -> CompletableFuture.completedFuture(null));
        CompletableFuture<Void> done = settled(invocationId);
        work.whenComplete((ignored, failure) -> done.complete(null));
    }

    /**
     * Waits until {@code invocationId} is settled and its deferred work done, at most {@code limit};
     * returns whether it was. Forgets the invocation either way.
     */
    public boolean awaitSettled(String invocationId, Duration limit) {
        try {
            settled(invocationId).get(Math.max(0, limit.toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            LOG.warn("invocation {}: work after the response still running after {} ms; letting Lambda freeze",
                    invocationId, limit.toMillis());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        } finally {
            settled.remove(invocationId);
        }
    }

    private CompletableFuture<Void> settled(String invocationId) {
        return settled.computeIfAbsent(invocationId, id -> new CompletableFuture<>());
    }

    private static Runnable logged(Runnable work) {
        return () -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.error("work after the response failed", e);
            }
        };
    }
}
