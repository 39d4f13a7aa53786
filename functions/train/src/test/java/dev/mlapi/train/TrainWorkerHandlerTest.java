package dev.mlapi.train;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.S3ModelRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The training worker through its Lambda handler, fed {@link DynamodbEvent}s as the jobs table's
 * stream sends them, on DynamoDB Local, S3Proxy and real Tribuo and ONNX Runtime: a job runs once
 * (a redelivery changes nothing), a job whose worker died is restarted a bounded number of times
 * and then failed with the reason, and a cancelled job registers nothing. The planner sends the
 * fits as tasks to a real queue (ElasticMQ), which the fit worker's handler drains. Priming runs the same path for a job no one has and writes nothing.
 */
class TrainWorkerHandlerTest {

    static TrainingQueue queue;
    static TestStack stack;
    static FitWorkerHandler fitWorker;
    static TrainingTable table;
    static TrainComponents.Storage storage;
    static TrainHandler api;
    static TrainWorkerHandler handler;
    static String alice;

    @BeforeAll
    static void start() {
        queue = TrainingQueue.start();
        stack = TestStack.start(queue.environment());
        fitWorker = new FitWorkerHandler(stack.wiring());
        table = TrainComponents.table(stack.wiring());
        storage = TrainComponents.Storage.create(stack.wiring());
        api = new TrainHandler(stack.wiring());
        handler = new TrainWorkerHandler(stack.wiring());
        alice = stack.signedIn("alice", Role.USER).token();
    }

    @AfterAll
    static void stop() {
        stack.close();
        queue.close();
    }

    static String submit(Map<String, Object> request) {
        var response = invoke(api, withJson(withBearer(load("train-submit-inline.json"), alice), request));
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        return body(response).get("job_id").asText();
    }

