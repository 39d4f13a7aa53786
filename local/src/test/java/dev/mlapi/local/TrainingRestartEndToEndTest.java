package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A grid job survives a restart of the local server in the middle of its fits: the queues (in
 * memory) lose its tasks, the start-up's {@code JobRecovery} sends the missing work again from the
 * jobs table, and the job succeeds with every fit counted once (done = total = its unit records).
 */
class TrainingRestartEndToEndTest {

    static final String ADMIN_PASSWORD = "local-admin-password";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path data;

    static LocalServer start(Path dataDir) {
        return LocalServer.start(new LocalSettings(0, "127.0.0.1", dataDir, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    static JsonNode call(URI base, String method, String path, String contentType, String body, String token)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("content-type", contentType);
        }
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + " → " + response.body()).isLessThan(300);
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static String token(URI base) throws Exception {
        return call(base, "POST", "/auth/login", "application/x-www-form-urlencoded",
                "username=admin&password=" + ADMIN_PASSWORD, null).get("access_token").asText();
    }

    static String csv(int rows) {
        Random random = new Random(5);
        StringBuilder csv = new StringBuilder("a,b,c,d,label\n");
        for (int i = 0; i < rows; i++) {
            double[] x = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            boolean positive = x[0] + 0.5 * x[1] * x[2] - x[3] + 0.8 * random.nextGaussian() > 0;
            for (double v : x) {
                csv.append(String.format(Locale.ROOT, "%.4f,", v));
            }
            csv.append(positive ? "yes" : "no").append('\n');
        }
        return csv.toString();
    }

    static List<Map<String, AttributeValue>> units(LocalServer server, String jobId) {
        String table = server.wiring().config().environment().tableName(TableCatalog.JOBS_AND_DATASETS);
        return server.wiring().dynamoDb().scanPaginator(r -> r.tableName(table).consistentRead(true)
                .filterExpression("#kind = :unit AND #job = :job")
                .expressionAttributeNames(Map.of("#kind", "kind", "#job", "job"))
                .expressionAttributeValues(Map.of(":unit", AttributeValue.fromS("unit"),
                        ":job", AttributeValue.fromS(jobId)))).items().stream().toList();
    }

    @Test
    void aGridJob_stoppedHalfWayByARestart_endsSucceeded_withNoFitCountedTwice() throws Exception {
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        LocalServer server = start(data);
        String jobId;
        int total;
        try {
            URI base = server.baseUri();
            String token = token(base);
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("model_name", "restarted-grid");
            request.put("algorithm", "random_forest");
            request.put("target", "label");
            request.put("dataset", Map.of("csv", csv(1500)));
            request.put("params", Map.of("n_estimators", List.of(30, 40), "max_depth", List.of(4, 8)));
            request.put("cv_folds", 5);
            jobId = call(base, "POST", "/train", "application/json", Json.writeString(request), token)
                    .get("job_id").asText();
            JsonNode job;
            long deadline = System.nanoTime() + 300_000_000_000L;
            do {
                Thread.sleep(100);
                job = call(base, "GET", "/train/" + jobId, null, null, token);
            } while (job.get("progress").get("done").asInt() < 3 && !job.get("status").asText().equals("succeeded")
                    && System.nanoTime() < deadline);
            total = job.get("progress").get("total").asInt();
            assertThat(job.get("status").asText()).as("still running when the server stops").isEqualTo("running");
        } finally {
            server.close(); // its queues, and the tasks in them, are gone
        }

        LocalServer again = start(data);
        try {
            URI base = again.baseUri();
            String token = token(base);
            JsonNode job;
            long deadline = System.nanoTime() + 300_000_000_000L;
            do {
                Thread.sleep(200);
                job = call(base, "GET", "/train/" + jobId, null, null, token);
            } while (!List.of("succeeded", "failed", "cancelled").contains(job.get("status").asText())
                    && System.nanoTime() < deadline);
            assertThat(job.get("status").asText()).as(job.path("error").asText()).isEqualTo("succeeded");
            assertThat(total).isEqualTo(20);
            assertThat(job.get("progress").get("done").asInt()).isEqualTo(20);
            assertThat(units(again, jobId)).hasSize(20);
            assertThat(job.get("result").get("tasks").asInt()).isPositive();
        } finally {
            again.close();
        }
    }
}
