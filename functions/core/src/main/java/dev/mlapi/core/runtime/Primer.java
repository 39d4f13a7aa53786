package dev.mlapi.core.runtime;

/**
 * One part of a function that {@link Priming} runs before the first request: the code path a
 * request takes, once, against the real dependencies, with no effect a user could see.
 */
public interface Primer {

    /**
     * Runs the path once: reads, rehearsed writes that cannot take effect, an inference on
     * generated input. It may throw; {@link Priming} logs the failure and the function starts anyway.
     */
    void prime();

    /**
     * After a SnapStart restore: forgets what may have gone stale while the snapshot waited
     * (where an alias pointed, a cached credential). Nothing by default.
     */
    default void afterRestore() {
    }
}
