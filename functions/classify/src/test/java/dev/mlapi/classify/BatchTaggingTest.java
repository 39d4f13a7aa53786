package dev.mlapi.classify;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.header;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.EmbeddedSqs;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.imagestore.ImageView;
import dev.mlapi.imagestore.NewImage;
import dev.mlapi.imagestore.tagging.TaggingTask;
import dev.mlapi.images.ManageImagesHandler;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Batch tagging through its handlers on DynamoDB Local, S3Proxy, a real SQS queue (ElasticMQ) and
 * ONNX Runtime (the build's tiny colour model): {@code POST /images/classify} (the images
 * function) checks everything before a job exists; tag-worker takes the tasks from the queue
 * (every task delivered twice) and tags each image once; a task that keeps failing fails its job
 * naming its images and lands in the dead-letter queue; lost tasks are sent again by
 * {@link TaggingJobRecovery}.
 */
class BatchTaggingTest {

    static final Color[] COLOURS = {Color.RED, Color.GREEN, Color.BLUE};
    static final String[] NAMES = {"red", "green", "blue"};

    static EmbeddedSqs sqs;
    static String queueUrl;
    static TestStack stack;
    static ClassifyService service;
    static ManageImagesHandler images;
    static TagWorkerHandler worker;
    static ImageLibrary library;
    static JobsTable jobs;

