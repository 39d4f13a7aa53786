package dev.mlapi.train;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-user quotas of the train function, on DynamoDB Local and S3Proxy: jobs queued or running
 * (default 3, a 429), pending dataset reservations (default 10, a 429) and stored dataset bytes
 * (a 413; set low here). A job that leaves queued/running — cancelled, failed by its worker,
 * failed as stale after a worker crash — frees its slot; concurrent submits never get past the
 * limit; admins are exempt.
 */
class TrainQuotasTest {

    static final long BYTES_LIMIT = 10_000;

    static TrainingQueue queue;
    static TestStack stack;
    static TrainHandler handler;
    static TrainingTable table;
    static TrainComponents.Storage storage;
    static String admin;

    @BeforeAll
    static void start() {
        queue = TrainingQueue.start();
        Map<String, String> environment = new java.util.HashMap<>(queue.environment());
        environment.put("TRAINING_MAX_DATASET_BYTES", Long.toString(BYTES_LIMIT));
        environment.put("TOKEN_TTL_SECONDS", "86400");
        stack = TestStack.start(environment);
        handler = new TrainHandler(stack.wiring());
        table = TrainComponents.table(stack.wiring());
        storage = TrainComponents.Storage.create(stack.wiring());
        admin = stack.signedIn("root", Role.ADMIN).token();
    }

    @AfterAll
    static void stop() {
        stack.close();
        queue.close();
    }

