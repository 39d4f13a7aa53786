package dev.mlapi.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.error.ApiException.TooManyRequests;
import dev.mlapi.core.jobs.JobKind;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.json.Json;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.imagestore.tagging.TaggingPlan;
import dev.mlapi.imagestore.tagging.TaggingTask;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.ModelRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * {@code POST /images/classify}: batch tagging. Everything is checked before a job exists: the
 * tag(s) are the caller's (normalised as the library's tags), the model exists and is an image
 * classifier, the matching images are counted (at least one, at most {@link #MAX_IMAGES}), and the
 * caller has a free active-job slot. Then the job is inserted with the model pinned to the version
 * the reference names now and its images fixed ({@link TaggingPlan}), and one {@code tag} task
 * per batch is sent. The work runs in tag-worker.
 *
 * <p>Whose images: a user's own; an admin's own too unless {@code owner} names a user (that
 * user's images) or is {@code "*"} (everyone's).
 */
final class ImageTaggingJobs {

    /** Images one job may classify. */
    static final int MAX_IMAGES = 10_000;
    static final Duration RETENTION = Duration.ofDays(90);
    private static final Set<String> FIELDS = Set.of("tag", "tags", "match", "model", "apply", "owner");

    /** The 202's body. */
    record Accepted(String jobId, String jobKind, String status, String statusUrl, int images) {
    }

    private final ImageLibrary library;
    private final ModelRegistry registry;
    private final String defaultModel;
    private final JobsTable table;
    private final Consumer<List<String>> tasks;
    private final int maxActiveJobs;
    private final int maxImages;
    private final Clock clock;

    ImageTaggingJobs(ImageLibrary library, ModelRegistry registry, String defaultModel, JobsTable table,
            Consumer<List<String>> tasks, int maxActiveJobs, Clock clock) {
        this(library, registry, defaultModel, table, tasks, maxActiveJobs, MAX_IMAGES, clock);
    }

    ImageTaggingJobs(ImageLibrary library, ModelRegistry registry, String defaultModel, JobsTable table,
            Consumer<List<String>> tasks, int maxActiveJobs, int maxImages, Clock clock) {
        this.maxImages = maxImages;
        this.library = library;
        this.registry = registry;
        this.defaultModel = defaultModel;
        this.table = table;
        this.tasks = tasks;
        this.maxActiveJobs = maxActiveJobs;
        this.clock = clock;
    }

    Accepted submit(Principal caller, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInput("the body must be a JSON object {\"tag\" | \"tags\", \"match\", \"model\", \"apply\"}");
        }
        List<FieldError> errors = new ArrayList<>();
        body.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                errors.add(new FieldError(name, "is not a field of a tagging request (tag, tags, match, model, apply, owner)"));
            }
        });
        JsonNode tag = body.get("tag");
        JsonNode tagsNode = body.get("tags");
        List<String> tags = new ArrayList<>();
        String field = tag != null ? "tag" : "tags";
        if (tag != null && tagsNode != null) {
            errors.add(new FieldError("tags", "send either 'tag' (one name) or 'tags' (a list), not both"));
        } else if (tag != null) {
            if (!tag.isTextual()) {
                errors.add(new FieldError("tag", "must be a tag name"));
            } else {
                tags.add(tag.asText());
            }
        } else if (tagsNode != null) {
            if (!tagsNode.isArray() || tagsNode.isEmpty()) {
                errors.add(new FieldError("tags", "must be a non-empty list of tag names"));
            } else {
                for (JsonNode name : tagsNode) {
                    if (!name.isTextual()) {
                        errors.add(new FieldError("tags", "must contain tag names only"));
                        break;
                    }
                    tags.add(name.asText());
                }
            }
        } else {
            errors.add(new FieldError("tag", "is required: 'tag' (one name) or 'tags' (a list) selects the images"));
        }
        JsonNode match = body.get("match");
        if (match != null && !(match.isTextual() && (match.asText().equals("any") || match.asText().equals("all")))) {
            errors.add(new FieldError("match", "must be 'any' or 'all'"));
        }
        JsonNode model = body.get("model");
        if (model != null && !model.isTextual()) {
            errors.add(new FieldError("model", "must be 'name', 'name:version' or 'name@alias'"));
        }
        JsonNode apply = body.get("apply");
        if (apply != null && !apply.isBoolean()) {
            errors.add(new FieldError("apply", "must be true or false"));
        }
        JsonNode ownerNode = body.get("owner");
        if (ownerNode != null && !ownerNode.isTextual()) {
            errors.add(new FieldError("owner", "must be a username, or \"*\" (admins: everyone's images)"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInput("the tagging request is not valid", errors);
        }
        boolean matchAll = match != null && match.asText().equals("all");
        Optional<String> owner = ownerNode == null ? Optional.of(caller.username())
                : ownerNode.asText().equals("*") ? Optional.empty() : Optional.of(ownerNode.asText());
        if (owner.isEmpty() && !caller.isAdmin()) {
            throw new ApiException.Forbidden("only admins may tag everyone's images (owner \"*\")");
        }
        List<String> images = library.matching(caller, owner, field, tags, matchAll, maxImages + 1);
        String selection = (tags.size() == 1 ? "tag '" + tags.get(0) + "'" : (matchAll ? "all of " : "any of ") + tags)
                + owner.map(o -> " (" + o + "'s images)").orElse(" (everyone's images)");
        if (images.isEmpty()) {
            throw InvalidInput.field(field, "no image matches " + selection + "; there is nothing to tag");
        }
        if (images.size() > maxImages) {
            int count = library.matching(caller, owner, field, tags, matchAll, 10 * maxImages + 1).size();
            throw InvalidInput.field(field, (count > 10 * maxImages ? "more than " + 10 * maxImages : count)
                    + " images match " + selection + "; one tagging job takes at most " + maxImages
                    + "; narrow the selection (match: all, more tags)");
        }
        Manifest manifest = imageModel(model == null ? Optional.empty() : Optional.of(model.asText().trim()));

        String id = "job-" + UUID.randomUUID().toString().replace("-", "");
        ObjectNode request = Json.mapper().createObjectNode();
        request.set("tags", Json.mapper().valueToTree(tags));
        request.put("match", matchAll ? "all" : "any");
        owner.ifPresentOrElse(o -> request.put("owner", o), () -> request.put("owner", "*"));
        request.put("model", model == null ? defaultModel : model.asText().trim());
        request.put("resolved", manifest.ref());
        request.put("apply", apply != null && apply.asBoolean());
        request.put("admin", caller.isAdmin());
        request.put("images", images.size());
        Instant now = clock.instant();
        OptionalInt limit = caller.isAdmin() ? OptionalInt.empty() : OptionalInt.of(maxActiveJobs);
        if (!table.insert(id, caller.username(), JobKind.CLASSIFY_BATCH, manifest.name(), Json.writeString(request),
                "images/", Optional.empty(), now, now.plus(RETENTION), limit)) {
            throw new TooManyRequests("you have " + table.activeJobs(caller.username()) + " of " + maxActiveJobs
                    + " jobs (training and batch) queued or running; wait for one to finish or cancel one"
                    + " (DELETE /jobs/{id})", Duration.ofSeconds(60));
        }
        try {
            new TaggingPlan(table).store(id, images, now);
            List<List<String>> batches = TaggingPlan.batches(images);
            if (!table.start(id, batches.size(), clock.instant())) {
                throw new IllegalStateException("the job stopped before it started");
            }
            List<String> bodies = new ArrayList<>();
            for (int k = 0; k < batches.size(); k++) {
                bodies.add(TaggingTask.tag(id, k, batches.get(k)).body());
            }
            tasks.accept(bodies);
        } catch (RuntimeException e) {
            table.fail(id, "the job could not be queued: " + e.getMessage(), clock.instant());
            throw e instanceof ApiException api ? api
                    : new ServiceUnavailable("the image tasks queue could not take the job; retry", Duration.ofSeconds(5), e);
        }
        return new Accepted(id, JobKind.CLASSIFY_BATCH.value(), "running", "/jobs/" + id, images.size());
    }

    /** The manifest {@code requested} (or the default image model) names now; 404 or 400 when it is none. */
    private Manifest imageModel(Optional<String> requested) {
        ModelRef ref = ModelRef.parse(requested.isPresent() ? "model" : "DEFAULT_IMAGE_MODEL",
                requested.orElse(defaultModel));
        Manifest manifest;
        try {
            manifest = registry.resolve(ref);
        } catch (NotFound e) {
            throw new NotFound(requested.isPresent() ? "model '" + ref + "' was not found in the registry"
                    : "no image model is registered: the default model '" + ref + "' does not exist; name one with 'model'");
        }
        if (manifest.kind() != ModelKind.IMAGE_CLASSIFIER) {
            throw InvalidInput.field("model", "'" + manifest.ref() + "' is a " + manifest.kind().value()
                    + " model; tagging needs an image_classifier");
        }
        return manifest;
    }
}
