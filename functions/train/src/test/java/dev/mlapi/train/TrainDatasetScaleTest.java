package dev.mlapi.train;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stored datasets at scale, through the presigned upload, the API, the planner and the fit worker on
 * DynamoDB Local, S3Proxy and ElasticMQ: a dataset over 20 MB trains (the worker streams it into the parser; Jackson's
 * 20-million-character limit applies to parsed JSON text, never met here), the API checks a stored dataset's header
 * only and the worker its rows (a row-level problem fails the job with the message an inline CSV's
 * 400 gives), and the row and column limits ({@code TRAINING_MAX_ROWS}, {@code TRAINING_MAX_COLUMNS})
 * are named with the number found.
 */
class TrainDatasetScaleTest {

    static final int MAX_ROWS = 60_000;
    static final int MAX_COLUMNS = 12;

    static TrainingQueue queue;
    static TestStack stack;
    static TrainHandler api;
    static TrainWorkerHandler worker;
    static FitWorkerHandler fitWorker;
    static TrainingTable table;
    static String alice;

    @BeforeAll
    static void start() {
        queue = TrainingQueue.start();
        Map<String, String> environment = new java.util.HashMap<>(queue.environment());
        environment.putAll(Map.of("TRAINING_MAX_ROWS", Integer.toString(MAX_ROWS),
                "TRAINING_MAX_COLUMNS", Integer.toString(MAX_COLUMNS), "TOKEN_TTL_SECONDS", "86400"));
        stack = TestStack.start(environment);
        api = new TrainHandler(stack.wiring());
        worker = new TrainWorkerHandler(stack.wiring());
        fitWorker = new FitWorkerHandler(stack.wiring());
        table = TrainComponents.table(stack.wiring());
        alice = stack.signedIn("alice", Role.USER).token();
    }

    @AfterAll
    static void stop() {
        stack.close();
        queue.close();
    }

    @Test
    void storedDatasetOver20MB_isCheckedByItsHeader_andTrainsThroughTheWorker() throws Exception {
        byte[] csv = wideTextCsv(21_000);
        assertThat(csv.length).as("over 20 million characters").isGreaterThan(21_000_000);
        String id = store(csv);

        Map<String, Object> request = tree("big-stored", id);
        request.put("exclude", List.of("comment"));
        String jobId = accepted(request);
        runWorker(jobId);

        TrainingJob job = table.findJob(jobId).orElseThrow();
        assertThat(job.status()).as(job.error().orElse("")).isEqualTo(JobStatus.SUCCEEDED);
        JsonNode result = dev.mlapi.core.json.Json.readTree(job.result().orElseThrow().getBytes(StandardCharsets.UTF_8));
        assertThat(result.get("columns").findValuesAsText("name")).contains("comment", "a", "f");
        assertThat(result.get("best_score").asDouble()).isGreaterThan(0.6);
    }

