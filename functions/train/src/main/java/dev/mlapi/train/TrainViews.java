package dev.mlapi.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.registry.PendingUpload;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Response bodies of the train function. */
final class TrainViews {

    private TrainViews() {
    }

    /** {@code POST /train}'s 202. */
    record JobAccepted(String jobId, String status, String statusUrl) {
    }

    /** {@code done} of {@code total} {@code unit}s: fits (training), chunks (batch scoring), images (batch tagging). */
    record Progress(int done, int total, String unit) {
    }

    /**
     * A job as {@code GET /jobs/{id}} and {@code GET /train/{job_id}} show it; {@code result} (for
     * training: best parameters, scores, every candidate, the registered model; for batch scoring:
     * the rows scored and a fresh download URL of the CSV) once it succeeded, {@code error} once it
     * failed. {@code algorithm} and {@code task} are a training job's only.
     */
    record JobView(String jobId, String jobKind, String status, String owner, String modelName,
            Optional<String> algorithm, Optional<String> task, Optional<String> datasetId, Instant createdAt,
            Optional<Instant> startedAt, Optional<Instant> finishedAt, Progress progress, int attempts,
            Optional<Double> elapsedSeconds, Optional<Double> estimatedRemainingSeconds, Optional<JsonNode> result,
            Optional<String> error) {

        static JobView of(TrainingJob job, Instant now, boolean withResult) {
            return of(job, now, withResult ? job.result().map(r -> Json.readTree(r.getBytes(StandardCharsets.UTF_8)))
                    : Optional.empty());
        }

        static JobView of(TrainingJob job, Instant now, Optional<JsonNode> result) {
            return new JobView(job.id(), job.jobKind().value(), job.status().value(), job.owner(), job.modelName(),
                    present(job.algorithm()), present(job.task()), job.datasetId(), job.createdAt(), job.startedAt(),
                    job.finishedAt(), new Progress(job.done(), job.total(), job.jobKind().unit()), job.attempts(),
                    job.elapsed(now).map(TrainViews::seconds), job.estimatedRemaining(now).map(TrainViews::seconds),
                    result, job.error());
        }

        private static Optional<String> present(String text) {
            return text.isEmpty() ? Optional.empty() : Optional.of(text);
        }
    }

    record JobPage(List<JobView> items, Optional<String> nextCursor) {
    }

    record DatasetView(String datasetId, String name, String owner, long size, String sha256, String status,
            Instant createdAt, Optional<Instant> expiresAt) {

        static DatasetView of(TrainingDataset d) {
            return new DatasetView(d.id(), d.name(), d.owner(), d.size(), d.sha256(), d.status(), d.createdAt(),
                    d.expiresAt());
        }
    }

    /** {@code POST /datasets}'s 201: where to PUT the CSV (sending exactly these headers), then commit. */
    record DatasetUpload(String datasetId, String status, Instant expiresAt, PendingUpload.UploadUrl upload,
            String commitUrl) {
    }

    record DatasetPage(List<DatasetView> items, Optional<String> nextCursor) {
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
