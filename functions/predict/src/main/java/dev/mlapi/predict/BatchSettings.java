package dev.mlapi.predict;

import dev.mlapi.catalog.Env;
import dev.mlapi.core.config.Environment;

/**
 * The bounds of batch scoring, read from the function's environment: those of training's
 * datasets and jobs (one user's jobs of every kind share {@code TRAINING_MAX_ACTIVE_JOBS}).
 *
 * @param chunkRows       rows per score task ({@code BATCH_CHUNK_ROWS}, default 20,000)
 * @param maxRows         rows of one dataset, counted by the planner (more fail the job naming the limit)
 * @param maxDatasetBytes bytes of one dataset ({@code TRAINING_MAX_DATASET_BYTES}, 1 GiB): a 413 beyond
 * @param maxActiveJobs   one user's jobs queued or running ({@code TRAINING_MAX_ACTIVE_JOBS}, 3; admins exempt): a 429 beyond
 */
record BatchSettings(int chunkRows, long maxRows, long maxDatasetBytes, int maxActiveJobs) {

    static final long MAX_ROWS = 10_000_000;

    BatchSettings {
        if (chunkRows < 1 || maxRows < 1 || maxDatasetBytes < 1 || maxActiveJobs < 1) {
            throw new IllegalArgumentException("batch settings must be positive: " + chunkRows + ", " + maxRows + ", "
                    + maxDatasetBytes + ", " + maxActiveJobs);
        }
    }

    static BatchSettings from(Environment env) {
        return new BatchSettings(
                Math.toIntExact(env.number(Env.BATCH_CHUNK_ROWS, Long.parseLong(Env.DEFAULT_BATCH_CHUNK_ROWS))),
                MAX_ROWS,
                env.number(Env.TRAINING_MAX_DATASET_BYTES, Long.parseLong(Env.DEFAULT_TRAINING_MAX_DATASET_BYTES)),
                Math.toIntExact(env.number(Env.TRAINING_MAX_ACTIVE_JOBS,
                        Long.parseLong(Env.DEFAULT_TRAINING_MAX_ACTIVE_JOBS))));
    }
}
