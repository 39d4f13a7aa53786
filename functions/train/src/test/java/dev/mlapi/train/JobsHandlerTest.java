package dev.mlapi.train;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.jobs.JobKind;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /jobs} through the train function's Lambda handler, on DynamoDB Local and S3Proxy: every
 * kind of job of the training table listed together (or one kind), read and cancelled by its owner
 * or an admin, with signed cursors; a batch scoring job's CSV is a download URL signed on each read.
 */
class JobsHandlerTest {

    static TestStack stack;
    static TrainHandler handler;
    static TrainingTable table;
    static TrainingFiles files;
    static String alice;
    static String bob;
    static String admin;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        handler = new TrainHandler(stack.wiring());
        table = TrainComponents.table(stack.wiring());
        files = TrainComponents.Storage.create(stack.wiring()).files();
        alice = stack.signedIn("alice", Role.USER).token();
        bob = stack.signedIn("bob", Role.USER).token();
        admin = stack.signedIn("root", Role.ADMIN).token();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static String trainJob(String token, String model) {
        var response = invoke(handler, withJson(withBearer(load("train-submit-inline.json"), token),
                TrainHandlerTest.request(model, TrainFixtures.SMALL_IRIS)));
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        return body(response).get("job_id").asText();
    }

    /** A batch scoring job as the predict function inserts it (core's JobsTable): counted in its owner's active jobs. */
    static String batchJob(String owner) {
        String id = TrainIds.newJobId();
        String dataset = TrainIds.newDatasetId();
        assertThat(jobsTable().insert(id, owner, JobKind.PREDICT_BATCH, "iris@production",
                "{\"model\":\"iris@production\",\"dataset_id\":\"" + dataset + "\"}", TrainingFiles.datasetKey(dataset),
                Optional.of(dataset), Instant.now(), Instant.now().plusSeconds(3600), OptionalInt.empty())).isTrue();
        return id;
    }

