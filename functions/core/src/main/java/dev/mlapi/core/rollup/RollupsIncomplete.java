package dev.mlapi.core.rollup;

/**
 * {@link RequestRollups#applyAll} stopped on a failed write: the first {@link #applied()}
 * entries are in the rollups (each once), the rest are not. Applying the rest again is safe.
 */
public final class RollupsIncomplete extends RuntimeException {

    private final int applied;

    public RollupsIncomplete(int applied, RuntimeException cause) {
        super("rollups written for the first " + applied + " entries, not for the rest: " + cause.getMessage(), cause);
        this.applied = applied;
    }

    /** How many leading entries are rolled up (or had been before). */
    public int applied() {
        return applied;
    }
}
