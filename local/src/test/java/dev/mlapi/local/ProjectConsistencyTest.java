package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2CustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.events.SimpleIAMPolicyResponse;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.mlapi.catalog.ApiRoute;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.OpenApiRoutes;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.catalog.TableSpec;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.http.RouteTemplate;
import dev.mlapi.core.testkit.EmbeddedSqs;
import dev.mlapi.core.testkit.TestStack;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
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

/**
 * Holds the function catalog, the built jars, {@code openapi.yaml}, {@code events/}, the local
 * server and the code's own route tables and tables to one another. Which modules are functions,
 * and of which kind, comes from {@link FunctionCatalog}, never from folder names.
 */
class ProjectConsistencyTest {

    static Path root;
    static List<ApiRoute> apiRoutes;

    @BeforeAll
    static void read() {
        root = LocalServer.repositoryRoot();
        apiRoutes = OpenApiRoutes.read(root.resolve("openapi.yaml"));
    }

    static Map<String, String> routes() {
        Map<String, String> routes = new TreeMap<>();
        apiRoutes.forEach(route -> routes.put(route.routeKey(), route.function()));
        return routes;
    }

    @Test
    void everyModuleUnderFunctions_isACatalogFunctionOrALibrary_andEveryFunctionJarExists() throws IOException {
        Set<String> modules;
        try (Stream<Path> dirs = Files.list(root.resolve("functions"))) {
            modules = dirs.filter(d -> Files.isRegularFile(d.resolve("pom.xml")))
                    .map(d -> d.getFileName().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> declared = new TreeSet<>(FunctionCatalog.LIBRARIES);
        FunctionCatalog.ALL.forEach(spec -> declared.add(spec.module()));
        assertThat(modules).as("modules under functions/ against FunctionCatalog (functions and LIBRARIES)")
                .containsExactlyInAnyOrderElementsOf(declared);
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            assertThat(root.resolve(spec.jarPath())).as("jar of " + spec.name()).isRegularFile();
        }
    }

    @Test
    void everyHandler_existsInItsOwnJar_withTheSignatureOfItsKind() throws Exception {
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            Path jar = root.resolve(spec.jarPath());
            try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
                Class<?> handler = Class.forName(spec.handlerClass(), false, loader);
                assertThat(Modifier.isPublic(handler.getModifiers())).isTrue();
                assertThat(handler.getConstructor()).as("public no-arg constructor of " + handler).isNotNull();
                Class<?> input = switch (spec.kind()) {
                    case HTTP -> APIGatewayV2HTTPEvent.class;
                    case EVENT -> spec.trigger().orElseThrow().<Class<?>>match(stream -> DynamodbEvent.class,
                            sqs -> SQSEvent.class, schedule -> ScheduledEvent.class);
                    case AUTHORIZER -> APIGatewayV2CustomAuthorizerEvent.class;
                };
                Class<?> output = switch (spec.kind()) {
                    case HTTP -> APIGatewayV2HTTPResponse.class;
                    // EventBridge ignores what a scheduled function returns: a summary of the run, any type.
                    case EVENT -> spec.trigger().orElseThrow().<Class<?>>match(stream -> StreamsEventResponse.class,
                            sqs -> SQSBatchResponse.class, schedule -> Object.class);
                    case AUTHORIZER -> SimpleIAMPolicyResponse.class;
                };
                Method method = handler.getMethod(spec.handlerMethod(),
                        Class.forName(input.getName(), false, loader),
                        Class.forName(Context.class.getName(), false, loader));
                if (output == Object.class) {
                    assertThat(method.getReturnType()).as(spec.name()).isNotEqualTo(void.class);
                } else {
                    assertThat(method.getReturnType().getName()).as(spec.name()).isEqualTo(output.getName());
                }
                assertThat(Class.forName(RequestHandler.class.getName(), false, loader).isAssignableFrom(handler)).isTrue();
            }
        }
    }

    /**
     * Login, health and the authorizer use neither the model registry nor inference: their jars carry
     * neither library. The authorizer, which reads no table, does not carry the DynamoDB SDK either.
     */
    @Test
    void loginHealthAndAuthorizerJars_carryNoS3SdkDjlOnnxRuntimeOrTribuo() throws IOException {
        List<String> heavyPrefixes = List.of("software/amazon/awssdk/services/s3/", "dev/mlapi/registry/", "ai/djl/",
                "ai/onnxruntime/", "dev/mlapi/inference/", "org/tribuo/");
        try (JarFile jar = new JarFile(root.resolve(FunctionCatalog.AUTHORIZER.jarPath()).toFile())) {
            assertThat(jar.stream().map(e -> e.getName()).filter(n -> n.startsWith("software/amazon/awssdk/services/dynamodb/")))
                    .as("authorizer.jar carries no DynamoDB SDK").isEmpty();
        }
        for (FunctionSpec spec : List.of(FunctionCatalog.LOGIN, FunctionCatalog.HEALTH, FunctionCatalog.AUTHORIZER)) {
            String function = spec.name();
            try (JarFile jar = new JarFile(root.resolve(spec.jarPath()).toFile())) {
                List<String> heavy = jar.stream().map(e -> e.getName())
                        .filter(n -> heavyPrefixes.stream().anyMatch(n::startsWith))
                        .toList();
                assertThat(heavy).as(function + ".jar").isEmpty();
                assertThat(jar.getEntry("dev/mlapi/core/Wiring.class")).as(function + ".jar has core").isNotNull();
            }
        }
    }

    private static Map<String, String> queueEnvironment(EmbeddedSqs sqs) {
        Map<String, String> environment = new HashMap<>(sqs.createQueues(QueueCatalog.ALL, QueueSpec::visibilityTimeout));
        environment.put(Config.Env.SQS_ENDPOINT, sqs.endpoint().toString());
        return environment;
    }

    @Test
    void routes_openApiTheLocalServerAndHandlers_agree() throws Exception {
        // Functions that send tasks (the training planner) find their queues when they are built.
        try (EmbeddedSqs sqs = EmbeddedSqs.start();
                TestStack stack = TestStack.start(queueEnvironment(sqs))) {
            FunctionHost host = FunctionHost.create(FunctionCatalog.ALL, apiRoutes, stack.wiring(),
                    Files.createTempDirectory("event-sources"));
            // README's "Adding a function", every step, for every function: among them, each handler
            // declares exactly its function's operations, each with the access its security says.
            assertThat(new FunctionContract(root, FunctionCatalog.ALL)
                    .check(FunctionCatalog.ALL, spec -> host.handler(spec.name())))
                    .as("what catalog functions lack").isEmpty();
            assertThat(host.routes()).extracting(t -> t.route().routeKey())
                    .containsExactlyInAnyOrderElementsOf(routes().keySet());
            assertThat(host.streamSources().size() + host.sqsSources().size() + host.scheduleSources().size())
                    .as("event sources")
                    .isEqualTo(FunctionCatalog.ofKind(FunctionSpec.Kind.EVENT).size());
            host.close();
        }
    }

    static List<Path> eventFiles() throws IOException {
        try (Stream<Path> list = Files.list(root.resolve("events"))) {
            return list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @Test
    void events_coverEveryRouteAndEveryEventFunction_andLookLikeWhatAwsSends() throws IOException {
        Map<String, String> routes = routes();
        Set<String> covered = new TreeSet<>();
        Set<String> eventFunctionsCovered = new TreeSet<>();
        for (Path file : eventFiles()) {
            String name = file.getFileName().toString();
            // The longest catalog name it starts with: train-worker-insert.json is train-worker's, not train's.
            FunctionSpec spec = FunctionCatalog.ALL.stream().filter(s -> name.startsWith(s.name() + "-"))
                    .max(java.util.Comparator.comparingInt(s -> s.name().length()))
                    .orElseThrow(() -> new AssertionError(name + " does not start with a catalog function's name"));
            String function = spec.name();
            if (spec.kind() == FunctionSpec.Kind.AUTHORIZER) {
                APIGatewayV2CustomAuthorizerEvent event = EventLoader.loadAPIGatewayV2CustomAuthorizerEvent(file.toString());
                assertThat(event.getVersion()).as(name).isEqualTo("2.0");
                assertThat(event.getType()).as(name).isEqualTo("REQUEST");
                assertThat(apiRoutes).as(name + ": the authorizer stands in front of token routes only")
                        .anyMatch(route -> route.requiresToken() && route.routeKey().equals(event.getRouteKey()));
                assertThat(event.getRouteArn()).as(name).endsWith("/" + event.getRouteKey().replace(" ", ""));
                assertThat(event.getHeaders().keySet()).as(name + " headers are lower-case")
                        .allMatch(h -> h.equals(h.toLowerCase(Locale.ROOT)));
                assertThat(event.getIdentitySource()).as(name + ": identity source is the Authorization header")
                        .isEqualTo(event.getHeaders().containsKey("authorization")
                                ? List.of(event.getHeaders().get("authorization")) : List.of());
                eventFunctionsCovered.add(function);
                continue;
            }
            if (spec.kind() == FunctionSpec.Kind.EVENT) {
                spec.trigger().orElseThrow().visit(stream -> {
                    DynamodbEvent event = EventLoader.loadDynamoDbEvent(file.toString());
                    assertThat(event.getRecords()).as(name).isNotEmpty();
                    event.getRecords().forEach(record -> {
                        assertThat(record.getEventSource()).as(name).isEqualTo("aws:dynamodb");
                        assertThat(record.getDynamodb().getSequenceNumber()).as(name).isNotBlank();
                    });
                }, sqs -> {
                    SQSEvent event = EventLoader.loadSQSEvent(file.toString());
                    assertThat(event.getRecords()).as(name).isNotEmpty().hasSizeLessThanOrEqualTo(sqs.batchSize());
                    event.getRecords().forEach(record -> {
                        assertThat(record.getEventSource()).as(name).isEqualTo("aws:sqs");
                        assertThat(record.getEventSourceArn()).as(name).startsWith("arn:aws:sqs:");
                        assertThat(record.getMessageId()).as(name).isNotBlank();
                        assertThat(record.getReceiptHandle()).as(name).isNotBlank();
                        assertThat(record.getAttributes()).as(name).containsKey("ApproximateReceiveCount");
                        // A task is a small JSON object naming its job and kind (DESIGN: no data inside).
                        assertThat(record.getBody()).as(name).contains("\"job\"").contains("\"kind\"");
                    });
                }, schedule -> {
                    ScheduledEvent event = EventLoader.loadScheduledEvent(file.toString());
                    assertThat(event.getSource()).as(name).isEqualTo("aws.events");
                    assertThat(event.getDetailType()).as(name).isEqualTo("Scheduled Event");
                    assertThat(event.getTime()).as(name).isNotNull();
                    assertThat(event.getResources()).as(name + ": the rule that fired").hasSize(1);
                    assertThat(event.getResources().get(0)).as(name).startsWith("arn:aws:events:")
                            .endsWith(":rule/" + spec.logicalName() + Trigger.Schedule.EVENT_NAME);
                });
                eventFunctionsCovered.add(function);
                continue;
            }
            APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(file.toString());
            assertThat(event.getVersion()).as(name).isEqualTo("2.0");
            assertThat(routes).as(name + " routeKey").containsKey(event.getRouteKey());
            assertThat(function).as(name + ": file name starts with the function of its route")
                    .isEqualTo(routes.get(event.getRouteKey()));
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
        assertThat(eventFunctionsCovered).as("event functions and authorizers with a sample event")
                .containsExactlyInAnyOrderElementsOf(FunctionCatalog.ALL.stream()
                        .filter(spec -> spec.kind() != FunctionSpec.Kind.HTTP).map(FunctionSpec::name).toList());
    }

    @Test
    void tablesTheLocalServerCreates_areTheCatalogs_withTheirStreams() {
        try (TestStack stack = TestStack.start()) {
            for (TableSpec table : TableCatalog.ALL) {
                var description = stack.wiring().dynamoDb()
                        .describeTable(r -> r.tableName(stack.config().environment().tableName(table))).table();
                assertThat(description.keySchema().get(0).attributeName()).as(table.logicalId())
                        .isEqualTo(table.partitionKey());
                assertThat(description.globalSecondaryIndexes()).extracting(i -> i.indexName()).as(table.logicalId())
                        .containsExactlyInAnyOrderElementsOf(table.indexes().stream().map(TableSpec.IndexSpec::name).toList());
                assertThat(description.streamSpecification() != null && description.streamSpecification().streamEnabled())
                        .as(table.logicalId() + " stream").isEqualTo(table.streamsNewImages());
            }
        }
    }
}
