package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.training.GridSearch;
import dev.mlapi.training.ModelTrainerTest;
import dev.mlapi.training.TrainSpec;
import dev.mlapi.training.TreeOnnxExporter;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;

/**
 * A forest trained with the training library, exported to ONNX, uploaded through {@code POST
 * /models} and predicted over real HTTP by the local server: on every training row, predict's
 * label equals Tribuo's and every probability is within 1e-4 of it.
 */
class PredictTrainedModelEndToEndTest {

    @TempDir
    static Path data;
    static LocalServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = LocalServerEndToEndTest.startServer(data);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void predict_onEveryTrainingRow_equalsTribuo() throws Exception {
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", "bands");
        request.put("algorithm", "random_forest");
        request.put("dataset", Map.of("csv", ModelTrainerTest.generatedCsv(150, 5)));
        request.put("params", Map.of("n_estimators", List.of(30), "max_depth", List.of(5)));
        request.put("cv_folds", 3);
        request.put("seed", 42);
        TrainSpec spec = TrainSpec.parse(Json.write(request));
        var search = GridSearch.run(spec.dataset(), spec.algorithm(), spec.candidates(), 3, 42, (d, t) -> { });
        byte[] onnx = TreeOnnxExporter.export(search.model(), spec.dataset().featureNames(), spec.dataset().classes());

        String admin = loginAdmin();
        int version = upload(admin, "bands", onnx, spec.dataset().featureNames());
        List<List<Double>> instances = new ArrayList<>();
        for (double[] row : spec.dataset().rows()) {
            instances.add(List.of(row[0], row[1]));
        }
        var response = HTTP.send(HttpRequest.newBuilder(server.baseUri().resolve("/predict"))
                .header("authorization", "Bearer " + admin).header("content-type", "application/json")
                .POST(BodyPublishers.ofByteArray(Json.write(Map.of("model", "bands:" + version, "instances", instances))))
                .build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode predictions = Json.readTree(response.body().getBytes(StandardCharsets.UTF_8)).get("predictions");

        assertThat(predictions).hasSize(spec.dataset().size());
        for (int i = 0; i < spec.dataset().size(); i++) {
            Prediction<Label> tribuo = search.model().predict(new ArrayExample<>(new Label("?"),
                    spec.dataset().featureNames().toArray(String[]::new), spec.dataset().rows()[i]));
            JsonNode ours = predictions.get(i);
            assertThat(ours.get("label").asText()).as("row %d", i).isEqualTo(tribuo.getOutput().getLabel());
            for (String c : spec.dataset().classes()) {
                Label score = tribuo.getOutputScores().get(c);
                assertThat(ours.get("probabilities").get(c).asDouble()).as("row %d P(%s)", i, c)
                        .isCloseTo(score == null ? 0 : score.getScore(), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    static String loginAdmin() throws Exception {
        var response = HTTP.send(HttpRequest.newBuilder(server.baseUri().resolve("/auth/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(BodyPublishers.ofString("username=admin&password=" + LocalServerEndToEndTest.ADMIN_PASSWORD))
                .build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8)).get("access_token").asText();
    }

    static int upload(String token, String name, byte[] onnx, List<String> features) throws Exception {
        String boundary = "----trained-e2e";
        String metadata = Json.writeString(Map.of("feature_names", features));
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ntabular\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + metadata + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model_file\"; filename=\"model.onnx\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        form.writeBytes(onnx);
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        var registered = HTTP.send(HttpRequest.newBuilder(server.baseUri().resolve("/models/" + name + "/versions"))
                .header("authorization", "Bearer " + token)
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(BodyPublishers.ofByteArray(form.toByteArray())).build(), BodyHandlers.ofString());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        return Json.readTree(registered.body().getBytes(StandardCharsets.UTF_8)).get("version").asInt();
    }
}