    static Map<String, Object> irisTree(String modelName) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model_name", modelName);
        body.put("algorithm", "decision_tree");
        body.put("target", "species");
        body.put("dataset", Map.of("csv", TrainFixtures.SMALL_IRIS));
        body.put("params", Map.of("max_depth", List.of(1, 2, 3)));
        body.put("cv_folds", 3);
        body.put("seed", 42);
        return body;
    }

    /** What the stream sends when the API inserts job {@code jobId}. */
    static DynamodbEvent inserted(String jobId, String eventName, String kind) {
        StreamRecord stream = new StreamRecord();
        stream.setKeys(Map.of("id", new AttributeValue().withS(jobId)));
        stream.setNewImage(Map.of("id", new AttributeValue().withS(jobId), "kind", new AttributeValue().withS(kind),
                "status", new AttributeValue().withS("queued")));
        stream.setSequenceNumber(Long.toString(System.nanoTime()));
        DynamodbStreamRecord record = new DynamodbStreamRecord();
        record.setEventName(eventName);
        record.setEventSource("aws:dynamodb");
        record.setDynamodb(stream);
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(List.of(record));
        return event;
    }

    /** The record to the planner, then every task it (and its fits) sent to the fit worker, to the end. */
    static StreamsEventResponse deliver(DynamodbEvent event) {
        StreamsEventResponse response = handler.handleRequest(event, new LocalContext(UUID.randomUUID().toString(),
                "train-worker", System.currentTimeMillis() + Duration.ofMinutes(15).toMillis()));
        queue.drain(fitWorker);
        return response;
    }

    static TrainingJob job(String id) {
        return table.findJob(id).orElseThrow();
    }

    static int versionsOf(String model) {
        try {
            return storage.registry().versions(model, 100, Optional.empty()).items().size();
        } catch (NotFound none) {
            return 0;
        }
    }

    @Test
    void sampleEvent_runsItsJob_registersTheModel_andARedeliveryChangesNothing() {
        String jobId = "job-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        DynamodbEvent event = EventLoader.loadDynamoDbEvent(Events.folder().resolve("train-worker-job-inserted.json")
                .toString());
        var image = event.getRecords().get(0).getDynamodb().getNewImage();
        storage.files().put(image.get("dataset_key").getS(), TrainFixtures.SMALL_IRIS.getBytes(StandardCharsets.UTF_8));
        table.createJob(new TrainingJob(jobId, "alice", JobStatus.QUEUED, "iris-sample", "decision_tree",
                "classification", image.get("request").getS(), image.get("dataset_key").getS(), Optional.empty(),
                Instant.now(), Optional.empty(), Optional.empty(), 0, 7, 0, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty()), Instant.now().plus(Duration.ofDays(1)));

        StreamsEventResponse response = deliver(event);

        assertThat(response.getBatchItemFailures()).isEmpty();
        TrainingJob done = job(jobId);
        assertThat(done.status()).as(done.error().orElse("")).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.total()).as("2 candidates × 3 folds").isEqualTo(6);
        assertThat(done.done()).isEqualTo(6);
        assertThat(done.attempts()).isEqualTo(1);
        JsonNode result = Json.readTree(done.result().orElseThrow().getBytes(StandardCharsets.UTF_8));
        assertThat(result.get("metric").asText()).isEqualTo("accuracy");
        assertThat(result.get("candidates")).hasSize(2);
        assertThat(result.get("best_params").has("max_depth")).isTrue();
        assertThat(result.get("best_score").asDouble()).isBetween(0.5, 1.0);
        assertThat(result.get("model").get("version").asInt()).isEqualTo(1);
        Manifest manifest = storage.registry().resolve(ModelRef.parse("model", "iris-sample:1"));
        assertThat(manifest.createdBy()).isEqualTo("alice");
        assertThat(manifest.featureNames()).containsExactly("sepal_length", "sepal_width", "petal_length", "petal_width");

        assertThat(deliver(event).getBatchItemFailures()).isEmpty();
        assertThat(job(jobId).attempts()).as("a finished job is not started again").isEqualTo(1);
        assertThat(versionsOf("iris-sample")).isEqualTo(1);
    }

    @Test
    void aJobWhoseWorkerDied_isRestarted_andOnceOutOfAttempts_failedWithTheReason() {
        String restarted = submit(irisTree("restarted"));
        assertThat(table.claim(restarted, TrainingWorker.MAX_ATTEMPTS, Instant.now())).as("the worker that died")
                .isPresent();
        deliver(inserted(restarted, "INSERT", "job"));
        assertThat(job(restarted).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job(restarted).attempts()).isEqualTo(2);

        String exhausted = submit(irisTree("exhausted"));
        for (int i = 0; i < TrainingWorker.MAX_ATTEMPTS; i++) {
            table.claim(exhausted, TrainingWorker.MAX_ATTEMPTS, Instant.now());
        }
        assertThat(deliver(inserted(exhausted, "INSERT", "job")).getBatchItemFailures()).isEmpty();
        TrainingJob failed = job(exhausted);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().orElseThrow()).contains("stopped without finishing 3 times");
        assertThat(versionsOf("exhausted")).isZero();
    }

    @Test
    void aJobCancelledWhileRunning_stopsAtTheNextFit_andRegistersNothing() throws Exception {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model_name", "cancelled-forest");
        request.put("algorithm", "random_forest");
        request.put("target", "label");
        request.put("dataset", Map.of("csv", TrainFixtures.largeCsv(1500, 7)));
        request.put("params", Map.of("n_estimators", List.of(150, 200), "max_depth", List.of(6, 10, 14),
                "min_samples_leaf", List.of(1, 3)));
        request.put("cv_folds", 5);
        String jobId = submit(request);

        CompletableFuture<StreamsEventResponse> running = CompletableFuture.supplyAsync(
                () -> deliver(inserted(jobId, "INSERT", "job")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (job(jobId).done() == 0 && !running.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(running.isDone()).as("the grid outlasts its first progress report").isFalse();
        assertThat(table.cancel(jobId, "alice", Instant.now())).isTrue();

        assertThat(running.get(120, TimeUnit.SECONDS).getBatchItemFailures()).isEmpty();
        TrainingJob cancelled = job(jobId);
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.done()).isLessThan(cancelled.total());
        assertThat(versionsOf("cancelled-forest")).isZero();
    }

    @Test
    void aJobWhoseDatasetVanished_failsWithTheReason_withoutRetries() {
        String jobId = submit(irisTree("vanished"));
        storage.files().delete(job(jobId).datasetKey());

        assertThat(deliver(inserted(jobId, "INSERT", "job")).getBatchItemFailures()).isEmpty();

        assertThat(job(jobId).status()).isEqualTo(JobStatus.FAILED);
        assertThat(job(jobId).error().orElseThrow()).contains("deleted");
    }

    static String jobsTableName() {
        return stack.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS);
    }

    static List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> jobsTable() {
        return stack.wiring().dynamoDb().scanPaginator(r -> r.tableName(jobsTableName()).consistentRead(true)).items()
                .stream().toList();
    }

    /** The key of the job the priming batch names, as the DynamoDB client writes it. */
    static Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> primingKey() {
        return Map.of(TrainingTable.ID, software.amazon.awssdk.services.dynamodb.model.AttributeValue
                .fromS(PrimingBatch.JOB_ID));
    }

    @Test
    void prime_runsAStreamBatchForAJobNoOneHas_writesNothing_andTheHandlerThenRunsARealJob() {
        String waiting = submit(irisTree("after-priming"));
        var before = jobsTable();

        handler.prime();

        assertThat(jobsTable()).as("the failed claim created no item and changed none")
                .containsExactlyInAnyOrderElementsOf(before);
        assertThat(stack.wiring().dynamoDb().getItem(r -> r.tableName(jobsTableName()).consistentRead(true)
                .key(primingKey())).hasItem()).isFalse();

        assertThat(deliver(inserted(waiting, "INSERT", "job")).getBatchItemFailures()).isEmpty();
        assertThat(job(waiting).status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void prime_goesThroughTheRealClaim_soAJobThatHadThePrimingIdWouldBeRun() {
        Instant now = Instant.now();
        table.createJob(new TrainingJob(PrimingBatch.JOB_ID, "alice", JobStatus.QUEUED, "primed", "decision_tree",
                "classification", "{}", "training/jobs/none/data.csv", Optional.empty(), now, Optional.empty(),
                Optional.empty(), 0, 1, 0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()),
                now.plus(Duration.ofDays(1)));
        try {
            handler.prime();

            TrainingJob claimed = job(PrimingBatch.JOB_ID);
            assertThat(claimed.attempts()).as("the priming record's claim took effect on an existing job").isEqualTo(1);
            assertThat(claimed.status()).as("and its missing dataset failed it").isEqualTo(JobStatus.FAILED);
        } finally {
            stack.wiring().dynamoDb().deleteItem(r -> r.tableName(jobsTableName()).key(primingKey()));
        }
    }

    @Test
    void recordsThatInsertNoJob_areIgnored() {
        String jobId = submit(irisTree("ignored"));

        assertThat(deliver(inserted(jobId, "MODIFY", "job")).getBatchItemFailures()).isEmpty();
        assertThat(deliver(inserted(jobId, "INSERT", "dataset")).getBatchItemFailures()).isEmpty();

        assertThat(job(jobId).status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job(jobId).attempts()).isZero();
    }

    @Test
    void aJobWhoseModelNameWasTakenMeanwhile_failsWithTheReason_andRegistersAndDeploysNothing() {
        // A job queued without a claim on its name (as every job was before names were claimed at submit)…
        String jobId = "job-" + UUID.randomUUID().toString().replace("-", "");
        String datasetKey = TrainingFiles.jobCsvKey(jobId);
        storage.files().put(datasetKey, TrainFixtures.SMALL_IRIS.getBytes(StandardCharsets.UTF_8));
        Map<String, Object> request = irisTree("taken-meanwhile");
        request.remove("dataset");
        request.put("deploy", true);
        table.createJob(new TrainingJob(jobId, "alice", JobStatus.QUEUED, "taken-meanwhile", "decision_tree",
                "classification", Json.writeString(request), datasetKey, Optional.empty(), Instant.now(),
                Optional.empty(), Optional.empty(), 0, 10, 0, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty()), Instant.now().plus(Duration.ofDays(1)));
        // …and another user registers the name's first version before the worker runs.
        storage.registry().register(dev.mlapi.registry.ModelRegistration.builder().setName("taken-meanwhile")
                .setKind(dev.mlapi.registry.ModelKind.TABULAR).setModelFile("model.onnx").setCreatedBy("bob")
                .optFeatureNames(dev.mlapi.inference.TabularOnnx.IRIS_FEATURES).build(),
                List.of(new dev.mlapi.registry.ModelFile("model.onnx", dev.mlapi.inference.TabularOnnx.irisTree())));

        assertThat(deliver(inserted(jobId, "INSERT", "job")).getBatchItemFailures()).isEmpty();

        TrainingJob failed = job(jobId);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().orElseThrow()).contains("model name 'taken-meanwhile' belongs to another user");
        assertThat(versionsOf("taken-meanwhile")).as("only bob's version").isEqualTo(1);
        assertThat(storage.registry().find(ModelRef.parse("model", "taken-meanwhile@production"))).isEmpty();
    }

    @Test
    void anAdminsUploadWhileAUsersJobRuns_leavesTheNameTheUsers_andTheJobDeploysItsVersion() {
        Map<String, Object> request = irisTree("claimed-then-uploaded");
        request.put("deploy", true);
        String jobId = submit(request);
        storage.registry().register(dev.mlapi.registry.ModelRegistration.builder().setName("claimed-then-uploaded")
                .setKind(dev.mlapi.registry.ModelKind.TABULAR).setModelFile("model.onnx").setCreatedBy("root")
                .optFeatureNames(dev.mlapi.inference.TabularOnnx.IRIS_FEATURES).build(),
                List.of(new dev.mlapi.registry.ModelFile("model.onnx", dev.mlapi.inference.TabularOnnx.irisTree())));

        assertThat(deliver(inserted(jobId, "INSERT", "job")).getBatchItemFailures()).isEmpty();

        assertThat(job(jobId).status()).as(job(jobId).error().orElse("")).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(storage.registry().owner("claimed-then-uploaded")).as("claimed at submit").contains("alice");
        Manifest production = storage.registry().resolve(ModelRef.parse("model", "claimed-then-uploaded@production"));
        assertThat(production.version()).isEqualTo(2);
        assertThat(production.createdBy()).isEqualTo("alice");
    }

    @Test
    void aJobWithTestSize_showsTheHeldOutScoresAndImportances_inGetTrain() {
        Map<String, Object> request = irisTree("iris-held-out");
        request.put("test_size", 0.34);
        request.put("class_weight", "balanced");
        String jobId = submit(request);

        assertThat(deliver(inserted(jobId, "INSERT", "job")).getBatchItemFailures()).isEmpty();

        var response = invoke(api, withPath(withBearer(load("train-get.json"), alice), "/train/" + jobId,
                Map.of("job_id", jobId)));
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode view = body(response);
        assertThat(view.get("status").asText()).as(view.path("error").asText()).isEqualTo("succeeded");
        JsonNode result = view.get("result");
        assertThat(result.get("test_size").asDouble()).isEqualTo(0.34);
        assertThat(result.get("class_weight").asText()).isEqualTo("balanced");
        JsonNode evaluation = result.get("evaluation");
        assertThat(evaluation.get("rows").asInt()).as("two of each species' six rows").isEqualTo(6);
        assertThat(evaluation.get("accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(evaluation.has("balanced_accuracy")).isTrue();
        assertThat(evaluation.has("f1_macro")).isTrue();
        assertThat(evaluation.get("per_class").get("setosa").get("support").asInt()).isEqualTo(2);
        assertThat(evaluation.get("confusion_matrix").get("labels").toString())
                .isEqualTo("[\"setosa\",\"versicolor\",\"virginica\"]");
        int cells = 0;
        for (JsonNode row : evaluation.get("confusion_matrix").get("matrix")) {
            for (JsonNode cell : row) {
                cells += cell.asInt();
            }
        }
        assertThat(cells).isEqualTo(6);
        assertThat(result.get("feature_importances").size()).isEqualTo(4);
        assertThat(result.get("feature_importances_kind").asText()).isEqualTo("split_count");
        Manifest manifest = storage.registry().resolve(ModelRef.parse("model", "iris-held-out:1"));
        assertThat(manifest.metrics()).containsKeys("held_out", "feature_importances");
        assertThat(((Number) manifest.parameters().get("training_rows")).intValue()).isEqualTo(12);
    }

    @Test
    void aJobOnATableWithTextBlanksAndDates_listsEveryColumnInTheResult_andTheVersionTakesRawColumns() {
        Map<String, Object> request = irisTree("iris-raw-columns");
        String csv = TrainFixtures.SMALL_IRIS.replace("species", "garden,planted,tag,species");
        StringBuilder rows = new StringBuilder();
        int i = 0;
        for (String line : csv.lines().toList()) {
            if (i > 0) {
                line = line.replaceFirst(",([a-z]+)$", "," + (i % 4 == 0 ? "" : new String[] {"north", "south", "east"}[i % 3])
                        + "," + (i % 5 == 0 ? "NA" : "2024-0" + (1 + i % 9) + "-1" + (i % 10)) + ",t" + i + ",$1");
            }
            rows.append(line).append('\n');
            i++;
        }
        request.put("dataset", Map.of("csv", rows.toString()));
        String jobId = submit(request);

        assertThat(deliver(inserted(jobId, "INSERT", "job")).getBatchItemFailures()).isEmpty();

        var response = invoke(api, withPath(withBearer(load("train-get.json"), alice), "/train/" + jobId,
                Map.of("job_id", jobId)));
        JsonNode view = body(response);
        assertThat(view.get("status").asText()).as(view.path("error").asText()).isEqualTo("succeeded");
        JsonNode columns = view.get("result").get("columns");
        assertThat(columns.findValuesAsText("name")).containsExactly("sepal_length", "sepal_width", "petal_length",
                "petal_width", "garden", "planted", "tag");
        assertThat(columns.findValuesAsText("type")).containsExactly("numeric", "numeric", "numeric", "numeric",
                "categorical", "date", "id");
        assertThat(columns.get(4).get("categories").toString()).isEqualTo("[\"east\",\"north\",\"south\"]");
        assertThat(columns.get(6).get("encoding").asText()).contains("an id");
        Manifest manifest = storage.registry().resolve(ModelRef.parse("model", "iris-raw-columns:1"));
        assertThat(manifest.featureNames()).containsExactly("sepal_length", "sepal_width", "petal_length",
                "petal_width", "garden", "planted");
        assertThat(manifest.parameters()).containsKey("columns");
        assertThat(manifest.inputs()).extracting(spec -> spec.name()).containsExactlyInAnyOrder("numeric", "text");
    }
}
