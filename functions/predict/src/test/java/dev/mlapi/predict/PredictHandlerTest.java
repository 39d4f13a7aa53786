package dev.mlapi.predict;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.header;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withBody;
import static dev.mlapi.core.testkit.Events.withJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.inference.TinyOnnx;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Predict through its Lambda handler on models written as scikit-learn's ONNX converter writes
 * them (a TreeEnsembleClassifier with a ZipMap, a linear regressor), registered in a real
 * registry (S3Proxy), with auth and the request log on DynamoDB Local and real ONNX Runtime.
 */
class PredictHandlerTest {

    static TestStack stack;
    static S3ModelRegistry registry;
    static Manifest iris;
    static PredictService service;
    static PredictHandler handler;
    static String token;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        iris = register("iris", TabularOnnx.irisTree(), TabularOnnx.IRIS_FEATURES);
        registry.setAlias("iris", "production", iris.version(), "tests");
        register("iris-int", TabularOnnx.irisTreeInt64Labels(), List.of());
        register("linear", TabularOnnx.linearRegressor(), List.of("a", "b"));
        registry.register(ModelRegistration.builder().setName("tiny-image").setKind(ModelKind.IMAGE_CLASSIFIER)
                .setModelFile("model.onnx").setCreatedBy("tests").optLabels(TinyOnnx.LABELS).build(),
                List.of(new ModelFile("model.onnx", TinyOnnx.logitsModel())));
        register("not-tabular", TinyOnnx.logitsModel(), List.of());
        service = PredictService.create(stack.config(), registry);
        handler = new PredictHandler(stack.wiring(), service);
        token = stack.signedIn("dana", Role.USER).token();
    }

    @AfterAll
    static void stop() {
        service.close();
        stack.close();
    }

    static Manifest register(String name, byte[] onnx, List<String> features) {
        return registry.register(ModelRegistration.builder().setName(name).setKind(ModelKind.TABULAR)
                .setModelFile("model.onnx").setCreatedBy("tests").optFeatureNames(features).build(),
                List.of(new ModelFile("model.onnx", onnx)));
    }

    static APIGatewayV2HTTPResponse call(APIGatewayV2HTTPEvent event) {
        return invoke(handler, event);
    }

    static APIGatewayV2HTTPEvent event(String file) {
        return withBearer(load(file), token);
    }

    static APIGatewayV2HTTPResponse post(Map<String, ?> body) {
        return call(withJson(event("predict-instances-arrays.json"), body));
    }

    static APIGatewayV2HTTPResponse get(Map<String, String> query) {
        APIGatewayV2HTTPEvent event = event("predict-query-string.json");
        event.setQueryStringParameters(new HashMap<>(query));
        return call(event);
    }

    static JsonNode problem(APIGatewayV2HTTPResponse response, int status) {
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(status);
        assertThat(header(response, "content-type")).startsWith("application/problem+json");
        return body(response);
    }

    static List<String> fields(JsonNode problem) {
        return problem.get("errors").findValuesAsText("field");
    }

    /**
     * A 10% canary on iris-canary@production: which version serves a request follows from its
     * X-Request-Id alone (the same 200 ids give exactly this split every time, and an id sent again
     * is served by the same version), the answer names the version and its role, and so does the
     * request's log entry, which is what the per-version rollups count.
     */
    @Test
    void predict_throughAnAliasWithATenPercentCanary_servesEachRequestIdsSide_andLogsTheVersionAndRole() {
        Manifest stable = register("iris-canary", TabularOnnx.irisTree(), TabularOnnx.IRIS_FEATURES);
        Manifest canary = register("iris-canary", TabularOnnx.irisTree(), TabularOnnx.IRIS_FEATURES);
        registry.setAlias("iris-canary", "production", new dev.mlapi.registry.AliasTarget(stable.version(),
                java.util.Optional.of(new dev.mlapi.registry.AliasTarget.CanaryTarget(canary.version(), 10))), "tests");

        Map<String, Integer> servedBy = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            String id = "predict-canary-%03d".formatted(i);
            JsonNode model = body(predictAs(id)).get("model");
            boolean toCanary = dev.mlapi.registry.ModelRoute.bucket(id) < 10;
            assertThat(model.get("version").asInt()).as(id).isEqualTo(toCanary ? canary.version() : stable.version());
            assertThat(model.get("role").asText()).as(id).isEqualTo(toCanary ? "canary" : "stable");
            servedBy.put(id, model.get("version").asInt());
        }
        assertThat(servedBy.values().stream().filter(v -> v == canary.version()).count())
                .as("these 200 ids, always").isEqualTo(22);
        servedBy.forEach((id, version) -> {
            if (id.endsWith("0")) {
                assertThat(body(predictAs(id)).at("/model/version").asInt()).as("a retry of " + id).isEqualTo(version);
            }
        });

        String canaryId = servedBy.entrySet().stream().filter(e -> e.getValue() == canary.version()).findFirst()
                .orElseThrow().getKey();
        var logged = stack.wiring().requestHistory().find(canaryId).orElseThrow();
        assertThat(logged.model()).hasValue("iris-canary:" + canary.version());
        assertThat(logged.modelRole()).hasValue("canary");
        assertThat(logged.servedVersion()).hasValue("iris-canary:" + canary.version());
        var stableEntry = stack.wiring().requestHistory().find("predict-canary-000").orElseThrow();
        assertThat(stableEntry.modelRole()).hasValue(servedBy.get("predict-canary-000") == canary.version() ? "canary" : "stable");

        assertThat(body(post(Map.of("model", "iris-canary:" + canary.version(), "instances", List.of(List.of(5.1, 3.5, 1.4, 0.2)))))
                .at("/model/role").asText()).as("a version named directly").isEqualTo("stable");
    }

    static APIGatewayV2HTTPResponse predictAs(String requestId) {
        APIGatewayV2HTTPEvent event = withJson(event("predict-instances-arrays.json"),
                Map.of("model", "iris-canary@production", "instances", List.of(List.of(5.1, 3.5, 1.4, 0.2))));
        event.getHeaders().put("x-request-id", requestId);
        event.getRequestContext().setRequestId(requestId); // as the gateway answers it: the caller's id
        APIGatewayV2HTTPResponse response = call(event);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        return response;
    }

    @Test
    void predict_whenArraysEvent_answersLabelsAndZipMapProbabilities() {
        var response = call(event("predict-instances-arrays.json"));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode body = body(response);
        assertThat(body.get("model").get("name").asText()).isEqualTo("iris");
        assertThat(body.get("model").get("version").isInt()).isTrue();
        assertThat(body.get("model").get("version").asInt()).isEqualTo(iris.version());
        assertThat(body.get("processing_time").asDouble()).isPositive();
        JsonNode first = body.get("predictions").get(0);
        assertThat(first.get("label").asText()).isEqualTo("setosa");
        assertThat(first.get("probabilities").get("setosa").asDouble()).isEqualTo(1.0);
        assertThat(first.has("value")).isFalse();
        JsonNode second = body.get("predictions").get(1);
        assertThat(second.get("label").asText()).isEqualTo("virginica");
        assertThat(second.get("probabilities").get("virginica").asDouble()).isEqualTo(0.98);
        assertThat(second.get("probabilities").get("versicolor").asDouble()).isEqualTo(0.02);
        assertThat(first.get("probabilities").fieldNames()).toIterable()
                .containsExactly("setosa", "versicolor", "virginica");
    }

    @Test
    void predict_whenObjectsByFeatureName_mapsThemToTheManifestOrder() {
        var response = call(event("predict-instances-objects.json"));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode prediction = body(response).get("predictions").get(0);
        assertThat(prediction.get("label").asText()).isEqualTo("versicolor");
        assertThat(prediction.get("probabilities").get("versicolor").asDouble()).isEqualTo(0.9);
    }

    @Test
    void predict_whenQueryStringEvent_predictsOneInstance() {
        var response = call(event("predict-query-string.json"));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        assertThat(body(response).get("predictions")).hasSize(1);
        assertThat(body(response).get("predictions").get(0).get("label").asText()).isEqualTo("setosa");
    }

    @Test
    void predict_whenInt64ClassLabels_answersThemAsText() {
        var response = post(Map.of("model", "iris-int", "instances", List.of(List.of(6.0, 2.9, 4.5, 1.5))));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode prediction = body(response).get("predictions").get(0);
        assertThat(prediction.get("label").asText()).isEqualTo("1");
        assertThat(prediction.get("probabilities").fieldNames()).toIterable().containsExactly("0", "1", "2");
    }

    @Test
    void predict_whenRegressionModel_answersValues() {
        var response = post(Map.of("model", "linear", "instances",
                List.of(List.of(1, 2), Map.of("a", 0.5, "b", -1))));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        JsonNode predictions = body(response).get("predictions");
        assertThat(predictions.get(0).get("value").asDouble()).isEqualTo(9.0);
        assertThat(predictions.get(1).get("value").asDouble()).isEqualTo(-1.0);
        assertThat(predictions.get(0).has("label")).isFalse();
    }

    @Test
    void predict_whenVersionOrAlias_usesThatVersion() {
        var byVersion = post(Map.of("model", "iris:" + iris.version(), "instances", List.of(List.of(5, 3, 1, 0.2))));
        var byAlias = post(Map.of("model", "iris@production", "instances", List.of(List.of(5, 3, 1, 0.2))));

        assertThat(body(byVersion).get("model").get("version").asInt()).isEqualTo(iris.version());
        assertThat(body(byAlias).get("model").get("version").asInt()).isEqualTo(iris.version());
    }

    @Test
    void predict_whenWrongFeatureCount_namesTheInstance() {
        JsonNode problem = problem(post(Map.of("model", "iris", "instances",
                List.of(List.of(5.1, 3.5, 1.4, 0.2), List.of(1, 2, 3)))), 400);

        assertThat(fields(problem)).containsExactly("instances[1]");
        assertThat(problem.get("detail").asText()).contains("4 features");
    }

    @Test
    void predict_whenNonNumbers_namesInstanceAndFeature() {
        Map<String, Object> badObject = new HashMap<>(Map.of("sepal_length", 5.1, "sepal_width", "wide",
                "petal_length", 1.4));
        badObject.put("petal_width", null);
        JsonNode problem = problem(post(Map.of("model", "iris", "instances",
                List.of(List.of(5.1, true, 1.4, 0.2), badObject))), 400);

        assertThat(fields(problem)).containsExactlyInAnyOrder("instances[0][1]", "instances[1].sepal_width",
                "instances[1].petal_width");
    }

    @Test
    void predict_whenUnknownOrMissingFeatureNames_namesThem() {
        JsonNode problem = problem(post(Map.of("model", "iris", "instances",
                List.of(Map.of("sepal_length", 5.1, "sepal_width", 3.5, "petal_length", 1.4, "petal_widht", 0.2)))), 400);

        assertThat(fields(problem)).containsExactlyInAnyOrder("instances[0].petal_widht", "instances[0].petal_width");
    }

    @Test
    void predict_whenObjectsButNoFeatureNames_asksForArrays() {
        JsonNode problem = problem(post(Map.of("model", "iris-int", "instances",
                List.of(Map.of("sepal_length", 5.1)))), 400);

        assertThat(fields(problem)).containsExactly("instances[0]");
        assertThat(problem.get("detail").asText()).contains("array");
    }

    @Test
    void predict_whenQueryValueIsNotFinite_namesTheFeature() {
        JsonNode problem = problem(get(Map.of("model", "iris", "sepal_length", "NaN", "sepal_width", "3.5",
                "petal_length", "1.4", "petal_width", "abc")), 400);

        assertThat(fields(problem)).containsExactlyInAnyOrder("instances[0].sepal_length", "instances[0].petal_width");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"instances\":[[1,2,3,4]]}|model",
        "{\"model\":\"iris\"}|instances",
        "{\"model\":\"iris\",\"instances\":[]}|instances",
        "{\"model\":\"iris\",\"instances\":[5]}|instances[0]",
        "{\"model\":\"iris\",\"instances\":[[1,2,3,4]],\"top_k\":3}|top_k",
        "{\"model\":\"../etc\",\"instances\":[[1,2,3,4]]}|model",
    })
    void predict_whenBodyIsInvalid_namesTheField(String body, String field) {
        JsonNode problem = problem(call(withBody(event("predict-instances-arrays.json"), "application/json", body)), 400);

        assertThat(fields(problem)).contains(field);
    }

    @Test
    void predict_whenModelIsUnknown_answers404() {
        JsonNode problem = problem(post(Map.of("model", "nope", "instances", List.of(List.of(1)))), 404);

        assertThat(problem.get("detail").asText()).contains("nope");
    }

    @Test
    void predict_whenImageModel_answers400PointingToClassify() {
        JsonNode problem = problem(post(Map.of("model", "tiny-image", "instances", List.of(List.of(1)))), 400);

        assertThat(problem.get("detail").asText()).contains("classify");
    }

    @Test
    void predict_whenTabularModelIsNotUsable_answers422() {
        problem(post(Map.of("model", "not-tabular", "instances", List.of(List.of(1, 2, 3)))), 422);
    }

    @Test
    void predict_withoutToken_answers401() {
        problem(call(load("predict-instances-arrays.json")), 401);
    }

    @Test
    void predict_recordsModelAndResultInTheRequestLog() {
        APIGatewayV2HTTPEvent event = event("predict-instances-arrays.json");
        call(event);

        var item = stack.wiring().dynamoDb().getItem(r -> r.tableName(stack.config().requestLogTable())
                .key(Map.of("request_id", software.amazon.awssdk.services.dynamodb.model.AttributeValue
                        .fromS(event.getRequestContext().getRequestId())))).item();
        assertThat(item.get("model").s()).isEqualTo("iris:" + iris.version());
        assertThat(item.get("result").s()).isEqualTo("setosa");
    }

    @Test
    void predict_loadsEachVersionOnce() {
        post(Map.of("model", "iris", "instances", List.of(List.of(5, 3, 1, 0.2))));
        post(Map.of("model", "iris", "instances", List.of(List.of(5, 3, 1, 0.2))));

        assertThat(service.loadedModels().stream().filter(m -> m.startsWith("iris:" + iris.version() + "#"))).hasSize(1);
    }
}
