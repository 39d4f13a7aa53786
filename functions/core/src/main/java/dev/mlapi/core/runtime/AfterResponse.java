package dev.mlapi.core.runtime;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 */
public final class AfterResponse {

    private static final Logger LOG = LoggerFactory.getLogger(AfterResponse.class);

    private static final AfterResponse INLINE = new AfterResponse(null);

    /** Null when inline. One thread: deferred writes run in order, one at a time, like the handler's. */
    private final ExecutorService executor;
    private final Map<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> settled = new ConcurrentHashMap<>();

    private AfterResponse(ExecutorService executor) {
        this.executor = executor;
    }

    /** Runs deferred work at once, on the calling thread: outside Lambda. */
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
        pending.merge(invocationId, CompletableFuture.runAsync(logged(work), executor),
                (before, next) -> CompletableFuture.allOf(before, next));
    }

    /** The handler of {@code invocationId} has returned: once its deferred work is done, the freeze may come. */
    public void settle(String invocationId) {
        if (executor == null || invocationId == null) {
            return;
        }
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