    static Map<String, Object> request(String modelName) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model_name", modelName);
        body.put("algorithm", "decision_tree");
        body.put("target", "species");
        body.put("dataset", Map.of("csv", TrainFixtures.SMALL_IRIS));
        body.put("params", Map.of("max_depth", List.of(2, 3)));
        body.put("cv_folds", 3);
        return body;
    }

    static APIGatewayV2HTTPResponse submit(String token, String modelName) {
        return invoke(handler, withJson(withBearer(load("train-submit-inline.json"), token), request(modelName)));
    }

    static String accepted(String token, String modelName) {
        var response = submit(token, modelName);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        return body(response).get("job_id").asText();
    }

    static APIGatewayV2HTTPResponse reserve(TrainHandler on, String token, long size) {
        return invoke(on, withJson(withBearer(load("train-dataset-reserve.json"), token),
                Map.of("size", size, "sha256", "0".repeat(64))));
    }

    static APIGatewayV2HTTPResponse deleteDataset(String token, String id) {
        return invoke(handler, withPath(withBearer(load("train-dataset-delete.json"), token), "/datasets/" + id,
                Map.of("dataset_id", id)));
    }

    static APIGatewayV2HTTPResponse cancel(String token, String jobId) {
        return invoke(handler, withPath(withBearer(load("train-cancel.json"), token), "/train/" + jobId,
                Map.of("job_id", jobId)));
    }

    @Test
    void submit_beyondThreeQueuedOrRunningJobs_is429WithLimitAndUsage_andEachWayOutFreesASlot() {
        String dora = stack.signedIn("dora", Role.USER).token();
        String cancelled = accepted(dora, "dora-1");
        String failedByWorker = accepted(dora, "dora-2");
        String crashed = accepted(dora, "dora-3");

        var refused = submit(dora, "dora-4");
        assertThat(refused.getStatusCode()).as(refused.getBody()).isEqualTo(429);
        assertThat(dev.mlapi.core.testkit.Events.header(refused, "content-type")).startsWith("application/problem+json");
        assertThat(refused.getBody()).contains("3 of 3", "queued or running");
        assertThat(table.listJobs(java.util.Optional.of("dora"), java.util.Optional.empty(), 10).items()).hasSize(3);

        assertThat(cancel(dora, cancelled).getStatusCode()).isEqualTo(200);
        String fourth = accepted(dora, "dora-4");
        assertThat(submit(dora, "dora-5").getStatusCode()).isEqualTo(429);

        // The worker fails a job (its CSV is gone): its slot is free again.
        storage.files().delete(table.findJob(failedByWorker).orElseThrow().datasetKey());
        new TrainWorkerHandler(stack.wiring()).handleRequest(TrainFixtures.inserted(failedByWorker,
                "INSERT", "job"), null);
        assertThat(table.findJob(failedByWorker).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        String fifth = accepted(dora, "dora-5");
        assertThat(submit(dora, "dora-6").getStatusCode()).isEqualTo(429);

        // A worker that died with no retry left: the job is stale; the next submit settles it and is let in.
        assertThat(table.claim(crashed, TrainingWorker.MAX_ATTEMPTS, Instant.now().minus(TrainingJobs.STALE_RUNNING)
                .minusSeconds(60))).isPresent();
        accepted(dora, "dora-6");
        assertThat(table.findJob(crashed).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(submit(dora, "dora-7").getStatusCode()).isEqualTo(429);
        assertThat(List.of(fourth, fifth)).doesNotContainNull();

        // A submit refused for the quota claimed no name: another user may still take it.
        accepted(stack.signedIn("fern", Role.USER).token(), "dora-7");
    }

    @Test
    void submit_concurrently_acceptsExactlyTheLimit() throws Exception {
        String erin = stack.signedIn("erin", Role.USER).token();
        int callers = 8;
        CyclicBarrier together = new CyclicBarrier(callers);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                String name = "erin-" + i;
                statuses.add(pool.submit(() -> {
                    together.await();
                    return submit(erin, name).getStatusCode();
                }));
            }
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                codes.add(status.get());
            }

            assertThat(codes.stream().filter(c -> c == 202).count()).as(codes.toString()).isEqualTo(3);
            assertThat(codes.stream().filter(c -> c == 429).count()).as(codes.toString()).isEqualTo(callers - 3);
        } finally {
            pool.shutdownNow();
        }
        assertThat(table.listJobs(java.util.Optional.of("erin"), java.util.Optional.empty(), 20).items()).hasSize(3);
    }

    @Test
    void admins_areExemptFromEveryQuota() {
        for (int i = 0; i < 5; i++) {
            accepted(admin, "admins-" + i);
        }
        for (int i = 0; i < 12; i++) {
            assertThat(reserve(handler, admin, 100).getStatusCode()).isEqualTo(201);
        }
        assertThat(reserve(handler, admin, BYTES_LIMIT).getStatusCode()).isEqualTo(201);
    }

    @Test
    void reserve_beyondTenPendingUploads_is429_andADeleteOrAnExpiredReservationFreesOne() {
        String fay = stack.signedIn("fay", Role.USER).token();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            var reserved = reserve(handler, fay, 10);
            assertThat(reserved.getStatusCode()).as(reserved.getBody()).isEqualTo(201);
            ids.add(body(reserved).get("dataset_id").asText());
        }

        var refused = reserve(handler, fay, 10);
        assertThat(refused.getStatusCode()).as(refused.getBody()).isEqualTo(429);
        assertThat(refused.getBody()).contains("10 of 10", "pending");

        assertThat(deleteDataset(fay, ids.get(0)).getStatusCode()).isEqualTo(204);
        assertThat(reserve(handler, fay, 10).getStatusCode()).isEqualTo(201);
        assertThat(reserve(handler, fay, 10).getStatusCode()).isEqualTo(429);

        // Two hours later every reservation has expired (its upload URL is dead): they no longer count.
        TrainHandler later = new TrainHandler(Wiring.create(stack.config(),
                Clock.offset(Clock.systemUTC(), Duration.ofHours(2))));
        assertThat(reserve(later, fay, 10).getStatusCode()).isEqualTo(201);
    }

    @Test
    void reserve_beyondTheStoredBytesLimit_is413WithLimitAndUsage_andADeleteFreesTheBytes() {
        String gus = stack.signedIn("gus", Role.USER).token();
        var first = reserve(handler, gus, 6_000);
        assertThat(first.getStatusCode()).as(first.getBody()).isEqualTo(201);

        var refused = reserve(handler, gus, 5_000);
        assertThat(refused.getStatusCode()).as(refused.getBody()).isEqualTo(413);
        assertThat(refused.getBody()).contains("6000", Long.toString(BYTES_LIMIT));

        assertThat(deleteDataset(gus, body(first).get("dataset_id").asText()).getStatusCode()).isEqualTo(204);
        assertThat(reserve(handler, gus, 5_000).getStatusCode()).isEqualTo(201);
    }

    @Test
    void reserve_concurrently_neverPassesThePendingLimit() throws Exception {
        String hal = stack.signedIn("hal", Role.USER).token();
        int callers = 14;
        CyclicBarrier together = new CyclicBarrier(callers);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                statuses.add(pool.submit(() -> {
                    together.await();
                    return reserve(handler, hal, 10).getStatusCode();
                }));
            }
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                codes.add(status.get());
            }
            assertThat(codes.stream().filter(c -> c == 201).count()).as(codes.toString()).isEqualTo(10);
        } finally {
            pool.shutdownNow();
        }
    }
}
