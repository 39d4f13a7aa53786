package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch tagging end to end over real HTTP against the local server (DynamoDB Local, S3Proxy,
 * ElasticMQ and tag-worker fed from it): thirty copies of {@code ../shared}'s photos tagged
 * {@code album} are classified by MobileNetV2 through {@code POST /images/classify}; the job is
 * followed under {@code /jobs/{id}}, and every photo has suggested tags, applied once (skipped
 * with a message without the shared photos and model).
 */
class BatchTaggingEndToEndTest {

    @TempDir
    static Path data;
    static LocalServer server;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ImagesEndToEndTest.ADMIN_PASSWORD));
        ImagesEndToEndTest.server = server;
        token = ImagesEndToEndTest.register("tagger");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            ImagesEndToEndTest.server = null;
        }
    }

    static JsonNode awaitJob(String id) throws Exception {
        long deadline = System.nanoTime() + 300_000_000_000L;
        JsonNode job;
        do {
            job = ImagesEndToEndTest.json(ImagesEndToEndTest.send("GET", "/jobs/" + id, null, null, token));
            if (List.of("succeeded", "failed", "cancelled").contains(job.get("status").asText())) {
                return job;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " did not finish: " + job);
    }

    @Test
    void photosWithATag_areClassifiedInBatches_andEachGetsItsSuggestionsOnce() throws Exception {
        Path shared = ImagesEndToEndTest.SHARED_IMAGES;
        Assumptions.assumeTrue(Files.isRegularFile(shared.resolve("banana.jpg")),
                "skipped: " + shared + " (the shared photos) is not beside this checkout");
        Assumptions.assumeTrue(ImagesEndToEndTest.send("GET", "/models/mobilenetv2", null, null, token).statusCode() == 200,
                "skipped: the default image model (MobileNetV2 from ../shared/models) is not registered");
        assertThat(ImagesEndToEndTest.sendJson("POST", "/tags", "{\"name\":\"album\"}", token).statusCode()).isEqualTo(201);
        List<String> photos = List.of("banana.jpg", "cat.jpg", "dog_beagle.jpg", "espresso.jpg", "kitten_224.png", "pizza.jpg");
        List<String> ids = new ArrayList<>();
        for (int copy = 0; copy < 5; copy++) {
            Map<String, byte[]> files = new LinkedHashMap<>();
            for (String photo : photos) {
                files.put(copy + "-" + photo, Files.readAllBytes(shared.resolve(photo)));
            }
            ids.addAll(ImagesEndToEndTest.ids(ImagesEndToEndTest.upload(token, files, List.of("album"))));
        }

        var accepted = ImagesEndToEndTest.sendJson("POST", "/images/classify", "{\"tag\":\"Album\",\"apply\":true}", token);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String jobId = ImagesEndToEndTest.json(accepted).get("job_id").asText();
        assertThat(accepted.headers().firstValue("location")).contains("/jobs/" + jobId);

        JsonNode job = awaitJob(jobId);
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.get("job_kind").asText()).isEqualTo("classify_batch");
        assertThat(job.get("progress").get("total").asInt()).as("30 photos in batches of 25").isEqualTo(2);
        assertThat(job.get("result").get("classified").asInt()).isEqualTo(30);
        assertThat(job.get("result").get("failed").asInt()).isZero();

        Map<String, Integer> applied = new LinkedHashMap<>();
        for (String id : ids) {
            JsonNode image = ImagesEndToEndTest.json(ImagesEndToEndTest.send("GET", "/images/" + id, null, null, token));
            assertThat(image.get("suggested_tags")).as(image.toString()).isNotEmpty();
            List<String> tags = new ArrayList<>();
            image.get("tags").forEach(t -> tags.add(t.asText()));
            assertThat(tags).contains("album").doesNotHaveDuplicates();
            tags.stream().filter(t -> !t.equals("album")).forEach(t -> applied.merge(t, 1, Integer::sum));
        }
        JsonNode bananas = ImagesEndToEndTest.json(ImagesEndToEndTest.send("GET", "/images?tag=banana&limit=100", null,
                null, token));
        assertThat(bananas.get("items")).as("each banana copy tagged once").hasSize(5);
        assertThat(applied).containsEntry("banana", 5);
    }
}
