package dev.mlapi.training;

/**
 * Ensembles that ask {@link SearchOptions#stopReason()} before each member (tree) and throw
 * {@link TrainingStopped} once there is a reason, so a cancelled or timed-out job stops within one
 * tree, not at the end of a fit of hundreds: {@link CartTrainers.Forest}, for every tree criterion
 * (Tribuo's own random forest and bagging trainers, which absolute-error forests used before they
 * moved to {@link Cart}, are no longer trained).
 */
final class StoppableEnsembles {

    private StoppableEnsembles() {
    }

    /** A trainer whose members can be counted: how many were started (for tests and messages). */
    interface Counted {
        int membersStarted();
    }
}
