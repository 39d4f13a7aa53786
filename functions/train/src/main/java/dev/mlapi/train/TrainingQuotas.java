package dev.mlapi.train;

import dev.mlapi.catalog.Env;
import dev.mlapi.core.config.Environment;

/**
 * What one user may hold of the training function at once (admins are exempt), read from the
 * function's environment.
 *
 * @param maxActiveJobs      jobs queued or running ({@code TRAINING_MAX_ACTIVE_JOBS}, default 3): a 429 beyond
 * @param maxPendingDatasets dataset reservations waiting for their upload ({@code TRAINING_MAX_PENDING_DATASETS},
 *                           default 10): a 429 beyond
 * @param maxDatasetBytes    declared bytes of the user's datasets, reserved or stored
 *                           ({@code TRAINING_MAX_DATASET_BYTES}, default 1 GiB): a 413 beyond
 */
public record TrainingQuotas(int maxActiveJobs, int maxPendingDatasets, long maxDatasetBytes) {

    public static final TrainingQuotas DEFAULTS = new TrainingQuotas(
            Integer.parseInt(Env.DEFAULT_TRAINING_MAX_ACTIVE_JOBS),
            Integer.parseInt(Env.DEFAULT_TRAINING_MAX_PENDING_DATASETS),
            Long.parseLong(Env.DEFAULT_TRAINING_MAX_DATASET_BYTES));

    public TrainingQuotas {
        if (maxActiveJobs < 1 || maxPendingDatasets < 1 || maxDatasetBytes < 1) {
            throw new IllegalArgumentException("training quotas must be positive: " + maxActiveJobs + ", "
                    + maxPendingDatasets + ", " + maxDatasetBytes);
        }
    }

    public static TrainingQuotas from(Environment env) {
        return new TrainingQuotas(
                Math.toIntExact(env.number(Env.TRAINING_MAX_ACTIVE_JOBS, DEFAULTS.maxActiveJobs())),
                Math.toIntExact(env.number(Env.TRAINING_MAX_PENDING_DATASETS, DEFAULTS.maxPendingDatasets())),
                env.number(Env.TRAINING_MAX_DATASET_BYTES, DEFAULTS.maxDatasetBytes()));
    }
}