    @Test
    void storedDataset_rowLevelProblem_isAcceptedThenFailsTheJobWithTheInlineMessage() throws Exception {
        String csv = "a,b,label\n1,2,yes\n3,x,no\n4,5,yes\n6,7,no\n";
        Map<String, Object> inline = tree("row-problem", null);
        inline.put("dataset", Map.of("csv", csv));
        var refused = submit(inline);
        assertThat(refused.getStatusCode()).isEqualTo(400);
        String detail = body(refused).get("detail").asText();
        assertThat(detail).contains("row 3", "'b'", "'x'");

        String jobId = accepted(tree("row-problem", store(csv.getBytes(StandardCharsets.UTF_8))));
        runWorker(jobId);

        TrainingJob job = table.findJob(jobId).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error().orElseThrow()).contains(detail);
    }

    @Test
    void storedDatasetOverTheRowLimit_failsTheJobNamingTheLimitAndTheRowsFound() throws Exception {
        StringBuilder csv = new StringBuilder("x,label\n");
        for (int i = 0; i < MAX_ROWS + 10; i++) {
            csv.append(i % 97).append(',').append(i % 2 == 0 ? "even" : "odd").append('\n');
        }
        String jobId = accepted(tree("too-long", store(csv.toString().getBytes(StandardCharsets.UTF_8))));
        runWorker(jobId);

        TrainingJob job = table.findJob(jobId).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error().orElseThrow()).contains("60,010 data rows", "at most 60,000", "TRAINING_MAX_ROWS");
    }

    @Test
    void inlineCsvOverTheRowLimit_is400NamingTheLimitAndTheRowsFound() {
        StringBuilder csv = new StringBuilder("x,label\n");
        for (int i = 0; i < MAX_ROWS + 1; i++) {
            csv.append(i % 7).append(',').append(i % 2).append('\n');
        }
        Map<String, Object> request = tree("too-long-inline", null);
        request.put("dataset", Map.of("csv", csv.toString()));
        var response = submit(request);
        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(response.getBody()).contains("60,001 data rows", "at most 60,000", "TRAINING_MAX_ROWS");
    }

    @Test
    void storedDatasetOverTheColumnLimit_is400FromItsHeaderAlone_andCreatesNoJob() throws Exception {
        StringBuilder csv = new StringBuilder();
        for (int c = 0; c < MAX_COLUMNS; c++) {
            csv.append('c').append(c).append(',');
        }
        csv.append("label\n");
        csv.append("1,".repeat(MAX_COLUMNS)).append("yes\n");
        String id = store(csv.toString().getBytes(StandardCharsets.UTF_8));
        int jobsBefore = table.listJobs(java.util.Optional.of("alice"), java.util.Optional.empty(), 100).items().size();

        var response = submit(tree("too-wide", id));

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(response.getBody()).contains("13 columns", "at most 12", "TRAINING_MAX_COLUMNS");
        assertThat(table.listJobs(java.util.Optional.of("alice"), java.util.Optional.empty(), 100).items())
                .hasSize(jobsBefore);
    }

    @Test
    void storedDataset_headerProblems_are400s_withoutReadingTheRows() throws Exception {
        String id = store("a,b,label\n1,2,yes\n3,4,no\n".getBytes(StandardCharsets.UTF_8));
        Map<String, Object> unknownTarget = tree("header-checks", id);
        unknownTarget.put("target", "species");
        assertThat(submit(unknownTarget).getBody()).contains("target", "'species' is not in the header");
        Map<String, Object> unknownColumn = tree("header-checks", id);
        unknownColumn.put("exclude", List.of("c"));
        assertThat(submit(unknownColumn).getBody()).contains("exclude", "'c'");
        Map<String, Object> byDatasetId = tree("header-checks", null);
        byDatasetId.put("dataset", Map.of("id", id));
        assertThat(submit(byDatasetId).getStatusCode()).as("TrainSpec's {\"dataset\": {\"id\"}} form").isEqualTo(202);
        Map<String, Object> badParam = tree("header-checks", id);
        badParam.put("params", Map.of("max_depth", List.of(0)));
        assertThat(submit(badParam).getBody()).contains("params.max_depth");
    }

    /** {@code a..f} numbers, a 970-character {@code comment} and a two-class {@code label} per row. */
    static byte[] wideTextCsv(int rows) {
        Random random = new Random(11);
        String words = "the quick brown fox jumps over the lazy dog while the training worker streams every row ";
        ByteArrayOutputStream out = new ByteArrayOutputStream(rows * 1040);
        StringBuilder line = new StringBuilder("a,b,c,d,e,f,comment,label\n");
        out.writeBytes(line.toString().getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < rows; i++) {
            line.setLength(0);
            double[] x = new double[6];
            for (int j = 0; j < x.length; j++) {
                x[j] = random.nextGaussian();
                line.append(String.format(Locale.ROOT, "%.4f,", x[j]));
            }
            line.append('"').append(i).append(": ").append(words.repeat(12), 0, 960).append('"').append(',');
            line.append(x[0] - x[3] + 0.5 * random.nextGaussian() > 0 ? "yes" : "no").append('\n');
            out.writeBytes(line.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    static Map<String, Object> tree(String modelName, String datasetId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model_name", modelName);
        body.put("algorithm", "decision_tree");
        body.put("target", "label");
        if (datasetId != null) {
            body.put("dataset_id", datasetId);
        }
        body.put("params", Map.of("max_depth", List.of(3)));
        body.put("cv_folds", 2);
        body.put("seed", 1);
        return body;
    }

    static APIGatewayV2HTTPResponse submit(Map<String, Object> request) {
        return invoke(api, withJson(withBearer(load("train-submit-inline.json"), alice), request));
    }

    static String accepted(Map<String, Object> request) {
        var response = submit(request);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        return body(response).get("job_id").asText();
    }

    /** Reserves, PUTs through the presigned URL and commits {@code csv}; its id. */
    static String store(byte[] csv) throws Exception {
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(csv));
        var reserved = invoke(api, withJson(withBearer(load("train-dataset-reserve.json"), alice),
                Map.of("name", "data.csv", "size", csv.length, "sha256", sha256)));
        assertThat(reserved.getStatusCode()).as(reserved.getBody()).isEqualTo(201);
        JsonNode upload = body(reserved);
        String id = upload.get("dataset_id").asText();
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(upload.get("upload").get("url").asText()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(csv));
        upload.get("upload").get("headers").fields().forEachRemaining(h -> {
            if (!h.getKey().equalsIgnoreCase("content-length")) {
                put.header(h.getKey(), h.getValue().asText());
            }
        });
        var stored = HttpClient.newHttpClient().send(put.build(), BodyHandlers.ofString());
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
        var committed = invoke(api, withPath(withBearer(load("train-dataset-commit.json"), alice),
                "/datasets/" + id + "/commit", Map.of("dataset_id", id)));
        assertThat(committed.getStatusCode()).as(committed.getBody()).isEqualTo(200);
        return id;
    }

    /** Delivers the stream record the job's insert produces to the worker, as Lambda would. */
    static void runWorker(String jobId) {
        StreamRecord stream = new StreamRecord();
        stream.setKeys(Map.of("id", new AttributeValue().withS(jobId)));
        stream.setNewImage(Map.of("id", new AttributeValue().withS(jobId), "kind", new AttributeValue().withS("job"),
                "status", new AttributeValue().withS("queued")));
        stream.setSequenceNumber(Long.toString(System.nanoTime()));
        DynamodbStreamRecord record = new DynamodbStreamRecord();
        record.setEventName("INSERT");
        record.setEventSource("aws:dynamodb");
        record.setDynamodb(stream);
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(List.of(record));
        var response = worker.handleRequest(event, new LocalContext(UUID.randomUUID().toString(), "train-worker",
                System.currentTimeMillis() + Duration.ofMinutes(15).toMillis()));
        assertThat(response.getBatchItemFailures()).isEmpty();
        queue.drain(fitWorker); // the fit tasks the planner sent, then the refit
    }
}
