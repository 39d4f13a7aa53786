package dev.mlapi.train;

import java.time.Duration;
import java.util.Optional;

/**
 * Why a worker stops a job between two fits, thrown from its progress callback out of the grid
 * search. Only message constructors: the fork-join pool rethrows the same instance across threads.
 */
abstract sealed class JobStop extends RuntimeException {

    private JobStop(String message) {
        super(message, null, false, false);
    }

    /** The job's owner or an admin cancelled it. */
    static final class Cancelled extends JobStop {
        Cancelled(String jobId) {
            super("job " + jobId + " was cancelled");
        }
    }

    /** The job is no longer this attempt's: failed as stale, or taken by a later attempt. */
    static final class Superseded extends JobStop {
        Superseded(String jobId, int attempt) {
            super("job " + jobId + " is no longer attempt " + attempt + "'s to run");
        }
    }

    /** The time budget under the function's timeout ran out. */
    static final class OutOfTime extends JobStop {
        OutOfTime(int done, int total, Duration budget) {
            super("stopped after " + done + " of " + total + " fits: the job's time budget of " + budget.toSeconds()
                    + " s ran out; use a smaller grid, fewer folds or fewer trees");
        }
    }

    /** The first stop in {@code e}'s cause chain, if any. */
    static Optional<JobStop> in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof JobStop stop) {
                return Optional.of(stop);
            }
        }
        return Optional.empty();
    }
}
