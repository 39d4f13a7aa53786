package dev.mlapi.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One message of the training tasks queue, a small JSON object naming the job and the work:
 * {@code {"job", "kind": "fit", "fits": [[candidate, fold], …], "dataset", "sha256"}} (fits of the
 * job's grid; the dataset by its key in the bucket and its digest, never its rows),
 * {@code {"job", "kind": "refit"}} (the best candidate's refit once every fit is recorded), or
 * {@code {"job", "kind": "plan"}} (plan a job again: {@link JobRecovery}'s for a job whose planner died).
 */
record TrainingTask(String job, Kind kind, List<Fit> fits, String datasetKey, String datasetSha256) {

    enum Kind {
        PLAN, FIT, REFIT;

        String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Candidate {@code candidate} on fold {@code fold}. */
    record Fit(int candidate, int fold) {
        String id(String jobId) {
            return TrainingTable.fitId(jobId, candidate, fold);
        }
    }

    TrainingTask {
        fits = List.copyOf(fits);
    }

    static TrainingTask fits(String job, List<Fit> fits, String datasetKey, String datasetSha256) {
        return new TrainingTask(job, Kind.FIT, fits, datasetKey, datasetSha256);
    }

    static TrainingTask refit(String job) {
        return new TrainingTask(job, Kind.REFIT, List.of(), "", "");
    }

    static TrainingTask plan(String job) {
        return new TrainingTask(job, Kind.PLAN, List.of(), "", "");
    }

    String toJson() {
        ObjectNode node = Json.mapper().createObjectNode().put("job", job).put("kind", kind.value());
        if (kind == Kind.FIT) {
            ArrayNode list = node.putArray("fits");
            fits.forEach(fit -> list.addArray().add(fit.candidate()).add(fit.fold()));
            node.put("dataset", datasetKey).put("sha256", datasetSha256);
        }
        return Json.writeString(node);
    }

    /** A message body as {@link #toJson()} wrote it; an {@link IllegalArgumentException} saying what is wrong otherwise. */
    static TrainingTask parse(String body) {
        JsonNode node;
        try {
            node = Json.readTree(body.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a training task is a JSON object, got: " + abbreviated(body), e);
        }
        if (node == null || !node.path("job").isTextual() || !node.path("kind").isTextual()) {
            throw new IllegalArgumentException("a training task names its \"job\" and \"kind\", got: " + abbreviated(body));
        }
        Kind kind;
        try {
            kind = Kind.valueOf(node.get("kind").asText().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown training task kind '" + node.get("kind").asText() + "'");
        }
        List<Fit> fits = new ArrayList<>();
        for (JsonNode fit : node.path("fits")) {
            fits.add(new Fit(fit.path(0).asInt(), fit.path(1).asInt()));
        }
        if (kind == Kind.FIT && (fits.isEmpty() || !node.path("dataset").isTextual())) {
            throw new IllegalArgumentException("a fit task lists its fits and its dataset, got: " + abbreviated(body));
        }
        return new TrainingTask(node.get("job").asText(), kind, fits, node.path("dataset").asText(""),
                node.path("sha256").asText(""));
    }

    private static String abbreviated(String body) {
        return body.length() <= 200 ? body : body.substring(0, 200) + "…";
    }
}