    static JobsTable jobsTable() {
        return new JobsTable(stack.wiring().dynamoDb(), stack.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS));
    }

    static APIGatewayV2HTTPResponse list(String token, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = withBearer(load("train-jobs-list.json"), token);
        event.setQueryStringParameters(new HashMap<>(query));
        return invoke(handler, event);
    }

    static APIGatewayV2HTTPResponse onJob(String file, String token, String jobId) {
        return invoke(handler, withPath(withBearer(load(file), token), "/jobs/" + jobId, Map.of("id", jobId)));
    }

    @Test
    void list_showsEveryKindTogether_orOneKind_ownJobsOnly_newestFirst() {
        String dana = stack.signedIn("dana", Role.USER).token();
        String train = trainJob(dana, "danas-iris");
        String batch = batchJob("dana");
        batchJob("bob");

        JsonNode all = body(list(dana, Map.of()));
        assertThat(all.get("items").findValuesAsText("job_id")).containsExactly(batch, train);
        assertThat(all.get("items").findValuesAsText("job_kind")).containsExactly("predict_batch", "train");
        assertThat(all.get("items").get(0).get("progress").get("unit").asText()).isEqualTo("chunks");
        assertThat(all.get("items").get(1).get("progress").get("unit").asText()).isEqualTo("fits");
        assertThat(all.get("items").get(0).has("algorithm")).as("a batch job has no algorithm").isFalse();

        assertThat(body(list(dana, Map.of("kind", "predict_batch"))).get("items").findValuesAsText("job_id"))
                .containsExactly(batch);
        assertThat(body(list(dana, Map.of("kind", "train"))).get("items").findValuesAsText("job_id"))
                .containsExactly(train);
        assertThat(body(invoke(handler, withBearer(load("train-list.json"), dana))).get("items")
                .findValuesAsText("job_id")).as("GET /train lists training jobs only").containsExactly(train);
        assertThat(body(list(admin, Map.of("user", "dana"))).get("items")).hasSize(2);
        assertThat(list(dana, Map.of("user", "bob")).getStatusCode()).isEqualTo(403);

        var badKind = list(dana, Map.of("kind", "predict"));
        assertThat(badKind.getStatusCode()).isEqualTo(400);
        assertThat(badKind.getBody()).contains("kind", "predict_batch", "classify_batch");
    }

    @Test
    void listOfOneKind_pagesWithSignedCursors_acrossJobsOfOtherKinds() {
        String erin = stack.signedIn("erin", Role.USER).token();
        List<String> batches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // cancelled at once: all six count against erin's three active jobs while queued
            batches.add(batchJob("erin"));
            assertThat(table.cancel(batches.get(i), "erin", Instant.now())).isTrue();
            assertThat(table.cancel(trainJob(erin, "erins-" + i), "erin", Instant.now())).isTrue();
        }
        JsonNode first = body(list(erin, Map.of("kind", "predict_batch", "limit", "2")));
        assertThat(first.get("items").findValuesAsText("job_id")).containsExactly(batches.get(2), batches.get(1));
        String cursor = first.get("next_cursor").asText();
        JsonNode second = body(list(erin, Map.of("kind", "predict_batch", "limit", "2", "cursor", cursor)));
        assertThat(second.get("items").findValuesAsText("job_id")).containsExactly(batches.get(0));
        assertThat(second.has("next_cursor")).isFalse();

        assertThat(list(erin, Map.of("kind", "train", "limit", "2", "cursor", cursor)).getStatusCode())
                .as("a cursor of another kind's listing").isEqualTo(400);
        assertThat(list(alice, Map.of("kind", "predict_batch", "limit", "2", "cursor", cursor)).getStatusCode())
                .as("a cursor of another caller's listing").isEqualTo(400);
    }

    @Test
    void get_ofASucceededBatchJob_signsADownloadUrlOfItsCsv_andHidesTheKey() throws Exception {
        String id = batchJob("alice");
        String key = "training/batch/" + id + "/result.csv";
        files.put(key, "a,prediction\n1,x\n".getBytes(StandardCharsets.UTF_8));
        JobsTable jobs = jobsTable();
        assertThat(jobs.start(id, 1, Instant.now())).isTrue();
        assertThat(jobs.countUnit(id, "part#0", Map.of(), Instant.now())).isEqualTo(JobsTable.Count.LAST);
        assertThat(jobs.countUnit(id, "part#0", Map.of(), Instant.now())).as("redelivered")
                .isEqualTo(JobsTable.Count.DUPLICATE);
        assertThat(jobs.succeed(id, "{\"rows\":1,\"chunks\":1,\"object_key\":\"" + key + "\"}", Instant.now()))
                .isTrue();
        assertThat(body(onJob("train-jobs-get.json", alice, id)).get("progress").get("done").asInt()).isEqualTo(1);

        var response = onJob("train-jobs-get.json", alice, id);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode result = body(response).get("result");
        assertThat(result.has("object_key")).isFalse();
        assertThat(result.get("rows").asInt()).isEqualTo(1);
        var download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(result.get("download_url").asText())).build(), BodyHandlers.ofString());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo("a,prediction\n1,x\n");
        assertThat(onJob("train-jobs-get.json", bob, id).getStatusCode()).as("another user's job").isEqualTo(404);
        assertThat(onJob("train-jobs-get.json", admin, id).getStatusCode()).isEqualTo(200);
    }

    @Test
    void trainWorker_takesOnlyTrainingJobsFromTheStream_notBatchJobsOfTheSameTable() {
        String batch = batchJob("alice");
        String train = trainJob(alice, "alices-streamed");
        assertThat(TrainWorkerHandler.insertedJob(inserted(batch))).as("a batch job is batch-worker's").isEmpty();
        assertThat(TrainWorkerHandler.insertedJob(inserted(train))).contains(train);
        table.cancel(batch, "alice", Instant.now());
        table.cancel(train, "alice", Instant.now());
    }

    /** The stream record DynamoDB writes when job {@code id}'s item was inserted, its new image read back. */
    static com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord inserted(String id) {
        var item = stack.wiring().dynamoDb().getItem(r -> r.tableName(stack.config().environment().tableName(
                dev.mlapi.catalog.TableCatalog.JOBS_AND_DATASETS)).key(Map.of("id",
                software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(id)))).item();
        Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> image = new HashMap<>();
        item.forEach((name, value) -> {
            var converted = new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue();
            if (value.s() != null) {
                converted.setS(value.s());
            } else if (value.n() != null) {
                converted.setN(value.n());
            } else if (value.bool() != null) {
                converted.setBOOL(value.bool());
            }
            image.put(name, converted);
        });
        var record = new com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord();
        record.setEventName("INSERT");
        var stream = new com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord();
        stream.setNewImage(image);
        record.setDynamodb(stream);
        return record;
    }

    @Test
    void cancel_ofAnyKind_givesTheSlotBack_andAFinishedJobIs409() {
        String frank = stack.signedIn("frank", Role.USER).token();
        String id = batchJob("frank");
        assertThat(table.usage("frank").activeJobs()).isEqualTo(1);

        assertThat(onJob("train-jobs-cancel.json", bob, id).getStatusCode()).isEqualTo(404);
        var cancelled = onJob("train-jobs-cancel.json", frank, id);
        assertThat(cancelled.getStatusCode()).as(cancelled.getBody()).isEqualTo(200);
        assertThat(body(cancelled).get("status").asText()).isEqualTo("cancelled");
        assertThat(body(cancelled).get("job_kind").asText()).isEqualTo("predict_batch");
        assertThat(table.usage("frank").activeJobs()).isZero();
        assertThat(onJob("train-jobs-cancel.json", frank, id).getStatusCode()).isEqualTo(409);

        String train = trainJob(frank, "franks-iris");
        assertThat(body(onJob("train-jobs-get.json", frank, train)).get("job_kind").asText())
                .as("/jobs/{id} reads training jobs too").isEqualTo("train");
        assertThat(onJob("train-jobs-cancel.json", frank, train).getStatusCode()).isEqualTo(200);
        assertThat(onJob("train-jobs-get.json", frank, "../../etc").getStatusCode()).isEqualTo(404);
    }
}