    @BeforeAll
    static void start() {
        sqs = EmbeddedSqs.start();
        queueUrl = sqs.createQueue(QueueCatalog.IMAGE_TASKS, Duration.ofSeconds(1));
        stack = TestStack.start(Map.of(Env.SQS_ENDPOINT, sqs.endpoint().toString(),
                Env.IMAGE_TASKS_QUEUE_URL, queueUrl, Env.DEFAULT_IMAGE_MODEL, "tiny@production",
                Env.TRAINING_MAX_ACTIVE_JOBS, "2"));
        S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        var tiny = TestModels.register(registry, TestModels.tiny("tiny", 1), true);
        registry.setAlias("tiny", "production", tiny.version(), "tests");
        registry.register(ModelRegistration.builder().setName("table").setKind(ModelKind.TABULAR)
                .setModelFile("model.onnx").setCreatedBy("tests").optFeatureNames(TabularOnnx.IRIS_FEATURES)
                .optLabels(List.of("setosa", "versicolor", "virginica")).build(),
                List.of(new ModelFile("model.onnx", TabularOnnx.irisTree())));
        service = ClassifyService.create(ClassifySettings.from(stack.config().environment()), registry, Clock.systemUTC());
        TaggingComponents components = TaggingComponents.create(stack.wiring(), service,
                TaggingComponents.tasks(stack.wiring()));
        worker = new TagWorkerHandler(components.worker(), service, TaggingComponents.MAX_RECEIVES);
        images = new ManageImagesHandler(stack.wiring());
        library = ImageLibrary.create(stack.wiring());
        jobs = new JobsTable(stack.wiring().dynamoDb(), stack.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS));
    }

    @AfterAll
    static void stop() {
        service.close();
        stack.close();
        sqs.close();
    }

    static Principal principal(String username, Role role) {
        return new Principal("id-" + username, username, role, "jti", 0, Instant.now().plusSeconds(3600));
    }

    /** {@code count} solid images of {@code owner} (red, green, blue in turn) tagged {@code tag}; their ids. */
    static List<String> upload(Principal owner, String tag, int count) {
        if (library.tags(owner, java.util.Optional.empty(), 1000).items().stream().noneMatch(t -> t.name().equals(tag))) {
            library.createTag(owner, tag);
        }
        List<String> ids = new ArrayList<>();
        for (int start = 0; start < count; start += 25) {
            List<NewImage> batch = new ArrayList<>();
            for (int i = start; i < Math.min(count, start + 25); i++) {
                batch.add(new NewImage("photo-" + i + ".png", "image/png", TestImages.png(COLOURS[i % 3], 32, 24), 32, 24));
            }
            library.upload(owner, batch, List.of(tag)).forEach(view -> ids.add(view.id()));
        }
        return ids;
    }

    static APIGatewayV2HTTPResponse submit(String token, Object body) {
        return invoke(images, withJson(withBearer(load("images-classify.json"), token), body));
    }

    static String accepted(String token, Object body) {
        APIGatewayV2HTTPResponse response = submit(token, body);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        JsonNode accepted = body(response);
        assertThat(accepted.get("job_kind").asText()).isEqualTo("classify_batch");
        assertThat(header(response, "location")).isEqualTo("/jobs/" + accepted.get("job_id").asText());
        return accepted.get("job_id").asText();
    }

    /**
     * Runs tag-worker on the queue's messages, one per invocation, as Lambda's event source does: a
     * handled message is deleted, a failed one comes back after its visibility timeout. With
     * {@code twice}, every task's first delivery is not deleted either (a redelivery).
     */
    static void drain(String jobId, boolean twice, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<Message> messages = sqs.client().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .messages();
            if (messages.isEmpty() && !jobs.find(jobId).orElseThrow().isActive()) {
                return;
            }
            for (Message message : messages) {
                SQSEvent.SQSMessage lambda = lambda(message);
                boolean failed = !worker.handleRequest(event(lambda), null).getBatchItemFailures().isEmpty();
                boolean redeliver = twice && "1".equals(lambda.getAttributes().get("ApproximateReceiveCount"));
                if (redeliver) {
                    sqs.client().changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle())
                            .visibilityTimeout(0));
                } else if (!failed) {
                    sqs.client().deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
                }
            }
        }
        throw new AssertionError("job " + jobId + " is still " + jobs.find(jobId).orElseThrow().status());
    }

    static SQSEvent.SQSMessage lambda(Message message) {
        SQSEvent.SQSMessage lambda = new SQSEvent.SQSMessage();
        lambda.setMessageId(message.messageId());
        lambda.setBody(message.body());
        String receives = message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
        lambda.setAttributes(Map.of("ApproximateReceiveCount", receives == null ? "1" : receives));
        return lambda;
    }

    static SQSEvent event(SQSEvent.SQSMessage message) {
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        return event;
    }

    static JsonNode result(String jobId) {
        JobsTable.Job job = jobs.find(jobId).orElseThrow();
        assertThat(job.status()).as(job.error().orElse("")).isEqualTo("succeeded");
        return Json.readTree(job.result().orElseThrow().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void tagging100Images_tagsEachOnce_evenWithEveryTaskDeliveredTwice_andSkipsAnImageDeletedMeanwhile() {
        String dana = stack.signedIn("dana", Role.USER).token();
        Principal owner = principal("dana", Role.USER);
        List<String> ids = upload(owner, "holiday", 100);
        List<String> others = upload(owner, "work", 3);

        String jobId = accepted(dana, Map.of("tag", " Holiday ", "apply", true));
        library.delete(owner, ids.get(7));
        drain(jobId, true, Duration.ofSeconds(180));

        JobsTable.Job job = jobs.find(jobId).orElseThrow();
        assertThat(job.total()).as("100 images in batches of 25").isEqualTo(4);
        assertThat(job.done()).as("each batch counted once, though delivered twice").isEqualTo(4);
        assertThat(jobs.activeJobs("dana")).as("the slot is given back").isZero();
        JsonNode result = result(jobId);
        assertThat(result.get("images").asInt()).isEqualTo(100);
        assertThat(result.get("classified").asInt()).isEqualTo(99);
        assertThat(result.get("deleted").asInt()).as("deleted meanwhile: skipped, not failed").isEqualTo(1);
        assertThat(result.get("failed").asInt()).isZero();
        assertThat(result.get("tasks").asInt()).isEqualTo(4);
        assertThat(result.get("model").get("name").asText()).isEqualTo("tiny");
        int[] perColour = new int[3];
        for (int i = 0; i < ids.size(); i++) {
            if (i == 7) {
                continue;
            }
            perColour[i % 3]++;
            ImageView image = library.get(owner, ids.get(i));
            assertThat(image.suggestedTags()).extracting("name").as("image %d", i).containsExactly(NAMES[i % 3]);
            assertThat(image.tags()).as("image %d", i).containsExactlyInAnyOrder("holiday", NAMES[i % 3]);
        }
        for (int c = 0; c < 3; c++) {
            assertThat(library.tag(owner, NAMES[c]).imageCount()).as("tag %s counted once per image", NAMES[c])
                    .isEqualTo(perColour[c]);
            assertThat(result.get("suggested_tags").get(NAMES[c]).asInt()).isEqualTo(perColour[c]);
            assertThat(result.get("applied_tags").get(NAMES[c]).asInt()).isEqualTo(perColour[c]);
        }
        for (String other : others) {
            assertThat(library.get(owner, other).suggestedTags()).as("not selected").isEmpty();
        }
    }

    @Test
    void withoutApply_onlySuggestionsAreStored_andMatchAllSelectsImagesWithEveryTag() {
        String gus = stack.signedIn("gus", Role.USER).token();
        Principal owner = principal("gus", Role.USER);
        List<String> beach = upload(owner, "beach", 4);
        library.createTag(owner, "sunset");
        library.update(owner, beach.get(0), new dev.mlapi.imagestore.ImageChange(
                java.util.Optional.of(List.of("beach", "sunset")), java.util.Optional.empty()));

        String jobId = accepted(gus, Map.of("tags", List.of("beach", "sunset"), "match", "all"));
        drain(jobId, false, Duration.ofSeconds(60));

        JsonNode result = result(jobId);
        assertThat(result.get("images").asInt()).isEqualTo(1);
        assertThat(result.get("applied_tags")).isEmpty();
        assertThat(library.get(owner, beach.get(0)).suggestedTags()).extracting("name").containsExactly("red");
        assertThat(library.get(owner, beach.get(0)).tags()).containsExactlyInAnyOrder("beach", "sunset");
        assertThat(library.get(owner, beach.get(1)).suggestedTags()).isEmpty();
    }

    @Test
    void submit_checksTagsModelAndLimits_beforeAnyJobExists() {
        String erin = stack.signedIn("erin", Role.USER).token();
        Principal owner = principal("erin", Role.USER);
        upload(owner, "cats", 2);
        library.createTag(owner, "empty");

        var unknownTag = submit(erin, Map.of("tag", "dogs"));
        assertThat(unknownTag.getStatusCode()).isEqualTo(400);
        assertThat(unknownTag.getBody()).contains("unknown tag 'dogs'");
        var none = submit(erin, Map.of("tag", "empty"));
        assertThat(none.getStatusCode()).isEqualTo(400);
        assertThat(none.getBody()).contains("no image matches");
        assertThat(submit(erin, Map.of()).getStatusCode()).isEqualTo(400);
        assertThat(submit(erin, Map.of("tag", "cats", "tags", List.of("cats"))).getStatusCode()).isEqualTo(400);
        assertThat(submit(erin, Map.of("tags", List.of("cats"), "match", "some")).getStatusCode()).isEqualTo(400);
        assertThat(submit(erin, Map.of("tag", "cats", "apply", "yes")).getStatusCode()).isEqualTo(400);
        assertThat(submit(erin, Map.of("tag", "cats", "limit", 3)).getStatusCode()).isEqualTo(400);
        assertThat(submit(erin, Map.of("tag", "x".repeat(51))).getStatusCode()).isEqualTo(400);
        assertThat(submit(erin, Map.of("tag", "cats", "model", "nope")).getStatusCode()).isEqualTo(404);
        var tabular = submit(erin, Map.of("tag", "cats", "model", "table"));
        assertThat(tabular.getStatusCode()).isEqualTo(400);
        assertThat(tabular.getBody()).contains("image_classifier");
        assertThat(submit(erin, Map.of("tag", "cats", "owner", "*")).getStatusCode()).isEqualTo(403);
        assertThat(submit(erin, Map.of("tag", "cats", "owner", "dana")).getStatusCode()).isEqualTo(403);
        assertThat(jobs.activeJobs("erin")).as("no job exists").isZero();

        accepted(erin, Map.of("tag", "cats"));
        accepted(erin, Map.of("tag", "cats"));
        var third = submit(erin, Map.of("tag", "cats"));
        assertThat(third.getStatusCode()).as("TRAINING_MAX_ACTIVE_JOBS=2").isEqualTo(429);
        assertThat(third.getBody()).contains("2 of 2");
        assertThat(jobs.activeJobs("erin")).isEqualTo(2);
    }

    @Test
    void anAdmin_tagsAnotherUsersImages_byOwner() {
        String root = stack.signedIn("root", Role.ADMIN).token();
        List<String> ids = upload(principal("hal", Role.USER), "garden", 2);
        String jobId = accepted(root, Map.of("tag", "garden", "owner", "hal", "apply", true));
        drain(jobId, false, Duration.ofSeconds(60));
        assertThat(result(jobId).get("classified").asInt()).isEqualTo(2);
        assertThat(library.get(principal("hal", Role.USER), ids.get(1)).tags()).contains("green");
    }

    @Test
    void aTaskThatKeepsFailing_failsItsJobOnItsLastReceive_namingItsImages_andLandsInTheDeadLetterQueue() {
        String fay = stack.signedIn("fay", Role.USER).token();
        upload(principal("fay", Role.USER), "poison", 1);
        String jobId = accepted(fay, Map.of("tag", "poison"));
        // the job's real task is replaced by one naming an image id that cannot be read
        takeTaskOf(jobId);
        sqs.client().sendMessage(r -> r.queueUrl(queueUrl).messageBody(TaggingTask.tag(jobId, 0, List.of("not-an-image")).body()));

        drain(jobId, false, Duration.ofSeconds(60));

        JobsTable.Job job = jobs.find(jobId).orElseThrow();
        assertThat(job.status()).isEqualTo("failed");
        assertThat(job.error().orElseThrow()).contains("batch 0 (images not-an-image) failed 3 times; the last error:");
        String deadLetters = sqs.queueUrl(QueueCatalog.IMAGE_TASKS.deadLetterLocalName());
        List<Message> dead = sqs.client().receiveMessage(r -> r.queueUrl(deadLetters).maxNumberOfMessages(10)
                .waitTimeSeconds(2)).messages();
        assertThat(dead).extracting(Message::body).anyMatch(body -> body.contains(jobId) && body.contains("not-an-image"));
        assertThat(jobs.activeJobs("fay")).isZero();
    }

    /** Receives tasks until one of {@code jobId} comes (others are run), and deletes it unrun. */
    static void takeTaskOf(String jobId) {
        while (true) {
            List<Message> messages = sqs.client().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(1)
                    .waitTimeSeconds(2)).messages();
            assertThat(messages).as("a task is waiting").hasSize(1);
            Message message = messages.get(0);
            if (!message.body().contains(jobId)) {
                assertThat(worker.handleRequest(event(lambda(message)), null).getBatchItemFailures()).isEmpty();
            }
            sqs.client().deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            if (message.body().contains(jobId)) {
                return;
            }
        }
    }

    @Test
    void tasksLostWithTheQueue_areSentAgainFromThePlan_andTheJobEndsAsIfNothingWasLost() {
        String ivy = stack.signedIn("ivy", Role.USER).token();
        Principal owner = principal("ivy", Role.USER);
        List<String> ids = upload(owner, "trip", 60);
        String jobId = accepted(ivy, Map.of("tag", "trip", "apply", true));
        // one batch runs, then the queue loses everything
        while (jobs.find(jobId).orElseThrow().done() == 0) {
            List<Message> messages = sqs.client().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(1)
                    .waitTimeSeconds(2)).messages();
            assertThat(messages).hasSize(1);
            assertThat(worker.handleRequest(event(lambda(messages.get(0))), null).getBatchItemFailures()).isEmpty();
            sqs.client().deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(messages.get(0).receiptHandle()));
        }
        sqs.client().purgeQueue(r -> r.queueUrl(queueUrl));

        int sent = new TaggingJobRecovery(stack.wiring()).resume();

        assertThat(sent).as("the two batches without a record (and other jobs' lost tasks)").isGreaterThanOrEqualTo(2);
        drain(jobId, false, Duration.ofSeconds(120));
        JobsTable.Job job = jobs.find(jobId).orElseThrow();
        assertThat(job.done()).isEqualTo(3).isEqualTo(job.total());
        assertThat(result(jobId).get("classified").asInt()).isEqualTo(60);
        for (int c = 0; c < 3; c++) {
            assertThat(library.tag(owner, NAMES[c]).imageCount()).isEqualTo(20);
        }
        assertThat(ids).hasSize(60);
    }
}
