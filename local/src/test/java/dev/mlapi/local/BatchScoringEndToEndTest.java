package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch scoring end to end over real HTTP against the local server (DynamoDB Local, S3Proxy,
 * ElasticMQ and batch-worker fed from it, several chunks at once): a model trained through
 * {@code /train} scores a stored dataset through {@code POST /predict/batch}; the job is followed
 * under {@code /jobs/{id}} and its CSV, downloaded from the signed URL, predicts every row as
 * {@code /predict} does, in input order.
 */
class BatchScoringEndToEndTest {

    @TempDir
    static Path data;
    static LocalServer server;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", TrainEndToEndTest.ADMIN_PASSWORD, "BATCH_CHUNK_ROWS", "50"));
        TrainEndToEndTest.server = server;
        token = TrainEndToEndTest.register("scorer", "scorer-pass-1");
        TrainEndToEndTest.token = token;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            TrainEndToEndTest.server = null;
        }
    }

    /** A table to score: an id, the four measurements (some blank in a text column the model ignores), a note. */
    static String table(int rows) {
        Random random = new Random(9);
        StringBuilder csv = new StringBuilder("id,f1,f2,f3,f4,note\n");
        for (int i = 1; i <= rows; i++) {
            int c = random.nextInt(3);
            csv.append(String.format(Locale.ROOT, "r%d,%.3f,%.3f,%.3f,%.3f,%s%n", i, c * 1.5 + random.nextGaussian(),
                    random.nextGaussian(), c + 0.7 * random.nextGaussian(), random.nextGaussian(),
                    i % 9 == 0 ? "\"seen twice,\nonce at night\"" : "ok"));
        }
        return csv.toString();
    }

    static String upload(String name, byte[] csv) throws Exception {
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(csv));
        var reserved = TrainEndToEndTest.send("POST", "/datasets", Map.of("name", name, "size", csv.length,
                "sha256", sha256), token);
        assertThat(reserved.statusCode()).as(reserved.body()).isEqualTo(201);
        JsonNode upload = TrainEndToEndTest.json(reserved);
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(upload.get("upload").get("url").asText()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(csv));
        upload.get("upload").get("headers").fields().forEachRemaining(h -> {
            if (!h.getKey().equalsIgnoreCase("content-length")) {
                put.header(h.getKey(), h.getValue().asText());
            }
        });
        assertThat(TrainEndToEndTest.HTTP.send(put.build(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        String id = upload.get("dataset_id").asText();
        var committed = TrainEndToEndTest.send("POST", "/datasets/" + id + "/commit", null, token);
        assertThat(committed.statusCode()).as(committed.body()).isEqualTo(200);
        return id;
    }

    static JsonNode awaitJob(String id) throws Exception {
        long deadline = System.nanoTime() + 300_000_000_000L;
        JsonNode job;
        do {
            job = TrainEndToEndTest.json(TrainEndToEndTest.send("GET", "/jobs/" + id, null, token));
            if (List.of("succeeded", "failed", "cancelled").contains(job.get("status").asText())) {
                return job;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " did not finish: " + job);
    }

    @Test
    void aStoredTable_isScoredInChunks_andItsCsvPredictsEveryRowAsPredictDoes() throws Exception {
        Map<String, Object> train = TrainEndToEndTest.forest("scored", TrainEndToEndTest.inlineCsv(20), "kind",
                Map.of("n_estimators", List.of(10)), 3);
        String trainJob = TrainEndToEndTest.submit(train);
        assertThat(awaitJob(trainJob).get("status").asText()).isEqualTo("succeeded");

        String csv = table(420);
        String dataset = upload("garden.csv", csv.getBytes(StandardCharsets.UTF_8));
        var accepted = TrainEndToEndTest.send("POST", "/predict/batch", Map.of("model", "scored", "dataset_id", dataset),
                token);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String jobId = TrainEndToEndTest.json(accepted).get("job_id").asText();
        assertThat(accepted.headers().firstValue("location")).contains("/jobs/" + jobId);

        JsonNode job = awaitJob(jobId);
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.get("job_kind").asText()).isEqualTo("predict_batch");
        assertThat(job.get("progress").get("unit").asText()).isEqualTo("chunks");
        assertThat(job.get("progress").get("total").asInt()).as("420 rows in chunks of 50").isEqualTo(9);
        assertThat(job.get("progress").get("done").asInt()).isEqualTo(9);
        assertThat(job.get("result").get("rows").asInt()).isEqualTo(420);
        var download = TrainEndToEndTest.HTTP.send(HttpRequest.newBuilder(URI.create(
                job.get("result").get("download_url").asText())).build(), BodyHandlers.ofString());
        assertThat(download.statusCode()).isEqualTo(200);

        List<CSVRecord> input = records(csv);
        List<CSVRecord> output = records(download.body());
        assertThat(output).hasSize(input.size());
        List<String> header = output.get(0).toList();
        assertThat(header.subList(0, 7)).containsExactly("id", "f1", "f2", "f3", "f4", "note", "prediction");
        assertThat(header.subList(7, header.size())).containsExactly("probability_alpha", "probability_beta",
                "probability_gamma");
        List<Object> instances = new ArrayList<>();
        for (int i = 1; i < input.size(); i++) {
            assertThat(output.get(i).toList().subList(0, 6)).as("row %d as given", i).isEqualTo(input.get(i).toList());
            Map<String, String> instance = new LinkedHashMap<>();
            for (String f : List.of("f1", "f2", "f3", "f4")) {
                instance.put(f, input.get(i).get(input.get(0).toList().indexOf(f)));
            }
            instances.add(instance);
        }
        var predicted = TrainEndToEndTest.send("POST", "/predict", Map.of("model", "scored", "instances", instances),
                token);
        assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
        JsonNode predictions = TrainEndToEndTest.json(predicted).get("predictions");
        for (int i = 1; i < output.size(); i++) {
            JsonNode expected = predictions.get(i - 1);
            assertThat(output.get(i).get(6)).as("row %d", i).isEqualTo(expected.get("label").asText());
            for (int c = 7; c < header.size(); c++) {
                String label = header.get(c).substring("probability_".length());
                assertThat(Double.parseDouble(output.get(i).get(c))).as("row %d %s", i, header.get(c))
                        .isEqualTo(expected.get("probabilities").get(label).asDouble());
            }
        }
        JsonNode listed = TrainEndToEndTest.json(TrainEndToEndTest.send("GET", "/jobs?kind=predict_batch", null, token));
        assertThat(listed.get("items").findValuesAsText("job_id")).containsExactly(jobId);
        assertThat(TrainEndToEndTest.json(TrainEndToEndTest.send("GET", "/jobs", null, token)).get("items")
                .findValuesAsText("job_id")).containsExactly(jobId, trainJob);
    }

    static List<CSVRecord> records(String csv) throws Exception {
        try (CSVParser parser = CSVParser.parse(new StringReader(csv), CSVFormat.DEFAULT)) {
            return parser.getRecords();
        }
    }
}
