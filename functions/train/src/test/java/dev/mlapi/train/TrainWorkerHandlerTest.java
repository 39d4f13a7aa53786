package dev.mlapi.train;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelRef;
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

    static TrainFixtures.Pipeline train;

    @BeforeAll
    static void start() {
        train = TrainFixtures.Pipeline.start();
    }

    @AfterAll
    static void stop() {
        train.close();
    }

    /** The record to the planner, then every task it (and its fits) sent to the fit worker, to the end. */
    static StreamsEventResponse deliver(DynamodbEvent event) {
        StreamsEventResponse response = train.planner.handleRequest(event, new LocalContext(UUID.randomUUID().toString(),
                "train-worker", System.currentTimeMillis() + Duration.ofMinutes(15).toMillis()));
        train.queue.drain(train.fitWorker);
        return response;
    }

    @Test
    void sampleEvent_runsItsJob_registersTheModel_andARedeliveryChangesNothing() {
        String jobId = "job-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        DynamodbEvent event = EventLoader.loadDynamoDbEvent(Events.folder().resolve("train-worker-job-inserted.json")
                .toString());
        var image = event.getRecords().get(0).getDynamodb().getNewImage();
        train.storage.files().put(image.get("dataset_key").getS(), TrainFixtures.SMALL_IRIS.getBytes(StandardCharsets.UTF_8));
        train.table.createJob(new TrainingJob(jobId, "alice", JobStatus.QUEUED, "iris-sample", "decision_tree",
                "classification", image.get("request").getS(), image.get("dataset_key").getS(), Optional.empty(),
                Instant.now(), Optional.empty(), Optional.empty(), 0, 7, 0, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty()), Instant.now().plus(Duration.ofDays(1)));

        StreamsEventResponse response = deliver(event);

        assertThat(response.getBatchItemFailures()).isEmpty();
        TrainingJob done = train.job(jobId);
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
        Manifest manifest = train.storage.registry().resolve(ModelRef.parse("model", "iris-sample:1"));
        assertThat(manifest.createdBy()).isEqualTo("alice");
        assertThat(manifest.featureNames()).containsExactly("sepal_length", "sepal_width", "petal_length", "petal_width");

        assertThat(deliver(event).getBatchItemFailures()).isEmpty();
        assertThat(train.job(jobId).attempts()).as("a finished job is not started again").isEqualTo(1);
        assertThat(train.versionsOf("iris-sample")).isEqualTo(1);
    }

    @Test
    void aJobWhoseWorkerDied_isRestarted_andOnceOutOfAttempts_failedWithTheReason() {
        String restarted = train.submit(TrainFixtures.irisTree("restarted"));
        assertThat(train.table.claim(restarted, TrainingWorker.MAX_ATTEMPTS, Instant.now())).as("the worker that died")
                .isPresent();
        deliver(TrainFixtures.inserted(restarted, "INSERT", "job"));
        assertThat(train.job(restarted).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(train.job(restarted).attempts()).isEqualTo(2);

        String exhausted = train.submit(TrainFixtures.irisTree("exhausted"));
        for (int i = 0; i < TrainingWorker.MAX_ATTEMPTS; i++) {
            train.table.claim(exhausted, TrainingWorker.MAX_ATTEMPTS, Instant.now());
        }
        assertThat(deliver(TrainFixtures.inserted(exhausted, "INSERT", "job")).getBatchItemFailures()).isEmpty();
        TrainingJob failed = train.job(exhausted);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().orElseThrow()).contains("stopped without finishing 3 times");
        assertThat(train.versionsOf("exhausted")).isZero();
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
        String jobId = train.submit(request);

        CompletableFuture<StreamsEventResponse> running = CompletableFuture.supplyAsync(
                () -> deliver(TrainFixtures.inserted(jobId, "INSERT", "job")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (train.job(jobId).done() == 0 && !running.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(running.isDone()).as("the grid outlasts its first progress report").isFalse();
        assertThat(train.table.cancel(jobId, "alice", Instant.now())).isTrue();

        assertThat(running.get(120, TimeUnit.SECONDS).getBatchItemFailures()).isEmpty();
        TrainingJob cancelled = train.job(jobId);
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.done()).isLessThan(cancelled.total());
        assertThat(train.versionsOf("cancelled-forest")).isZero();
    }

    @Test
    void aJobWhoseDatasetVanished_failsWithTheReason_withoutRetries() {
        String jobId = train.submit(TrainFixtures.irisTree("vanished"));
        train.storage.files().delete(train.job(jobId).datasetKey());

        assertThat(deliver(TrainFixtures.inserted(jobId, "INSERT", "job")).getBatchItemFailures()).isEmpty();

        assertThat(train.job(jobId).status()).isEqualTo(JobStatus.FAILED);
        assertThat(train.job(jobId).error().orElseThrow()).contains("deleted");
    }

    static String jobsTableName() {
        return train.stack.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS);
    }

    static List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> jobsTable() {
        return train.stack.wiring().dynamoDb().scanPaginator(r -> r.tableName(jobsTableName()).consistentRead(true)).items()
                .stream().toList();
    }

    /** The key of the job the priming batch names, as the DynamoDB client writes it. */
    static Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> primingKey() {
        return Map.of(TrainingTable.ID, software.amazon.awssdk.services.dynamodb.model.AttributeValue
                .fromS(PrimingBatch.JOB_ID));
    }

    @Test
    void prime_runsAStreamBatchForAJobNoOneHas_writesNothing_andTheHandlerThenRunsARealJob() {
        String waiting = train.submit(TrainFixtures.irisTree("after-priming"));
        var before = jobsTable();

        train.planner.prime();

        assertThat(jobsTable()).as("the failed claim created no item and changed none")
                .containsExactlyInAnyOrderElementsOf(before);
        assertThat(train.stack.wiring().dynamoDb().getItem(r -> r.tableName(jobsTableName()).consistentRead(true)
                .key(primingKey())).hasItem()).isFalse();

        assertThat(deliver(TrainFixtures.inserted(waiting, "INSERT", "job")).getBatchItemFailures()).isEmpty();
        assertThat(train.job(waiting).status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void prime_goesThroughTheRealClaim_soAJobThatHadThePrimingIdWouldBeRun() {
        Instant now = Instant.now();
        train.table.createJob(new TrainingJob(PrimingBatch.JOB_ID, "alice", JobStatus.QUEUED, "primed", "decision_tree",
                "classification", "{}", "training/jobs/none/data.csv", Optional.empty(), now, Optional.empty(),
                Optional.empty(), 0, 1, 0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()),
                now.plus(Duration.ofDays(1)));
        try {
            train.planner.prime();

            TrainingJob claimed = train.job(PrimingBatch.JOB_ID);
            assertThat(claimed.attempts()).as("the priming record's claim took effect on an existing job").isEqualTo(1);
            assertThat(claimed.status()).as("and its missing dataset failed it").isEqualTo(JobStatus.FAILED);
        } finally {
            train.stack.wiring().dynamoDb().deleteItem(r -> r.tableName(jobsTableName()).key(primingKey()));
        }
    }

    @Test
    void recordsThatInsertNoJob_areIgnored() {
        String jobId = train.submit(TrainFixtures.irisTree("ignored"));

        assertThat(deliver(TrainFixtures.inserted(jobId, "MODIFY", "job")).getBatchItemFailures()).isEmpty();
        assertThat(deliver(TrainFixtures.inserted(jobId, "INSERT", "dataset")).getBatchItemFailures()).isEmpty();

        assertThat(train.job(jobId).status()).isEqualTo(JobStatus.QUEUED);
        assertThat(train.job(jobId).attempts()).isZero();
    }

    @Test
    void aJobWhoseModelNameWasTakenMeanwhile_failsWithTheReason_andRegistersAndDeploysNothing() {
        // A job queued without a claim on its name (as every job was before names were claimed at submit)…
        String jobId = "job-" + UUID.randomUUID().toString().replace("-", "");
        String datasetKey = TrainingFiles.jobCsvKey(jobId);
        train.storage.files().put(datasetKey, TrainFixtures.SMALL_IRIS.getBytes(StandardCharsets.UTF_8));
        Map<String, Object> request = TrainFixtures.irisTree("taken-meanwhile");
        request.remove("dataset");
        request.put("deploy", true);
        train.table.createJob(new TrainingJob(jobId, "alice", JobStatus.QUEUED, "taken-meanwhile", "decision_tree",
                "classification", Json.writeString(request), datasetKey, Optional.empty(), Instant.now(),
                Optional.empty(), Optional.empty(), 0, 10, 0, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty()), Instant.now().plus(Duration.ofDays(1)));
        // …and another user registers the name's first version before the worker runs.
        train.storage.registry().register(dev.mlapi.registry.ModelRegistration.builder().setName("taken-meanwhile")
                .setKind(dev.mlapi.registry.ModelKind.TABULAR).setModelFile("model.onnx").setCreatedBy("bob")
                .optFeatureNames(dev.mlapi.inference.TabularOnnx.IRIS_FEATURES).build(),
                List.of(new dev.mlapi.registry.ModelFile("model.onnx", dev.mlapi.inference.TabularOnnx.irisTree())));

        assertThat(deliver(TrainFixtures.inserted(jobId, "INSERT", "job")).getBatchItemFailures()).isEmpty();

        TrainingJob failed = train.job(jobId);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().orElseThrow()).contains("model name 'taken-meanwhile' belongs to another user");
        assertThat(train.versionsOf("taken-meanwhile")).as("only bob's version").isEqualTo(1);
        assertThat(train.storage.registry().find(ModelRef.parse("model", "taken-meanwhile@production"))).isEmpty();
    }

    @Test
    void anAdminsUploadWhileAUsersJobRuns_leavesTheNameTheUsers_andTheJobDeploysItsVersion() {
        Map<String, Object> request = TrainFixtures.irisTree("claimed-then-uploaded");
        request.put("deploy", true);
        String jobId = train.submit(request);
        train.storage.registry().register(dev.mlapi.registry.ModelRegistration.builder().setName("claimed-then-uploaded")
                .setKind(dev.mlapi.registry.ModelKind.TABULAR).setModelFile("model.onnx").setCreatedBy("root")
                .optFeatureNames(dev.mlapi.inference.TabularOnnx.IRIS_FEATURES).build(),
                List.of(new dev.mlapi.registry.ModelFile("model.onnx", dev.mlapi.inference.TabularOnnx.irisTree())));

        assertThat(deliver(TrainFixtures.inserted(jobId, "INSERT", "job")).getBatchItemFailures()).isEmpty();

        assertThat(train.job(jobId).status()).as(train.job(jobId).error().orElse("")).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(train.storage.registry().owner("claimed-then-uploaded")).as("claimed at submit").contains("alice");
        Manifest production = train.storage.registry().resolve(ModelRef.parse("model", "claimed-then-uploaded@production"));
        assertThat(production.version()).isEqualTo(2);
        assertThat(production.createdBy()).isEqualTo("alice");
    }

    @Test
    void aJobWithTestSize_showsTheHeldOutScoresAndImportances_inGetTrain() {
        Map<String, Object> request = TrainFixtures.irisTree("iris-held-out");
        request.put("test_size", 0.34);
        request.put("class_weight", "balanced");
        String jobId = train.submit(request);

        assertThat(deliver(TrainFixtures.inserted(jobId, "INSERT", "job")).getBatchItemFailures()).isEmpty();

        var response = invoke(train.api, withPath(withBearer(load("train-get.json"), train.alice), "/train/" + jobId,
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
        Manifest manifest = train.storage.registry().resolve(ModelRef.parse("model", "iris-held-out:1"));
        assertThat(manifest.metrics()).containsKeys("held_out", "feature_importances");
        assertThat(((Number) manifest.parameters().get("training_rows")).intValue()).isEqualTo(12);
    }

    @Test
    void aJobOnATableWithTextBlanksAndDates_listsEveryColumnInTheResult_andTheVersionTakesRawColumns() {
        Map<String, Object> request = TrainFixtures.irisTree("iris-raw-columns");
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
        String jobId = train.submit(request);

        assertThat(deliver(TrainFixtures.inserted(jobId, "INSERT", "job")).getBatchItemFailures()).isEmpty();

        var response = invoke(train.api, withPath(withBearer(load("train-get.json"), train.alice), "/train/" + jobId,
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
        Manifest manifest = train.storage.registry().resolve(ModelRef.parse("model", "iris-raw-columns:1"));
        assertThat(manifest.featureNames()).containsExactly("sepal_length", "sepal_width", "petal_length",
                "petal_width", "garden", "planted");
        assertThat(manifest.parameters()).containsKey("columns");
        assertThat(manifest.inputs()).extracting(spec -> spec.name()).containsExactlyInAnyOrder("numeric", "text");
    }
}
