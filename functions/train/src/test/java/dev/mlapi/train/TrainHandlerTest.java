package dev.mlapi.train;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.header;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The train function's API through its Lambda handler, on DynamoDB Local and S3Proxy: a request
 * is checked completely before a job exists, jobs are listed, read and cancelled by their owner
 * (or an admin), a stale running job is reported failed, and datasets go through a presigned
 * upload checked on commit.
 */
class TrainHandlerTest {

    static TestStack stack;
    static S3ModelRegistry registry;
    static TrainHandler handler;
    static TrainingTable table;
    static String alice;
    static String bob;
    static String admin;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        handler = new TrainHandler(stack.wiring());
        table = TrainComponents.table(stack.wiring());
        alice = stack.signedIn("alice", Role.USER).token();
        bob = stack.signedIn("bob", Role.USER).token();
        admin = stack.signedIn("root", Role.ADMIN).token();
        registry.register(ModelRegistration.builder().setName("bobs-model").setKind(ModelKind.TABULAR)
                .setModelFile("model.onnx").setCreatedBy("bob").optFeatureNames(TabularOnnx.IRIS_FEATURES).build(),
                List.of(new ModelFile("model.onnx", TabularOnnx.irisTree())));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static Map<String, Object> request(String modelName, String csv) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model_name", modelName);
        body.put("algorithm", "decision_tree");
        body.put("target", "species");
        body.put("dataset", Map.of("csv", csv));
        body.put("params", Map.of("max_depth", List.of(2, 3)));
        body.put("cv_folds", 3);
        body.put("seed", 1);
        return body;
    }

    static APIGatewayV2HTTPResponse call(String file, String token) {
        return invoke(handler, withBearer(load(file), token));
    }

    static APIGatewayV2HTTPResponse submit(String token, Object body) {
        return invoke(handler, withJson(withBearer(load("train-submit-inline.json"), token), body));
    }

    static APIGatewayV2HTTPResponse onJob(String file, String token, String jobId) {
        return invoke(handler, withPath(withBearer(load(file), token), "/train/" + jobId, Map.of("job_id", jobId)));
    }

    static APIGatewayV2HTTPResponse list(String token, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = withBearer(load("train-list.json"), token);
        event.setQueryStringParameters(new HashMap<>(query));
        return invoke(handler, event);
    }

    static int jobsOf(String owner) {
        return table.listJobs(java.util.Optional.of(owner), java.util.Optional.empty(), 100).items().size();
    }

    @Test
    void submit_whenValid_answers202AndQueuesTheJobWithItsCsvStored() {
        var response = submit(alice, request("alices-iris", TrainFixtures.SMALL_IRIS));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        JsonNode accepted = body(response);
        String jobId = accepted.get("job_id").asText();
        assertThat(accepted.get("status").asText()).isEqualTo("queued");
        assertThat(accepted.get("status_url").asText()).isEqualTo("/train/" + jobId);
        assertThat(header(response, "location")).isEqualTo("/train/" + jobId);
        TrainingJob job = table.findJob(jobId).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.total()).as("2 candidates × 3 folds + refit").isEqualTo(7);
        assertThat(job.request()).doesNotContain("setosa").contains("max_depth");
        var files = TrainComponents.Storage.create(stack.wiring()).files();
        assertThat(new String(files.read(job.datasetKey()).orElseThrow(), StandardCharsets.UTF_8))
                .isEqualTo(TrainFixtures.SMALL_IRIS);
    }

    @Test
    void submit_whenCsvOrParamsAreBad_answers400NamingTheProblem_andCreatesNoJob() {
        int before = jobsOf("alice");
        String nonNumeric = TrainFixtures.SMALL_IRIS.replace("4.9,3.0,1.4", "4.9,abc,1.4");
        var badCell = submit(alice, request("bad", nonNumeric));
        assertThat(badCell.getStatusCode()).isEqualTo(400);
        assertThat(badCell.getBody()).contains("sepal_width");

        Map<String, Object> unknownParam = request("bad", TrainFixtures.SMALL_IRIS);
        unknownParam.put("params", Map.of("n_estimators", List.of(10)));
        var badParam = submit(alice, unknownParam);
        assertThat(badParam.getStatusCode()).isEqualTo(400);
        assertThat(badParam.getBody()).contains("n_estimators").contains("max_depth");

        Map<String, Object> unknownTarget = request("bad", TrainFixtures.SMALL_IRIS);
        unknownTarget.put("target", "colour");
        assertThat(submit(alice, unknownTarget).getStatusCode()).isEqualTo(400);

        Map<String, Object> tooManyFolds = request("bad", TrainFixtures.SMALL_IRIS);
        tooManyFolds.put("cv_folds", 20);
        assertThat(submit(alice, tooManyFolds).getStatusCode()).isEqualTo(400);

        Map<String, Object> badTestSize = request("bad", TrainFixtures.SMALL_IRIS);
        badTestSize.put("test_size", 0.7);
        var testSize = submit(alice, badTestSize);
        assertThat(testSize.getStatusCode()).isEqualTo(400);
        assertThat(testSize.getBody()).contains("test_size", "(0, 0.5]");

        Map<String, Object> heldOutTooSmall = request("bad", TrainFixtures.SMALL_IRIS);
        heldOutTooSmall.put("test_size", 0.05);
        var tooSmall = submit(alice, heldOutTooSmall);
        assertThat(tooSmall.getStatusCode()).isEqualTo(400);
        assertThat(tooSmall.getBody()).contains("test_size", "without that class");

        Map<String, Object> badWeight = request("bad", TrainFixtures.SMALL_IRIS);
        badWeight.put("class_weight", "auto");
        var weight = submit(alice, badWeight);
        assertThat(weight.getStatusCode()).isEqualTo(400);
        assertThat(weight.getBody()).contains("class_weight", "balanced");

        Map<String, Object> badOverride = request("bad", TrainFixtures.SMALL_IRIS.replace("species", "garden,species")
                .replace(",setosa", ",north,setosa").replace(",versicolor", ",south,versicolor")
                .replace(",virginica", ",east,virginica"));
        badOverride.put("columns", Map.of("garden", "numeric"));
        var override = submit(alice, badOverride);
        assertThat(override.getStatusCode()).isEqualTo(400);
        assertThat(override.getBody()).contains("columns.garden", "column 'garden'", "is not a number");

        assertThat(jobsOf("alice")).as("no job for a refused request").isEqualTo(before);
    }

    @Test
    void submit_intoAnotherUsersModel_is403_butAdminsMay() {
        var refused = submit(alice, request("bobs-model", TrainFixtures.SMALL_IRIS));
        assertThat(refused.getStatusCode()).isEqualTo(403);
        assertThat(submit(bob, request("bobs-model", TrainFixtures.SMALL_IRIS)).getStatusCode()).isEqualTo(202);
        assertThat(submit(admin, request("bobs-model", TrainFixtures.SMALL_IRIS)).getStatusCode()).isEqualTo(202);
    }

    @Test
    void getAndCancel_areTheOwnersOrAnAdmins_andACancelledJobCannotBeCancelledAgain() {
        String jobId = body(submit(alice, request("to-cancel", TrainFixtures.SMALL_IRIS))).get("job_id").asText();

        assertThat(onJob("train-get.json", bob, jobId).getStatusCode()).as("another user's job").isEqualTo(404);
        JsonNode job = body(onJob("train-get.json", alice, jobId));
        assertThat(job.get("status").asText()).isEqualTo("queued");
        assertThat(job.get("progress").get("total").asInt()).isEqualTo(7);
        assertThat(onJob("train-get.json", admin, jobId).getStatusCode()).isEqualTo(200);

        assertThat(onJob("train-cancel.json", bob, jobId).getStatusCode()).isEqualTo(404);
        var cancelled = onJob("train-cancel.json", alice, jobId);
        assertThat(cancelled.getStatusCode()).as(cancelled.getBody()).isEqualTo(200);
        assertThat(body(cancelled).get("status").asText()).isEqualTo("cancelled");
        assertThat(onJob("train-cancel.json", alice, jobId).getStatusCode()).isEqualTo(409);
        assertThat(onJob("train-get.json", alice, "job-" + "0".repeat(32)).getStatusCode()).isEqualTo(404);
        assertThat(onJob("train-get.json", alice, "../../etc").getStatusCode()).isEqualTo(404);
    }

    @Test
    void list_isNewestFirst_ownJobsOnly_andPagesWithSignedCursors() {
        String carol = stack.signedIn("carol", Role.USER).token();
        List<String> submitted = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            submitted.add(body(submit(carol, request("carols-" + i, TrainFixtures.SMALL_IRIS))).get("job_id").asText());
        }
        JsonNode first = body(list(carol, Map.of("limit", "2")));
        assertThat(first.get("items").findValuesAsText("job_id")).containsExactly(submitted.get(2), submitted.get(1));
        String cursor = first.get("next_cursor").asText();
        JsonNode second = body(list(carol, Map.of("limit", "2", "cursor", cursor)));
        assertThat(second.get("items").findValuesAsText("job_id")).containsExactly(submitted.get(0));
        assertThat(second.has("next_cursor")).isFalse();

        assertThat(list(alice, Map.of("limit", "2", "cursor", cursor)).getStatusCode())
                .as("a cursor of another caller's listing").isEqualTo(400);
        assertThat(list(alice, Map.of("user", "carol")).getStatusCode()).isEqualTo(403);
        assertThat(body(list(admin, Map.of("user", "carol"))).get("items")).hasSize(3);
        assertThat(body(list(admin, Map.of("limit", "100"))).get("items").findValuesAsText("owner"))
                .contains("alice", "carol");
    }

    @Test
    void get_ofARunningJobWhoseWorkerIsLongGone_reportsItFailedWithTheReason() {
        String jobId = body(submit(alice, request("stale", TrainFixtures.SMALL_IRIS))).get("job_id").asText();
        assertThat(table.claim(jobId, TrainingWorker.MAX_ATTEMPTS, Instant.now().minus(TrainingJobs.STALE_RUNNING)
                .minusSeconds(60))).isPresent();

        JsonNode job = body(onJob("train-get.json", alice, jobId));

        assertThat(job.get("status").asText()).isEqualTo("failed");
        assertThat(job.get("error").asText()).contains("worker stopped");
        assertThat(table.findJob(jobId).orElseThrow().status()).as("stored, not only shown").isEqualTo(JobStatus.FAILED);
    }

    @Test
    void datasets_uploadPresigned_commitChecksTheBytes_andTrainByDatasetId() throws Exception {
        byte[] csv = TrainFixtures.SMALL_IRIS.getBytes(StandardCharsets.UTF_8);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(csv));
        var reserved = invoke(handler, withJson(withBearer(load("train-dataset-reserve.json"), alice),
                Map.of("name", "iris.csv", "size", csv.length, "sha256", sha256)));
        assertThat(reserved.getStatusCode()).as(reserved.getBody()).isEqualTo(201);
        JsonNode upload = body(reserved);
        String id = upload.get("dataset_id").asText();

        assertThat(onDataset("train-dataset-commit.json", alice, id, "/commit").getStatusCode())
                .as("commit before the upload").isEqualTo(400);
        assertThat(trainOn(alice, id).getStatusCode()).as("train on an uncommitted dataset").isEqualTo(400);

        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(upload.get("upload").get("url").asText()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(csv));
        upload.get("upload").get("headers").fields().forEachRemaining(h -> {
            if (!h.getKey().equalsIgnoreCase("content-length")) {
                put.header(h.getKey(), h.getValue().asText());
            }
        });
        var stored = HttpClient.newHttpClient().send(put.build(), BodyHandlers.ofString());
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);

        var committed = onDataset("train-dataset-commit.json", alice, id, "/commit");
        assertThat(committed.getStatusCode()).as(committed.getBody()).isEqualTo(200);
        assertThat(body(committed).get("status").asText()).isEqualTo("ready");
        assertThat(onDataset("train-dataset-get.json", bob, id, "").getStatusCode()).isEqualTo(404);
        assertThat(body(invoke(handler, withBearer(load("train-dataset-list.json"), alice))).get("items")
                .findValuesAsText("dataset_id")).contains(id);
        assertThat(trainOn(bob, id).getStatusCode()).as("another user's dataset").isEqualTo(400);

        var accepted = trainOn(alice, id);
        assertThat(accepted.getStatusCode()).as(accepted.getBody()).isEqualTo(202);
        TrainingJob job = table.findJob(body(accepted).get("job_id").asText()).orElseThrow();
        assertThat(job.datasetId()).contains(id);
        assertThat(job.datasetKey()).isEqualTo(TrainingFiles.datasetKey(id));

        assertThat(onDataset("train-dataset-delete.json", bob, id, "").getStatusCode()).isEqualTo(404);
        assertThat(onDataset("train-dataset-delete.json", alice, id, "").getStatusCode()).isEqualTo(204);
        assertThat(onDataset("train-dataset-get.json", alice, id, "").getStatusCode()).isEqualTo(404);
    }

    @Test
    void datasets_commitOfOtherBytes_is400_andReserveChecksItsFields() {
        var badSha = invoke(handler, withJson(withBearer(load("train-dataset-reserve.json"), alice),
                Map.of("size", 10, "sha256", "ABC")));
        assertThat(badSha.getStatusCode()).isEqualTo(400);
        assertThat(badSha.getBody()).contains("sha256");
        var tooBig = invoke(handler, withJson(withBearer(load("train-dataset-reserve.json"), alice),
                Map.of("size", TrainingDatasets.MAX_BYTES + 1, "sha256", "0".repeat(64))));
        assertThat(tooBig.getStatusCode()).isEqualTo(400);

        var reserved = body(invoke(handler, withJson(withBearer(load("train-dataset-reserve.json"), alice),
                Map.of("size", 5, "sha256", "0".repeat(64)))));
        String id = reserved.get("dataset_id").asText();
        // Written around the presigned URL (as a client ignoring the checksum could not): commit must catch it.
        TrainComponents.Storage.create(stack.wiring()).files().put(TrainingFiles.datasetKey(id), "a,b\n".getBytes());
        var commit = onDataset("train-dataset-commit.json", alice, id, "/commit");
        assertThat(commit.getStatusCode()).isEqualTo(400);
        assertThat(commit.getBody()).contains("declared");
        assertThat(table.findDataset(id).orElseThrow().isReady()).isFalse();
    }

    static APIGatewayV2HTTPResponse onDataset(String file, String token, String id, String suffix) {
        return invoke(handler, withPath(withBearer(load(file), token), "/datasets/" + id + suffix,
                Map.of("dataset_id", id)));
    }

    static APIGatewayV2HTTPResponse trainOn(String token, String datasetId) {
        Map<String, Object> body = request("iris-from-dataset", "unused");
        body.remove("dataset");
        body.put("dataset_id", datasetId);
        return submit(token, body);
    }

    @Test
    void submit_whenTwoUsersRaceForTheSameNewName_acceptsExactlyOne_andRefusesTheOther() throws Exception {
        for (int round = 0; round < 4; round++) {
            String first = stack.signedIn("racer-a" + round, Role.USER).token();
            String second = stack.signedIn("racer-b" + round, Role.USER).token();
            Map<String, Object> request = request("contested-" + round, TrainFixtures.SMALL_IRIS);
            request.put("deploy", true);
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
            var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var a = pool.submit(() -> {
                    together.await();
                    return submit(first, request);
                });
                var b = pool.submit(() -> {
                    together.await();
                    return submit(second, request);
                });
                List<Integer> statuses = List.of(a.get().getStatusCode(), b.get().getStatusCode());

                assertThat(statuses).as("round " + round + ": " + a.get().getBody() + " / " + b.get().getBody())
                        .containsExactlyInAnyOrder(202, 403);
                var refused = a.get().getStatusCode() == 403 ? a.get() : b.get();
                assertThat(refused.getBody()).contains("contested-" + round, "belongs to another user");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void submit_claimsTheNameForItsOwner_soAnotherUsersLaterSubmitIs403EvenBeforeAnyVersionExists() {
        String ursula = stack.signedIn("ursula", Role.USER).token();
        String victor = stack.signedIn("victor", Role.USER).token();
        assertThat(submit(ursula, request("claimed-early", TrainFixtures.SMALL_IRIS)).getStatusCode()).isEqualTo(202);

        var refused = submit(victor, request("claimed-early", TrainFixtures.SMALL_IRIS));

        assertThat(refused.getStatusCode()).as(refused.getBody()).isEqualTo(403);
        assertThat(submit(ursula, request("claimed-early", TrainFixtures.SMALL_IRIS)).getStatusCode()).isEqualTo(202);
        assertThat(submit(admin, request("claimed-early", TrainFixtures.SMALL_IRIS)).getStatusCode())
                .as("admins may train into anyone's model").isEqualTo(202);
    }

    @Test
    void submit_whenTheGridIsHuge_answers400NamingTheParameterAndTheLimit_andCreatesNoJob() {
        int before = jobsOf("alice");
        Map<String, Object> request = request("huge-grid", TrainFixtures.SMALL_IRIS);
        request.put("params", Map.of("max_depth", java.util.stream.IntStream.rangeClosed(1, 3000).boxed().toList(),
                "min_samples_leaf", java.util.stream.IntStream.rangeClosed(1, 3000).boxed().toList()));

        var response = submit(alice, request);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(response.getBody()).contains("params.", "3000 values", "at most 100");
        assertThat(jobsOf("alice")).isEqualTo(before);
    }

    @Test
    void submit_whenANumberWouldWrap_answers400NamingParameterValueAndRange() {
        String forest = "{\"model_name\":\"wrapped\",\"algorithm\":\"random_forest\",\"target\":\"species\","
                + "\"dataset\":{\"csv\":" + dev.mlapi.core.json.Json.writeString(TrainFixtures.SMALL_IRIS) + "},"
                + "\"cv_folds\":3,\"params\":";
        for (String params : List.of("{\"n_estimators\":[4294967297]}", "{\"max_depth\":[4294967297]}",
                "{\"max_depth\":[1e30]}")) {
            var event = withBearer(load("train-submit-inline.json"), alice);
            event.setBody(forest + params + "}");
            event.setIsBase64Encoded(false);

            var response = invoke(handler, event);

            assertThat(response.getStatusCode()).as(params + ": " + response.getBody()).isEqualTo(400);
            assertThat(response.getBody()).contains(params.contains("n_estimators") ? "1..500" : "1..64");
        }
    }

    @Test
    void submit_whenTheRequestWithoutItsCsvExceeds32KB_is413BeforeAnythingIsParsed() {
        Map<String, Object> request = request("padded", TrainFixtures.SMALL_IRIS);
        request.put("params", Map.of("criterion", java.util.Collections.nCopies(90, "x".repeat(400))));

        var response = submit(alice, request);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(413);
        assertThat(response.getBody()).contains("without its dataset", Integer.toString(TrainingJobs.MAX_REQUEST_BYTES));
    }
}
