package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.mlapi.core.aws.Tables;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.RouteTemplate;
import dev.mlapi.core.testkit.TestStack;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Holds {@code template.yaml}, the built jars, {@code openapi.yaml}, {@code events/}, the local
 * router and the code's own route tables and settings to one another.
 */
class ProjectConsistencyTest {

    static Path root;
    static SamTemplate template;

    @BeforeAll
    static void read() {
        root = LocalServer.repositoryRoot();
        template = SamTemplate.read(root.resolve("template.yaml"));
    }

    static Map<String, String> templateRoutes() {
        Map<String, String> routes = new TreeMap<>();
        template.functions().forEach(f -> f.routeKeys().forEach(r -> routes.put(r, f.module())));
        return routes;
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> openApiRoutes() throws IOException {
        Map<String, Object> spec;
        try (Reader reader = Files.newBufferedReader(root.resolve("openapi.yaml"))) {
            spec = new Yaml().load(reader);
        }
        Map<String, String> routes = new TreeMap<>();
        ((Map<String, Map<String, Object>>) spec.get("paths")).forEach((path, operations) ->
                operations.forEach((method, operation) -> {
                    if (Set.of("get", "post", "put", "delete", "patch").contains(method)) {
                        Object function = ((Map<String, Object>) operation).get("x-function");
                        routes.put(method.toUpperCase(Locale.ROOT) + " " + path, String.valueOf(function));
                    }
                }));
        return routes;
    }

    @Test
    void everyFunctionModule_isInTheTemplate_andEveryCodeUriJarExists() throws IOException {
        Set<String> modules;
        try (Stream<Path> dirs = Files.list(root.resolve("functions"))) {
            modules = dirs.filter(d -> Files.isRegularFile(d.resolve("pom.xml")))
                    .map(d -> d.getFileName().toString()).filter(m -> !m.equals("core"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(template.functions()).extracting(SamTemplate.Function::module)
                .containsExactlyInAnyOrderElementsOf(modules);
        for (SamTemplate.Function function : template.functions()) {
            assertThat(function.codeUri()).isEqualTo("functions/" + function.module() + "/target/" + function.module() + ".jar");
            assertThat(root.resolve(function.codeUri())).as("CodeUri of " + function.logicalId()).isRegularFile();
        }
    }

    @Test
    void everyHandler_existsInItsOwnJar_withTheLambdaSignature() throws Exception {
        for (SamTemplate.Function function : template.functions()) {
            Path jar = root.resolve(function.codeUri());
            try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
                Class<?> handler = Class.forName(function.handlerClass(), false, loader);
                assertThat(Modifier.isPublic(handler.getModifiers())).isTrue();
                assertThat(handler.getConstructor()).as("public no-arg constructor of " + handler).isNotNull();
                Method method = handler.getMethod(function.handlerMethod(),
                        Class.forName(APIGatewayV2HTTPEvent.class.getName(), false, loader),
                        Class.forName(Context.class.getName(), false, loader));
                assertThat(method.getReturnType().getName()).isEqualTo(APIGatewayV2HTTPResponse.class.getName());
                assertThat(Class.forName(RequestHandler.class.getName(), false, loader).isAssignableFrom(handler)).isTrue();
            }
        }
    }

    @Test
    void loginJar_carriesNoDjlOnnxRuntimeOrTribuo() throws IOException {
        try (JarFile jar = new JarFile(root.resolve("functions/login/target/login.jar").toFile())) {
            List<String> heavy = jar.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("ai/djl/") || n.startsWith("ai/onnxruntime/") || n.startsWith("org/tribuo/"))
                    .toList();
            assertThat(heavy).isEmpty();
        }
    }

    @Test
    void routes_templateOpenApiAndHandlers_agree() throws Exception {
        assertThat(openApiRoutes()).isEqualTo(templateRoutes());
        try (TestStack stack = TestStack.start()) {
            var targets = LocalServer.targets(template, stack.wiring());
            for (SamTemplate.Function function : template.functions()) {
                Object handler = targets.stream().filter(t -> t.functionName().equals(function.module()))
                        .findFirst().orElseThrow().handler();
                assertThat(declaredRoutes(handler)).as("routes declared by " + function.handlerClass())
                        .containsExactlyInAnyOrderElementsOf(function.routeKeys());
            }
            assertThat(targets).extracting(t -> t.route().routeKey())
                    .containsExactlyInAnyOrderElementsOf(templateRoutes().keySet());
        }
    }

    private static Set<String> declaredRoutes(Object handler) throws IllegalAccessException {
        for (Field field : handler.getClass().getDeclaredFields()) {
            if (field.getType() == ApiPipeline.class) {
                field.setAccessible(true);
                return ((ApiPipeline) field.get(handler)).routeKeys();
            }
        }
        throw new AssertionError(handler.getClass() + " declares its routes without an ApiPipeline field");
    }

    @Test
    void events_coverEveryRoute_andLookLikeApiGatewayPayload2() throws IOException {
        Map<String, String> routes = templateRoutes();
        Set<String> covered = new TreeSet<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(root.resolve("events"))) {
            files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        for (Path file : files) {
            APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(file.toString());
            String name = file.getFileName().toString();
            assertThat(event.getVersion()).as(name).isEqualTo("2.0");
            assertThat(routes).as(name + " routeKey").containsKey(event.getRouteKey());
            assertThat(name).as("file name starts with its function").startsWith(routes.get(event.getRouteKey()) + "-");
            RouteTemplate route = RouteTemplate.parse(event.getRouteKey());
            assertThat(event.getRequestContext().getHttp().getMethod()).as(name).isEqualTo(route.method());
            assertThat(event.getRequestContext().getRouteKey()).as(name).isEqualTo(event.getRouteKey());
            var parameters = route.matchPath(event.getRawPath());
            assertThat(parameters).as(name + " rawPath matches its route").isPresent();
            assertThat(parameters.get()).as(name + " pathParameters")
                    .isEqualTo(event.getPathParameters() == null ? Map.of() : event.getPathParameters());
            assertThat(event.getHeaders().keySet()).as(name + " headers are lower-case")
                    .allMatch(h -> h.equals(h.toLowerCase(Locale.ROOT)));
            covered.add(event.getRouteKey());
        }
        assertThat(covered).as("routes with a sample event").containsExactlyInAnyOrderElementsOf(routes.keySet());
    }

    @Test
    @SuppressWarnings("unchecked")
    void templateEnvironment_namesOnlySettingsTheCodeReads() throws IllegalAccessException {
        Set<String> known = new TreeSet<>();
        for (Field field : Config.Env.class.getFields()) {
            known.add((String) field.get(null));
        }
        // Read by the JVM, by DJL and by Powertools (service name, metrics namespace, log level).
        known.addAll(List.of("JAVA_TOOL_OPTIONS", "DJL_OFFLINE", "POWERTOOLS_SERVICE_NAME",
                "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"));
        Map<String, Object> doc = template.document();
        List<Map<String, Object>> environments = new ArrayList<>();
        environments.add((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) doc.get("Globals"))
                .get("Function")).get("Environment"));
        ((Map<String, Map<String, Object>>) doc.get("Resources")).values().stream()
                .filter(r -> "AWS::Serverless::Function".equals(r.get("Type")))
                .map(r -> (Map<String, Object>) ((Map<String, Object>) r.get("Properties")).get("Environment"))
                .filter(e -> e != null)
                .forEach(environments::add);
        for (Map<String, Object> environment : environments) {
            assertThat(((Map<String, Object>) environment.get("Variables")).keySet()).isSubsetOf(known);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void templateTables_matchWhatTheCodeCreates() {
        Map<String, Map<String, Object>> resources = (Map<String, Map<String, Object>>) template.document().get("Resources");
        Config config = Config.fromMap(Map.of(Config.Env.JWT_SECRET, "x".repeat(32)));
        Map<String, String> logicalIds = Map.of(config.usersTable(), "UsersTable", config.tokensTable(), "TokensTable",
                config.requestLogTable(), "RequestLogTable");
        for (var definition : Tables.definitions(config)) {
            Map<String, Object> table = (Map<String, Object>) resources.get(logicalIds.get(definition.tableName())).get("Properties");
            assertThat(table.get("KeySchema").toString()).as(definition.tableName())
                    .isEqualTo(definition.keySchema().stream()
                            .map(k -> "{AttributeName=" + k.attributeName() + ", KeyType=" + k.keyTypeAsString() + "}")
                            .collect(Collectors.joining(", ", "[", "]")));
            List<String> templateIndexes = ((List<Map<String, Object>>) table.getOrDefault("GlobalSecondaryIndexes", List.of()))
                    .stream().map(i -> i.get("IndexName") + ":" + i.get("KeySchema")).toList();
            List<String> codeIndexes = definition.globalSecondaryIndexes().stream()
                    .map(i -> i.indexName() + ":" + i.keySchema().stream()
                            .map(k -> "{AttributeName=" + k.attributeName() + ", KeyType=" + k.keyTypeAsString() + "}")
                            .collect(Collectors.joining(", ", "[", "]")))
                    .toList();
            assertThat(templateIndexes).as(definition.tableName() + " indexes").isEqualTo(codeIndexes);
        }
        assertThat(((Map<String, Object>) resources.get("TokensTable").get("Properties")).get("TimeToLiveSpecification").toString())
                .contains("AttributeName=" + Tables.TOKENS_TTL);
        assertThat(((Map<String, Object>) resources.get("RequestLogTable").get("Properties")).get("TimeToLiveSpecification").toString())
                .contains("AttributeName=" + Tables.REQUEST_LOG_TTL);
        assertThat(Arrays.asList("UsersTable", "TokensTable", "RequestLogTable")).allMatch(resources::containsKey);
    }
}
