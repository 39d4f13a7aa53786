package dev.mlapi.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.training.DatasetLimits;
import dev.mlapi.training.SearchPlan;
import dev.mlapi.training.TrainSpec;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A job's request and dataset as a worker trains on them: the CSV (from the worker's
 * {@link DatasetCache}, else S3), parsed and checked as {@code POST /train} parses it, and its
 * {@link SearchPlan} (the folds fixed by the seed). The last few jobs stay parsed in memory, so the
 * tasks of one job after the first on a warm worker pay no load or parse at all.
 */
final class JobInputs {

    /** A job ready to fit: its spec, its plan, and the seconds this load took (0 when already in memory). */
    record Loaded(TrainSpec spec, SearchPlan plan, double loadSeconds) {
    }

    private static final int KEPT_JOBS = 2;

    private final TrainingFiles files;
    private final DatasetCache cache;
    private final Map<String, Loaded> parsed = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Loaded> eldest) {
            return size() > KEPT_JOBS;
        }
    };

    JobInputs(TrainingFiles files, DatasetCache cache) {
        this.files = files;
        this.cache = cache;
    }

    /** Job {@code job}'s inputs; {@code sha256} names its dataset in the cache (empty: read from S3, not cached). */
    Loaded load(TrainingJob job, String sha256) {
        synchronized (parsed) {
            Loaded known = parsed.get(job.id());
            if (known != null) {
                return new Loaded(known.spec(), known.plan(), 0);
            }
        }
        long started = System.nanoTime();
        Supplier<InputStream> csv = cache.get(sha256, () -> files.open(job.datasetKey())
                .orElseThrow(() -> new IllegalStateException(
                        "its dataset " + job.datasetId().orElse("") + " was deleted before the job ran")));
        TrainSpec spec = spec(job, csv, files.limits());
        Loaded loaded = new Loaded(spec, SearchPlan.of(spec), (System.nanoTime() - started) / 1e9);
        synchronized (parsed) {
            parsed.put(job.id(), loaded);
        }
        return loaded;
    }

    /** The stored request with its CSV streamed from {@code csv}, parsed as {@code POST /train} parses an inline one. */
    static TrainSpec spec(TrainingJob job, Supplier<InputStream> csv, DatasetLimits limits) {
        ObjectNode request = (ObjectNode) Json.readTree(job.request().getBytes(StandardCharsets.UTF_8));
        return TrainSpec.parse(request, csv, job.datasetId(), limits);
    }
}
