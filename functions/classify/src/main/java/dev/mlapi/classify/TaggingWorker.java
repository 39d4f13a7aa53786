package dev.mlapi.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.queue.TaskMessages;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.jobs.JobRun;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.requestlog.RequestLogFields;
import dev.mlapi.core.users.Role;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.imagestore.ImageView;
import dev.mlapi.imagestore.SuggestedTag;
import dev.mlapi.imagestore.tagging.TaggingPlan;
import dev.mlapi.imagestore.tagging.TaggingTask;
import dev.mlapi.registry.ModelRef;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Batch tagging's work, one task at a time (tag-worker runs it from the image tasks queue):
 * <ul>
 * <li>{@code tag}: classifies each image of its batch with classify's code (the model pinned at
 *     submit, loaded once per container) and stores its {@code suggested_tags} as
 *     {@code POST /images/{id}/classify} does ({@link ImageTagSuggestions}; with {@code apply},
 *     linked as its tags: a tag it has already is not linked again); an image deleted meanwhile is
 *     skipped and counted, one that cannot be classified (not decodable, too many tags) is a
 *     failure of that image, not of the job. Then the batch is counted exactly once
 *     ({@link JobsTable#countUnit}) with its summary; the count that completes the job sends
 *     {@code finish};</li>
 * <li>{@code finish}: sums the batches' summaries into the job's result and records it succeeded.</li>
 * </ul>
 * A redelivered {@code tag} task whose batch was counted does nothing; one that was not (it
 * stopped before its count) classifies again and stores the same suggestions, and links nothing
 * twice. Nothing runs for a job that is no longer running (cancelled, failed).
 */
final class TaggingWorker implements TaskMessages.Worker<TaggingTask> {

    /** A task that can never succeed (the pinned model is gone or unusable): the job fails at once. */
    static final class Permanent extends TaskMessages.Permanent {
        Permanent(String message) {
            super(message);
        }
    }

    /** Failures listed by name in a job's result; more are counted only. */
    static final int MAX_LISTED_FAILURES = 100;
    private static final Logger LOG = LoggerFactory.getLogger(TaggingWorker.class);

    private final JobsTable table;
    private final JobRun run;
    private final ImageLibrary library;
    private final ImageTagSuggestions suggestions;

    TaggingWorker(JobsTable table, ImageLibrary library, ImageTagSuggestions suggestions, Consumer<List<String>> tasks,
            Clock clock) {
        this.table = table;
        this.run = new JobRun(table, tasks, clock, LOG);
        this.library = library;
        this.suggestions = suggestions;
    }

    /** Runs {@code task}. Throws {@link Permanent} for what no retry can fix; anything else is worth a retry. */
    @Override
    public TaggingTask parse(String body) {
        return TaggingTask.parse(body);
    }

    @Override
    public String job(TaggingTask task) {
        return task.job();
    }

    @Override
    public String describe(TaggingTask task) {
        return task.describe();
    }

    @Override
    public void run(TaggingTask task) {
        Optional<JobsTable.Job> job = run.active(task.job(), task.kind());
        if (job.isEmpty()) {
            return;
        }
        switch (task.kind()) {
            case TaggingTask.TAG -> tag(job.get(), task);
            case TaggingTask.FINISH -> finish(job.get());
            default -> throw new Permanent("unknown task kind '" + task.kind() + "'");
        }
    }

    /** Records the job failed with {@code reason} (its slot given back); false if it had finished already. */
    @Override
    public boolean fail(String jobId, String reason) {
        return run.fail(jobId, reason);
    }

    private void tag(JobsTable.Job job, TaggingTask task) {
        String unit = TaggingPlan.unit(task.batch());
        String finish = TaggingTask.finish(job.id()).body();
        if (run.counted(job.id(), unit, finish)) {
            return;
        }
        JsonNode request = JobRun.request(job);
        Principal owner = new Principal("", job.owner(), request.path("admin").asBoolean() ? Role.ADMIN : Role.USER,
                "job:" + job.id(), 0, Instant.MAX);
        Optional<String> model = Optional.of(request.path("resolved").asText());
        boolean apply = request.path("apply").asBoolean();
        Summary summary = new Summary();
        for (String imageId : task.images()) {
            if (!exists(owner, imageId)) {
                summary.deleted++;
                continue;
            }
            ImageView view;
            try {
                view = suggestions.suggest(owner, imageId, model, ImageTagSuggestions.DEFAULT_TOP_K,
                        ImageTagSuggestions.DEFAULT_THRESHOLD, apply, new RequestLogFields());
            } catch (NotFound e) {
                if (!exists(owner, imageId)) {
                    summary.deleted++;
                    continue;
                }
                if (!e.detail().contains(imageId)) {
                    // not this image's fault: the pinned model is gone
                    throw new Permanent(e.detail());
                }
                summary.failures.addObject().put("image", imageId).put("error", e.detail());
                continue;
            } catch (ApiException.InvalidInput | ApiException.Unprocessable | ApiException.PayloadTooLarge e) {
                if (e.detail().startsWith("model ") || e.detail().contains("image_classifier")) {
                    throw new Permanent(e.detail());
                }
                summary.failures.addObject().put("image", imageId).put("error", e.detail());
                continue;
            }
            summary.classified++;
            for (SuggestedTag tag : view.suggestedTags()) {
                summary.suggested.merge(tag.name(), 1, Integer::sum);
                if (apply) {
                    summary.applied.merge(tag.name(), 1, Integer::sum);
                }
            }
        }
        run.count(job.id(), unit, Map.of("summary", AttributeValue.fromS(Json.writeString(summary.toJson()))), finish);
    }

    private boolean exists(Principal owner, String imageId) {
        try {
            library.readable(owner, imageId);
            return true;
        } catch (NotFound e) {
            return false;
        }
    }

    private void finish(JobsTable.Job job) {
        JobRun.requireComplete(job, "batches");
        Summary total = new Summary();
        int failed = 0;
        for (int k = 0; k < job.total(); k++) {
            String unit = TaggingPlan.unit(k);
            JsonNode part = table.unit(job.id(), unit).map(u -> Json.readTree(u.get("summary").s()
                    .getBytes(StandardCharsets.UTF_8))).orElseThrow(() -> new IllegalStateException(
                            "batch " + unit + " of job " + job.id() + " is not recorded"));
            total.classified += part.path("classified").asInt();
            total.deleted += part.path("deleted").asInt();
            part.path("suggested_tags").fields().forEachRemaining(e -> total.suggested.merge(e.getKey(),
                    e.getValue().asInt(), Integer::sum));
            part.path("applied_tags").fields().forEachRemaining(e -> total.applied.merge(e.getKey(),
                    e.getValue().asInt(), Integer::sum));
            for (JsonNode failure : part.path("failures")) {
                failed++;
                if (total.failures.size() < MAX_LISTED_FAILURES) {
                    total.failures.add(failure);
                }
            }
        }
        JsonNode request = JobRun.request(job);
        ModelRef resolved = ModelRef.parse("model", request.path("resolved").asText());
        ObjectNode result = total.toJson();
        result.put("images", request.path("images").asInt());
        result.put("failed", failed);
        result.put("tasks", job.total());
        result.put("apply", request.path("apply").asBoolean());
        result.putObject("model").put("name", resolved.name()).put("version", resolved.version().orElse(0));
        if (run.succeed(job.id(), Json.writeString(result))) {
            LOG.info("job {}: {} images classified, {} deleted meanwhile, {} failed", job.id(), total.classified,
                    total.deleted, failed);
        }
    }

    /** What a batch (or the whole job) did: images classified, skipped as deleted, tags per name, failures. */
    private static final class Summary {
        int classified;
        int deleted;
        final Map<String, Integer> suggested = new TreeMap<>();
        final Map<String, Integer> applied = new TreeMap<>();
        final ArrayNode failures = Json.mapper().createArrayNode();

        ObjectNode toJson() {
            ObjectNode json = Json.mapper().createObjectNode();
            json.put("classified", classified);
            json.put("deleted", deleted);
            json.set("suggested_tags", Json.mapper().valueToTree(suggested));
            json.set("applied_tags", Json.mapper().valueToTree(applied));
            json.set("failures", failures);
            return json;
        }
    }
}
