package dev.mlapi.imagestore.tagging;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mlapi.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One message of the image tasks queue: {@code tag} (classify batch {@code batch}: the images
 * {@code images}, a few tens of ids) or {@code finish} (sum the batches' records into the job's
 * result). Small: the images stay in S3 and their records in DynamoDB.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaggingTask(String job, String kind, Integer batch, List<String> images) {

    public static final String TAG = "tag";
    public static final String FINISH = "finish";

    public static TaggingTask tag(String job, int batch, List<String> images) {
        return new TaggingTask(job, TAG, batch, List.copyOf(images));
    }

    public static TaggingTask finish(String job) {
        return new TaggingTask(job, FINISH, null, null);
    }

    public String body() {
        return Json.writeString(this);
    }

    public static TaggingTask parse(String body) {
        return Json.read(body.getBytes(StandardCharsets.UTF_8), TaggingTask.class);
    }

    /** How a failure names it: {@code batch 3 (images a, b, …)} or {@code the result summary}. */
    public String describe() {
        return switch (kind) {
            case TAG -> "batch " + batch + " (images " + String.join(", ", images == null ? List.of() : images) + ")";
            case FINISH -> "the result summary";
            default -> "task " + kind;
        };
    }
}
