package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /jobs} end to end over real HTTP against the local server: a training job submitted with
 * {@code POST /train} is the same job under {@code /jobs/{id}} (run by the real worker to success),
 * listed with its kind and progress; {@code DELETE /jobs/{id}} cancels; a bad kind is a 400.
 */
class JobsEndToEndTest {

    @TempDir
    static Path data;

    @BeforeAll
    static void start() throws Exception {
        TrainEndToEndTest.server = TrainEndToEndTest.startServer(data);
        TrainEndToEndTest.token = TrainEndToEndTest.register("jobs-user", "jobs-user-pass-1");
    }

    @AfterAll
    static void stop() {
        if (TrainEndToEndTest.server != null) {
            TrainEndToEndTest.server.close();
            TrainEndToEndTest.server = null;
        }
    }

    static JsonNode get(String path) throws Exception {
        var response = TrainEndToEndTest.send("GET", path, null, TrainEndToEndTest.token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TrainEndToEndTest.json(response);
    }

    @Test
    void aTrainingJob_isAJobOfKindTrain_readListedAndCancelledUnderJobs() throws Exception {
        String done = TrainEndToEndTest.submit(TrainEndToEndTest.forest("jobs-e2e", TrainEndToEndTest.inlineCsv(20),
                "kind", Map.of("n_estimators", List.of(5)), 3));
        long deadline = System.nanoTime() + 300_000_000_000L;
        JsonNode job;
        do {
            job = get("/jobs/" + done);
            Thread.sleep(200);
        } while (!job.get("status").asText().equals("succeeded") && !job.get("status").asText().equals("failed")
                && System.nanoTime() < deadline);
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.get("job_kind").asText()).isEqualTo("train");
        assertThat(job.get("progress").get("unit").asText()).isEqualTo("fits");
        assertThat(job.get("progress").get("done").asInt()).isEqualTo(job.get("progress").get("total").asInt());
        JsonNode viaTrain = get("/train/" + done);
        assertThat(job.get("result")).as("the same result under /train/{id}").isEqualTo(viaTrain.get("result"));

        String cancelled = TrainEndToEndTest.submit(TrainEndToEndTest.forest("jobs-e2e", TrainEndToEndTest.inlineCsv(20),
                "kind", Map.of("n_estimators", List.of(5)), 3));
        var cancel = TrainEndToEndTest.send("DELETE", "/jobs/" + cancelled, null, TrainEndToEndTest.token);
        // the worker may have finished it already: then it is a 409 naming its state
        assertThat(cancel.statusCode()).as(cancel.body()).isIn(200, 409);
        String status = get("/jobs/" + cancelled).get("status").asText();
        assertThat(status).isIn("cancelled", "succeeded");

        assertThat(get("/jobs?kind=train").get("items").findValuesAsText("job_id")).containsExactly(cancelled, done);
        assertThat(get("/jobs").get("items").findValuesAsText("job_id")).containsExactly(cancelled, done);
        assertThat(get("/jobs?kind=predict_batch").get("items")).isEmpty();
        var bad = TrainEndToEndTest.send("GET", "/jobs?kind=nope", null, TrainEndToEndTest.token);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.headers().firstValue("content-type")).contains("application/problem+json");
        assertThat(bad.body()).contains("kind");
        var stranger = TrainEndToEndTest.register("jobs-stranger", "jobs-stranger-pass-1");
        assertThat(TrainEndToEndTest.send("GET", "/jobs/" + done, null, stranger).statusCode()).isEqualTo(404);
    }
}
