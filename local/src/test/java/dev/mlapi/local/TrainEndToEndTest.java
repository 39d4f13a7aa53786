package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.training.GridSearch;
import dev.mlapi.training.TrainSpec;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;

/**
 * Training end to end over real HTTP against the local server: {@code POST /train} answers 202,
 * the jobs table's real stream in DynamoDB Local feeds the train-worker, the job is polled to
 * success, and {@code /predict} on the registered model labels every training row as the same
 * grid search (same seed) does in Tribuo. Bad CSVs create no job; a cancelled job registers
 * nothing; a job whose server is stopped mid-run is retried when the server comes back. A shifted
 * table sent to {@code /predict} shows as drift of the shifted feature.
 */
class TrainEndToEndTest {

    static final String ADMIN_PASSWORD = "local-admin-password";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path data;
    static LocalServer server;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        server = startServer(data);
        token = register("trainer", "trainer-pass-1");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static LocalServer startServer(Path dir) {
        return LocalServer.start(new LocalSettings(0, "127.0.0.1", dir, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    static HttpResponse<String> send(String method, String path, Object body, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUri().resolve(path))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(Json.write(body)));
        if (body != null) {
            request.header("content-type", "application/json");
        }
        if (bearer != null) {
            request.header("authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = HTTP.send(request.build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + " → " + response.body()).isLessThan(500);
        return response;
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static String register(String username, String password) throws Exception {
        send("POST", "/auth/users", Map.of("username", username, "password", password), null);
        var login = HTTP.send(HttpRequest.newBuilder(server.baseUri().resolve("/auth/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(BodyPublishers.ofString("username=" + username + "&password=" + password)).build(),
                BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        return json(login).get("access_token").asText();
    }

    static Map<String, Object> forest(String modelName, String csv, String target, Map<String, List<Object>> grid,
            int folds) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model_name", modelName);
        request.put("algorithm", "random_forest");
        request.put("target", target);
        request.put("dataset", Map.of("csv", csv));
        request.put("params", grid);
        request.put("cv_folds", folds);
        request.put("seed", 42);
        return request;
    }

    static String submit(Map<String, Object> request) throws Exception {
        var accepted = send("POST", "/train", request, token);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        JsonNode body = json(accepted);
        assertThat(body.get("status").asText()).isEqualTo("queued");
        assertThat(body.get("status_url").asText()).isEqualTo("/train/" + body.get("job_id").asText());
        return body.get("job_id").asText();
    }

    /** Polls the job until it is finished (or {@code wanted} status is reached); fails after the timeout. */
    static JsonNode await(String jobId, String wanted, long timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        JsonNode job;
        do {
            job = json(send("GET", "/train/" + jobId, null, token));
            String status = job.get("status").asText();
            if (status.equals(wanted) || List.of("succeeded", "failed", "cancelled").contains(status)) {
                return job;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + jobId + " did not reach " + wanted + " in " + timeoutSeconds + " s: " + job);
    }

    /** Trains, polls, predicts every training row over HTTP and compares with the same search run in Tribuo. */
    static JsonNode trainAndPredictLikeTribuo(Map<String, Object> request) throws Exception {
        String jobId = submit(request);
        JsonNode job = await(jobId, "succeeded", 600);
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.get("progress").get("done").asInt()).isEqualTo(job.get("progress").get("total").asInt());
        JsonNode result = job.get("result");
        int version = result.get("model").get("version").asInt();

        TrainSpec spec = TrainSpec.parse(Json.write(request));
        GridSearch.Result search = GridSearch.run(spec.dataset(), spec.algorithm(), spec.candidates(), spec.cvFolds(),
                spec.seed(), (done, total) -> { });
        assertThat(result.get("best_score").asDouble()).as("same seed, same search")
                .isEqualTo(search.bestCandidate().meanScore());
        List<List<Double>> instances = new ArrayList<>();
        for (double[] row : spec.dataset().rows()) {
            List<Double> instance = new ArrayList<>();
            for (double v : row) {
                instance.add(v);
            }
            instances.add(instance);
        }
        var predicted = send("POST", "/predict", Map.of("model", request.get("model_name") + ":" + version,
                "instances", instances), token);
        assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
        JsonNode predictions = json(predicted).get("predictions");
        String[] features = spec.dataset().featureNames().toArray(String[]::new);
        for (int i = 0; i < spec.dataset().size(); i++) {
            String tribuo = search.model().predict(new ArrayExample<>(new Label("?"), features,
                    spec.dataset().rows()[i])).getOutput().getLabel();
            assertThat(predictions.get(i).get("label").asText()).as("row %d", i).isEqualTo(tribuo);
        }
        return job;
    }

    /** Three separable-ish classes in four features, as iris is; always available. */
    static String inlineCsv(int rowsPerClass) {
        Random random = new Random(3);
        StringBuilder csv = new StringBuilder("f1,f2,f3,f4,kind\n");
        String[] classes = {"alpha", "beta", "gamma"};
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < rowsPerClass; i++) {
                csv.append(String.format(Locale.ROOT, "%.3f,%.3f,%.3f,%.3f,%s%n", c * 1.5 + random.nextGaussian(),
                        random.nextGaussian(), c + 0.7 * random.nextGaussian(), random.nextGaussian(), classes[c]));
            }
        }
        return csv.toString();
    }

    @Test
    void inlineCsv_randomForestGrid_trainsThroughTheWorker_andPredictsAsTribuo() throws Exception {
        JsonNode job = trainAndPredictLikeTribuo(forest("e2e-inline", inlineCsv(30), "kind",
                Map.of("n_estimators", List.of(5, 15), "max_depth", new ArrayList<>(java.util.Arrays.asList(3, null))),
                3));

        assertThat(job.get("result").get("candidates")).hasSize(4);
        assertThat(job.get("result").get("metric").asText()).isEqualTo("accuracy");
        assertThat(job.get("attempts").asInt()).isEqualTo(1);
        assertThat(job.get("elapsed_seconds").asDouble()).isPositive();
        JsonNode mine = json(send("GET", "/train", null, token));
        assertThat(mine.get("items").findValuesAsText("job_id")).contains(job.get("job_id").asText());
    }

    @Test
    void iris_randomForestGrid_landsNearTheReferenceFigure_andPredictsAsTribuo() throws Exception {
        Optional<Path> iris = sharedDataset("iris.csv");
        assumeThat(iris).as("../shared/datasets/iris.csv is not on this machine: the iris end-to-end run is skipped"
                + " (the inline-CSV test still runs)").isPresent();
        JsonNode job = trainAndPredictLikeTribuo(forest("e2e-iris", Files.readString(iris.get()), "species",
                Map.of("n_estimators", List.of(10, 30), "max_depth", new ArrayList<>(java.util.Arrays.asList(3, null))),
                5));
        // README of ../shared/datasets: random forest ~0.96 (scikit-learn, 5-fold).
        assertThat(job.get("result").get("best_score").asDouble()).isGreaterThanOrEqualTo(0.93);
    }

    @Test
    void badCsv_is400NamingRowAndColumn_andCreatesNoJob() throws Exception {
        String bobToken = register("no-jobs", "no-jobs-pass-1");
        String csv = "a,b,label\n1,2,x\n3,oops,y\n5,6,x\n7,8,y\n";
        Map<String, Object> request = forest("e2e-bad", csv, "label", Map.of("n_estimators", List.of(5)), 2);
        var refused = send("POST", "/train", request, bobToken);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.headers().firstValue("content-type")).contains("application/problem+json");
        assertThat(refused.body()).contains("b").contains("oops");
        assertThat(json(send("GET", "/train", null, bobToken)).get("items")).isEmpty();
    }

    @Test
    void cancel_ofARunningJob_answersCancelled_andRegistersNothing() throws Exception {
        String jobId = submit(forest("e2e-cancelled", inlineCsv(300), "kind",
                Map.of("n_estimators", List.of(100, 150), "max_depth", List.of(6, 8, 10)), 5));
        await(jobId, "running", 300);

        var cancelled = send("DELETE", "/train/" + jobId, null, token);
        assertThat(cancelled.statusCode()).as(cancelled.body()).isIn(200, 409);
        if (cancelled.statusCode() == 409) {
            return;
        }
        assertThat(json(cancelled).get("status").asText()).isEqualTo("cancelled");
        // The worker takes one job at a time from the stream: once a later job succeeded, the cancelled one is over.
        String later = submit(forest("e2e-after-cancel", inlineCsv(10), "kind", Map.of("n_estimators", List.of(3)), 2));
        assertThat(await(later, "succeeded", 600).get("status").asText()).isEqualTo("succeeded");
        assertThat(json(send("GET", "/train/" + jobId, null, token)).get("status").asText()).isEqualTo("cancelled");
        assertThat(send("GET", "/models/e2e-cancelled", null, token).statusCode()).isEqualTo(404);
    }

    @Test
    void aJobWhoseServerStopsMidRun_isRetriedWhenItComesBack_neverStuckRunning(@TempDir Path own) throws Exception {
        LocalServer shared = server;
        String sharedToken = token;
        try {
            server = startServer(own);
            token = register("restarter", "restarter-pass-1");
            String jobId = submit(forest("e2e-restarted", inlineCsv(200), "kind",
                    Map.of("n_estimators", List.of(40, 60), "max_depth", List.of(5, 8)), 5));
            JsonNode running = await(jobId, "running", 300);
            assertThat(running.get("status").asText()).isEqualTo("running");

            server.close();
            server = startServer(own);
            token = login("restarter", "restarter-pass-1");

            JsonNode job = await(jobId, "succeeded", 600);
            assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
            // Planned once, its lost fit tasks sent again by JobRecovery at start-up; or, stopped while
            // planning, planned again from the redelivered stream record. Either way no fit counts twice.
            assertThat(job.get("attempts").asInt()).as(job.toString()).isBetween(1, 2);
            assertThat(job.at("/progress/done").asInt()).as(job.toString()).isEqualTo(job.at("/progress/total").asInt());
        } finally {
            server.close();
            server = shared;
            token = sharedToken;
        }
    }

    /**
     * Drift (#22, 6): the registered version keeps its training distribution, {@code /predict} is sent
     * a table whose {@code x} moved above everything trained on and whose {@code y} did not, the
     * request log's stream feeds the aggregator, and the drift endpoint puts {@code x} first.
     */
    @Test
    void drift_afterPredictingAShiftedTable_putsTheShiftedFeatureFirst() throws Exception {
        Random random = new Random(3);
        StringBuilder csv = new StringBuilder("x,y,band\n");
        for (int i = 0; i < 120; i++) {
            double x = Math.round(random.nextDouble() * 1000) / 1000.0;
            double y = Math.round(random.nextDouble() * 1000) / 1000.0;
            csv.append(x).append(',').append(y).append(',').append(x + y < 1 ? "low" : "high").append('\n');
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model_name", "drifting");
        request.put("algorithm", "decision_tree");
        request.put("dataset", Map.of("csv", csv.toString()));
        request.put("params", Map.of("max_depth", List.of(3)));
        request.put("cv_folds", 2);
        JsonNode job = await(submit(request), "succeeded", 300);
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
        int version = job.at("/result/model/version").asInt();
        List<Map<String, Double>> shifted = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            shifted.add(Map.of("x", 2 + random.nextDouble(), "y", random.nextDouble()));
        }
        var predicted = send("POST", "/predict", Map.of("model", "drifting:" + version, "instances", shifted), token);
        assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);

        String admin = login("admin", ADMIN_PASSWORD);
        String path = "/models/drifting/versions/" + version + "/drift";
        JsonNode drift = json(send("GET", path, null, admin));
        for (long deadline = System.nanoTime() + 60_000_000_000L;
                drift.get("served_count").asLong() < 50 && System.nanoTime() < deadline; Thread.sleep(200)) {
            drift = json(send("GET", path, null, admin)); // the aggregator runs as the log's stream is polled
        }

        assertThat(drift.get("served_count").asLong()).as(drift.toString()).isEqualTo(50);
        assertThat(drift.at("/features/0/name").asText()).as(drift.toString()).isEqualTo("x");
        assertThat(drift.at("/features/0/psi").asDouble()).isGreaterThan(5); // every row in a bucket training left empty
        assertThat(drift.at("/features/0/largest_shifts/0/bucket").asText()).startsWith("> ");
        assertThat(drift.at("/features/0/largest_shifts/0/actual").asDouble()).isEqualTo(1.0);
        assertThat(drift.at("/features/1/name").asText()).isEqualTo("y");
        assertThat(drift.at("/features/1/psi").asDouble()).isLessThan(drift.at("/features/0/psi").asDouble());
    }

    static String login(String username, String password) throws Exception {
        var login = HTTP.send(HttpRequest.newBuilder(server.baseUri().resolve("/auth/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(BodyPublishers.ofString("username=" + username + "&password=" + password)).build(),
                BodyHandlers.ofString());
        return json(login).get("access_token").asText();
    }

    static Optional<Path> sharedDataset(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("datasets").resolve(name);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
