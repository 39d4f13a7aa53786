package dev.mlapi.predict;

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
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.EmbeddedSqs;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.inference.TinyOnnx;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.S3ModelRegistry;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Batch scoring through its handlers on DynamoDB Local, S3Proxy, a real SQS queue (ElasticMQ) and
 * ONNX Runtime: {@code POST /predict/batch} checks everything before a job exists; batch-worker
 * takes the tasks from the queue (every score task delivered twice), and the CSV it assembles
 * predicts every row as {@code /predict} does; a task that keeps failing fails its job naming the
 * chunk and lands in the dead-letter queue.
 */
class BatchScoringTest {

    static final int CHUNK_ROWS = 40;
    static EmbeddedSqs sqs;
    static String queueUrl;
    static TestStack stack;
    static S3ModelRegistry registry;
    static S3Client s3;
    static String bucket;
    static PredictService service;
    static PredictHandler handler;
    static BatchWorkerHandler worker;
    static JobsTable jobs;
    static String dana;
    static String erin;

    @BeforeAll
    static void start() {
        sqs = EmbeddedSqs.start();
        queueUrl = sqs.createQueue(QueueCatalog.BATCH_TASKS, Duration.ofSeconds(1));
        stack = TestStack.start(Map.of(Env.SQS_ENDPOINT, sqs.endpoint().toString(),
                Env.BATCH_TASKS_QUEUE_URL, queueUrl, Env.BATCH_CHUNK_ROWS, Integer.toString(CHUNK_ROWS),
                Env.TRAINING_MAX_ACTIVE_JOBS, "2"));
        RegistrySettings settings = RegistrySettings.from(stack.config());
        registry = S3ModelRegistry.create(settings, Clock.systemUTC());
        s3 = S3Clients.s3(settings);
        bucket = settings.bucket();
        Manifest iris = registry.register(ModelRegistration.builder().setName("iris").setKind(ModelKind.TABULAR)
                .setModelFile("model.onnx").setCreatedBy("tests").optFeatureNames(TabularOnnx.IRIS_FEATURES)
                .optLabels(List.of("setosa", "versicolor", "virginica")).build(),
                List.of(new ModelFile("model.onnx", TabularOnnx.irisTree())));
        registry.setAlias("iris", "production", iris.version(), "tests");
        registry.register(ModelRegistration.builder().setName("tiny-image").setKind(ModelKind.IMAGE_CLASSIFIER)
                .setModelFile("model.onnx").setCreatedBy("tests").optLabels(TinyOnnx.LABELS).build(),
                List.of(new ModelFile("model.onnx", TinyOnnx.logitsModel())));
        service = PredictService.create(stack.config(), registry);
        BatchComponents components = BatchComponents.create(stack.wiring(), service, s3, bucket,
                BatchComponents.tasks(stack.wiring()));
        handler = new PredictHandler(stack.wiring(), service, components.jobs());
        worker = new BatchWorkerHandler(components.worker(), service, BatchComponents.MAX_RECEIVES);
        jobs = new JobsTable(stack.wiring().dynamoDb(),
                stack.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS));
        dana = stack.signedIn("dana", Role.USER).token();
        erin = stack.signedIn("erin", Role.USER).token();
    }

    @AfterAll
    static void stop() {
        service.close();
        stack.close();
        sqs.close();
    }

    /** Rows of iris-like flowers with an id, a free-text note (quoted commas and newlines) and the species. */
    static String flowers(int rows, long seed) {
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder("id,sepal_length,sepal_width,petal_length,petal_width,note,species\n");
        String[] species = {"setosa", "versicolor", "virginica"};
        for (int i = 1; i <= rows; i++) {
            int c = random.nextInt(3);
            String note = i % 7 == 0 ? "\"picked at dawn,\nby the \"\"north\"\" gate\"" : i % 5 == 0 ? "" : "plain";
            csv.append(String.format(Locale.ROOT, "%d,%.1f,%.1f,%.1f,%.1f,%s,%s%n", i, 4.5 + c + random.nextDouble(),
                    2.5 + random.nextDouble(), 1.2 + 2.2 * c + random.nextDouble(), 0.1 + 0.9 * c + random.nextDouble(),
                    note, species[c]));
        }
        return csv.toString();
    }

    /** A committed dataset of {@code owner}, as POST /datasets and its commit leave it. */
    static String dataset(String owner, String csv) throws Exception {
        String id = "ds-" + UUID.randomUUID().toString().replace("-", "");
        String key = "training/datasets/" + id + "/data.csv";
        byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("id", AttributeValue.fromS(id));
        item.put("kind", AttributeValue.fromS("dataset"));
        item.put("owner", AttributeValue.fromS(owner));
        item.put("owner_kind", AttributeValue.fromS(owner + "#dataset"));
        item.put("created_at", AttributeValue.fromS(JobsTable.time(Instant.now())));
        item.put("name", AttributeValue.fromS("flowers.csv"));
        item.put("size", AttributeValue.fromN(Integer.toString(bytes.length)));
        item.put("sha256", AttributeValue.fromS(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))));
        item.put("status", AttributeValue.fromS("ready"));
        item.put("object_key", AttributeValue.fromS(key));
        stack.wiring().dynamoDb().putItem(r -> r.tableName(stack.config().environment()
                .tableName(TableCatalog.JOBS_AND_DATASETS)).item(item));
        return id;
    }

    static APIGatewayV2HTTPResponse submit(String token, Object body) {
        return invoke(handler, withJson(withBearer(load("predict-batch.json"), token), body));
    }

    static String accepted(String token, String model, String datasetId) {
        var response = submit(token, Map.of("model", model, "dataset_id", datasetId));
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        JsonNode accepted = body(response);
        assertThat(accepted.get("status").asText()).isEqualTo("queued");
        assertThat(header(response, "location")).isEqualTo("/jobs/" + accepted.get("job_id").asText());
        return accepted.get("job_id").asText();
    }

    /**
     * Runs batch-worker on the queue's messages, one per invocation, as Lambda's event source does:
     * a handled message is deleted, a failed one comes back after its visibility timeout. With
     * {@code twice}, a score task's first delivery is not deleted either (a redelivery).
     */
    static void drain(String jobId, boolean twice, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<Message> messages = sqs.client().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .messages();
            if (messages.isEmpty() && !jobs.find(jobId).orElseThrow().isActive()) {
                return;
            }
            for (Message message : messages) {
                SQSEvent.SQSMessage lambda = new SQSEvent.SQSMessage();
                lambda.setMessageId(message.messageId());
                lambda.setBody(message.body());
                lambda.setAttributes(Map.of("ApproximateReceiveCount", message.attributes()
                        .get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)));
                SQSEvent event = new SQSEvent();
                event.setRecords(List.of(lambda));
                boolean failed = !worker.handleRequest(event, null).getBatchItemFailures().isEmpty();
                boolean redeliver = twice && message.body().contains("\"score\"")
                        && "1".equals(lambda.getAttributes().get("ApproximateReceiveCount"));
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

    @Test
    void batchScoring_predictsEveryRowAsPredictDoes_inInputOrder_withEveryPartCountedOnce() throws Exception {
        String csv = flowers(250, 1);
        String datasetId = dataset("dana", csv);
        String jobId = accepted(dana, "iris@production", datasetId);

        drain(jobId, true, Duration.ofSeconds(120));

        JobsTable.Job job = jobs.find(jobId).orElseThrow();
        assertThat(job.status()).as(job.error().orElse("")).isEqualTo("succeeded");
        assertThat(job.total()).as("250 rows in chunks of 40").isEqualTo(7);
        assertThat(job.done()).as("each part counted once, though delivered twice").isEqualTo(7);
        assertThat(jobs.activeJobs("dana")).as("the slot is given back").isZero();
        JsonNode result = Json.readTree(jobs.find(jobId).orElseThrow().result().orElseThrow().getBytes(StandardCharsets.UTF_8));
        assertThat(result.get("rows").asInt()).isEqualTo(250);
        assertThat(result.get("model").get("version").asInt()).isEqualTo(1);

        String scored = s3.getObjectAsBytes(r -> r.bucket(bucket).key(result.get("object_key").asText())).asUtf8String();
        List<CSVRecord> input = records(csv);
        List<CSVRecord> output = records(scored);
        assertThat(output.get(0).toList()).containsExactly("id", "sepal_length", "sepal_width", "petal_length",
                "petal_width", "note", "species", "prediction", "probability_setosa", "probability_versicolor",
                "probability_virginica");
        assertThat(output).hasSize(input.size());
        List<Object> instances = new ArrayList<>();
        for (int i = 1; i < input.size(); i++) {
            assertThat(output.get(i).toList().subList(0, 7)).as("row %d as given", i).isEqualTo(input.get(i).toList());
            ObjectNode instance = Json.mapper().createObjectNode();
            for (String feature : TabularOnnx.IRIS_FEATURES) {
                instance.put(feature, input.get(i).get(input.get(0).toList().indexOf(feature)));
            }
            instances.add(instance);
        }
        var predicted = invoke(handler, withJson(withBearer(load("predict-instances-objects.json"), dana),
                Map.of("model", "iris:1", "instances", instances)));
        assertThat(predicted.getStatusCode()).as(predicted.getBody()).isEqualTo(200);
        JsonNode predictions = body(predicted).get("predictions");
        for (int i = 1; i < output.size(); i++) {
            JsonNode expected = predictions.get(i - 1);
            assertThat(output.get(i).get(7)).as("row %d", i).isEqualTo(expected.get("label").asText());
            List<String> classes = List.of("setosa", "versicolor", "virginica");
            for (int c = 0; c < classes.size(); c++) {
                assertThat(Double.parseDouble(output.get(i).get(8 + c))).as("row %d p(%s)", i, classes.get(c))
                        .isEqualTo(expected.get("probabilities").get(classes.get(c)).asDouble());
            }
        }
    }

    @Test
    void aRowThatCannotBeScored_failsTheJobAtOnce_namingTheChunkRowAndColumn() throws Exception {
        String csv = flowers(100, 3);
        String[] lines = csv.split("\n", -1);
        List<String> edited = new ArrayList<>(List.of(lines));
        // row 57 of the data (no quoted newline before it within the first 100 rows' lines is shifted: find it by id)
        for (int i = 0; i < edited.size(); i++) {
            if (edited.get(i).startsWith("57,")) {
                String[] cells = edited.get(i).split(",");
                cells[2] = "abc";
                edited.set(i, String.join(",", cells));
            }
        }
        String jobId = accepted(dana, "iris", dataset("dana", String.join("\n", edited)));

        drain(jobId, false, Duration.ofSeconds(60));

        JobsTable.Job job = jobs.find(jobId).orElseThrow();
        assertThat(job.status()).isEqualTo("failed");
        assertThat(job.error().orElseThrow()).contains("chunk 1 (rows 41–80) failed", "row 57", "sepal_width", "abc");
        assertThat(jobs.activeJobs("dana")).isZero();
    }

    @Test
    void aTaskThatKeepsFailing_failsItsJobOnItsLastReceive_namingTheChunk_andLandsInTheDeadLetterQueue()
            throws Exception {
        String datasetId = dataset("dana", flowers(30, 4));
        String jobId = accepted(dana, "iris", datasetId);
        // the plan runs (other jobs' waiting tasks run too); then the dataset's file disappears under the job
        runUntil(body -> body.contains(jobId) && body.contains("\"plan\""));
        s3.deleteObject(r -> r.bucket(bucket).key("training/datasets/" + datasetId + "/data.csv"));

        drain(jobId, false, Duration.ofSeconds(60));

        JobsTable.Job job = jobs.find(jobId).orElseThrow();
        assertThat(job.status()).isEqualTo("failed");
        assertThat(job.error().orElseThrow()).contains("chunk 0 (rows 1–30) failed 3 times; the last error:");
        String deadLetters = sqs.queueUrl(QueueCatalog.BATCH_TASKS.deadLetterLocalName());
        List<Message> dead = sqs.client().receiveMessage(r -> r.queueUrl(deadLetters).maxNumberOfMessages(10)
                .waitTimeSeconds(2)).messages();
        assertThat(dead).extracting(Message::body).anyMatch(body -> body.contains(jobId) && body.contains("\"score\""));
        assertThat(jobs.activeJobs("dana")).isZero();
    }

    /** Receives and runs tasks (of any job, each deleted once run) until one {@code wanted} has run. */
    static void runUntil(java.util.function.Predicate<String> wanted) {
        while (true) {
            List<Message> messages = sqs.client().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(1)
                    .waitTimeSeconds(2)).messages();
            assertThat(messages).as("a task is waiting").hasSize(1);
            Message message = messages.get(0);
            SQSEvent.SQSMessage lambda = new SQSEvent.SQSMessage();
            lambda.setMessageId(message.messageId());
            lambda.setBody(message.body());
            lambda.setAttributes(Map.of("ApproximateReceiveCount", "1"));
            SQSEvent event = new SQSEvent();
            event.setRecords(List.of(lambda));
            assertThat(worker.handleRequest(event, null).getBatchItemFailures()).isEmpty();
            sqs.client().deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            if (wanted.test(message.body())) {
                return;
            }
        }
    }

    @Test
    void tasksLostWithTheQueue_areSentAgainFromTheJobsTable_andTheJobEndsAsIfNothingWasLost() throws Exception {
        String jobId = accepted(dana, "iris", dataset("dana", flowers(130, 5)));
        runUntil(body -> body.contains(jobId) && body.contains("\"plan\""));
        runUntil(body -> body.contains(jobId) && body.contains("\"score\""));
        sqs.client().purgeQueue(r -> r.queueUrl(queueUrl));
        assertThat(jobs.find(jobId).orElseThrow().done()).isEqualTo(1);

        int sent = new BatchJobRecovery(jobs, new BatchFiles(s3, bucket), BatchComponents.tasks(stack.wiring()))
                .resume();

        assertThat(sent).as("the three chunks without a part (and other jobs' lost tasks)").isGreaterThanOrEqualTo(3);
        drain(jobId, false, Duration.ofSeconds(60));
        JobsTable.Job job = jobs.find(jobId).orElseThrow();
        assertThat(job.status()).as(job.error().orElse("")).isEqualTo("succeeded");
        assertThat(job.done()).isEqualTo(4).isEqualTo(job.total());
    }

    static List<CSVRecord> records(String csv) throws Exception {
        try (CSVParser parser = CSVParser.parse(new StringReader(csv), CSVFormat.DEFAULT)) {
            return parser.getRecords();
        }
    }

    @Test
    void submit_checksModelDatasetHeaderAndLimit_beforeAnyJobExists() throws Exception {
        String datasetId = dataset("erin", flowers(10, 2));
        assertThat(submit(erin, Map.of("model", "nope", "dataset_id", datasetId)).getStatusCode()).isEqualTo(404);
        var image = submit(erin, Map.of("model", "tiny-image", "dataset_id", datasetId));
        assertThat(image.getStatusCode()).isEqualTo(400);
        assertThat(image.getBody()).contains("tabular");
        assertThat(submit(dana, Map.of("model", "iris", "dataset_id", datasetId)).getStatusCode())
                .as("another user's dataset").isEqualTo(404);
        assertThat(submit(erin, Map.of("model", "iris", "dataset_id", "../../etc")).getStatusCode()).isEqualTo(404);
        var unknownField = submit(erin, Map.of("model", "iris", "dataset_id", datasetId, "rows", 3));
        assertThat(unknownField.getStatusCode()).isEqualTo(400);
        assertThat(unknownField.getBody()).contains("rows");

        String noPetals = dataset("erin", "sepal_length,sepal_width,species\n5.1,3.5,setosa\n");
        var missing = submit(erin, Map.of("model", "iris", "dataset_id", noPetals));
        assertThat(missing.getStatusCode()).isEqualTo(400);
        assertThat(missing.getBody()).contains("dataset_id", "petal_length", "petal_width");

        assertThat(submit(erin, Map.of("model", "iris", "dataset_id", datasetId)).getStatusCode()).isEqualTo(202);
        assertThat(submit(erin, Map.of("model", "iris", "dataset_id", datasetId)).getStatusCode()).isEqualTo(202);
        var third = submit(erin, Map.of("model", "iris", "dataset_id", datasetId));
        assertThat(third.getStatusCode()).as("TRAINING_MAX_ACTIVE_JOBS=2").isEqualTo(429);
        assertThat(third.getBody()).contains("2 of 2");
        assertThat(jobs.activeJobs("erin")).isEqualTo(2);
    }
}
