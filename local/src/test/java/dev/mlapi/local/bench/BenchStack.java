package dev.mlapi.local.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.EnvValue;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.core.bench.ColdStartProbe;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.EmbeddedSqs;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.users.User;
import dev.mlapi.inference.TabularOnnx;
import dev.mlapi.models.DefaultImageModel;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Storage for function jars started in other JVMs: DynamoDB Local and the S3 server of the test
 * kit, the users the sample events need (alice, an admin whose token the other events carry), the
 * default image model (MobileNetV2 from {@code ../shared/models}, when present) and the iris tree
 * predict's events name (aliased {@code production}, so predict's priming loads it). Runs
 * {@link ColdStartProbe} in a child JVM per call, with the function's environment and JVM options
 * as the catalog deploys them.
 */
public final class BenchStack implements AutoCloseable {

    /** The sample event each function's first request is, by catalog name; others use their first {@code events/<name>-*.json}. */
    static final Map<String, String> EVENTS = Map.ofEntries(
            Map.entry("login", "login-login-json.json"),
            Map.entry("health", "health-check.json"),
            Map.entry("classify", "classify-image-base64.json"),
            Map.entry("models", "models-list.json"),
            Map.entry("predict", "predict-instances-objects.json"),
            Map.entry("history", "history-list.json"),
            Map.entry("report", "report-stats.json"),
            Map.entry("aggregator", "aggregator-request-log-stream.json"),
            Map.entry("train", "train-list.json"),
            // A job id that does not exist: the worker reads it, finds nothing to run and returns.
            Map.entry("train-worker", "train-worker-job-inserted.json"),
            Map.entry("images", "images-list-tags.json"),
            // API Gateway's REQUEST authorizer event; its token is replaced by the admin's, signed with this stack's key.
            Map.entry("authorizer", "authorizer-valid-token.json"));

    private final EmbeddedSqs sqs;
    private final Map<String, String> queueEnvironment;
    private final TestStack stack;
    private final Path root;
    private final Path work;
    private final String adminToken;
    private final boolean imageModel;

    private BenchStack(EmbeddedSqs sqs, Map<String, String> queueEnvironment, TestStack stack, Path root)
            throws IOException {
        this.sqs = sqs;
        this.queueEnvironment = Map.copyOf(queueEnvironment);
        this.stack = stack;
        this.root = root;
        this.work = Files.createDirectories(root.resolve("local/target/bench"));
        var hasher = stack.wiring().passwordHasher();
        stack.wiring().userStore().create(new User("bench-alice", "alice", Optional.empty(), Role.USER,
                hasher.hash("correct-horse-battery"), Instant.now(), 0));
        User admin = new User("bench-admin", "bench-admin", Optional.empty(), Role.ADMIN, "unused-hash",
                Instant.now(), 0);
        stack.wiring().userStore().create(admin);
        this.adminToken = stack.wiring().jwt().issue(admin).token();
        S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        Path shared = root.toAbsolutePath().resolveSibling("shared").resolve("models");
        this.imageModel = Files.isRegularFile(shared.resolve(DefaultImageModel.MODEL.fileName()))
                && DefaultImageModel.ensureRegistered(registry, Optional.of(shared), DefaultImageModel.httpClient())
                        .isPresent();
        var iris = registry.register(ModelRegistration.builder().setName("iris").setKind(ModelKind.TABULAR)
                        .setModelFile("model.onnx").setCreatedBy("bench").optFeatureNames(TabularOnnx.IRIS_FEATURES)
                        .build(),
                List.of(new ModelFile("model.onnx", TabularOnnx.irisTree())));
        // Deployed, as a served model is: predict primes the production models it finds.
        registry.setAlias("iris", "production", iris.version(), "bench");
    }

    /** DynamoDB Local, S3Proxy and ElasticMQ with every queue (the queue workers and their producers need their URLs). */
    /** A benchmark's body, run by {@link #runThenHalt}. */
    public interface Body {
        void run(int first, int second) throws Exception;
    }

    /**
     * Runs a benchmark's main: its two whole-number arguments ({@code exec:exec} passes -Drun.args
     * as one argument, so it is split here; a missing one takes its default), then ends the JVM at
     * once with 0, or 1 after printing what failed (DynamoDB Local's scheduler thread is not a
     * daemon, and its shutdown is noisy).
     */
    public static void runThenHalt(String[] args, int firstDefault, int secondDefault, Body body) {
        List<String> words = Arrays.stream(String.join(" ", args).trim().split("\\s+")).filter(w -> !w.isEmpty())
                .toList();
        int exit = 1;
        try {
            body.run(words.isEmpty() ? firstDefault : Integer.parseInt(words.get(0)),
                    words.size() > 1 ? Integer.parseInt(words.get(1)) : secondDefault);
            exit = 0;
        } catch (Exception | Error e) {
            e.printStackTrace();
        } finally {
            System.out.flush();
            Runtime.getRuntime().halt(exit);
        }
    }

    public static BenchStack start() throws IOException {
        EmbeddedSqs sqs = EmbeddedSqs.start();
        Map<String, String> queues = new HashMap<>(sqs.createQueues(QueueCatalog.ALL, QueueSpec::visibilityTimeout));
        queues.put(Config.Env.SQS_ENDPOINT, sqs.endpoint().toString());
        Map<String, String> environment = new HashMap<>(queues);
        environment.put(Config.Env.DEFAULT_IMAGE_MODEL, DefaultImageModel.NAME + "@" + DefaultImageModel.ALIAS);
        return new BenchStack(sqs, queues, TestStack.start(environment), Events.repositoryRoot());
    }

    public TestStack stack() {
        return stack;
    }

    public Path root() {
        return root;
    }

    /** Whether MobileNetV2 is registered (the shared models folder was there): classify answers without it only 404. */
    public boolean hasImageModel() {
        return imageModel;
    }

    /** The embedded SQS server (ElasticMQ) the queue workers' tasks go through. */
    public EmbeddedSqs sqs() {
        return sqs;
    }

    /** The URL of one of the catalog's queues on this stack. */
    public String queueUrl(QueueSpec queue) {
        return queueEnvironment.get(queue.envVar());
    }

    /** {@code events/<file>} as an API Gateway event carrying the admin's token (to call an API handler in this JVM). */
    public APIGatewayV2HTTPEvent adminEvent(String file) {
        return Events.withBearer(Events.load(file), adminToken);
    }

    public Path jar(FunctionSpec spec) {
        return root.resolve(spec.jarPath());
    }

    /** What a function gets in AWS, pointed at this stack: the catalog's literal values (JVM options included) and the stack's names. */
    public Map<String, String> environment(FunctionSpec spec) {
        Map<String, String> env = new HashMap<>();
        spec.environment().forEach((name, value) -> {
            if (value instanceof EnvValue.Literal literal) {
                env.put(name, literal.value());
            }
        });
        env.putAll(stack.environment());
        env.putAll(queueEnvironment);
        env.put(Env.DEFAULT_IMAGE_MODEL, DefaultImageModel.NAME + "@" + DefaultImageModel.ALIAS);
        return env;
    }

    /** The function's first-request event, carrying the admin's token where it asks for one. */
    public Path event(FunctionSpec spec) throws IOException {
        return event(eventFile(spec));
    }

    /** The name of the function's first-request event in {@code events/}. */
    public static String eventFile(FunctionSpec spec) {
        return Optional.ofNullable(EVENTS.get(spec.name())).orElseGet(() -> firstEventOf(spec.name()));
    }

    /** A copy of {@code events/<file>} carrying the admin's token where it asks for one. */
    public Path event(String file) throws IOException {
        JsonNode event = Json.mapper().readTree(Events.folder().resolve(file).toFile());
        JsonNode headers = event.get("headers");
        if (headers instanceof ObjectNode writable && headers.has("authorization")) {
            writable.put("authorization", "Bearer " + adminToken);
        }
        if (event instanceof ObjectNode authorizerEvent && event.has("identitySource")) {
            authorizerEvent.putArray("identitySource").add("Bearer " + adminToken);
        }
        Path copy = work.resolve("bench-" + file);
        Files.writeString(copy, Json.mapper().writeValueAsString(event));
        return copy;
    }

    private static String firstEventOf(String function) {
        try (Stream<Path> files = Files.list(Events.folder())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(function + "-")).sorted()
                    .findFirst().orElseThrow(() -> new IllegalStateException("no events/" + function + "-*.json"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts {@code java -cp <jar> ColdStartProbe <handler> <event> <warm>} and times it from the
     * spawn to the line that says the first response exists (the external clock).
     */
    public Probe probe(Path jar, String handlerClass, Path event, Map<String, String> env, int warmInvokes)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar.toString(), ColdStartProbe.class.getName(), handlerClass,
                event == null ? "-" : event.toString(), Integer.toString(warmInvokes)));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(work.resolve(jar.getFileName() + ".stderr.log").toFile());
        builder.environment().putAll(env);
        // BENCH_JVM_EXTRA="-Xlog:class+load:file=/tmp/%p.log:uptime": diagnostics on top of the deployed flags
        String extra = System.getenv().getOrDefault("BENCH_JVM_EXTRA", "");
        if (!extra.isBlank()) {
            builder.environment().merge("JAVA_TOOL_OPTIONS", extra, (deployed, added) -> deployed + " " + added);
        }
        long spawned = System.nanoTime();
        Process process = builder.start();
        double firstResponseMs = Double.NaN;
        String result = null;
        List<String> output = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("FIRST ") && Double.isNaN(firstResponseMs)) {
                    firstResponseMs = (System.nanoTime() - spawned) / 1e6;
                }
                if (line.startsWith("{\"status\"") || line.startsWith("{\"init_ms\"")) {
                    result = line;
                }
                if (output.size() < 200) {
                    output.add(line);
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException(jar.getFileName() + " exited with " + exit + ": "
                    + String.join("\n", output) + "\n(stderr in " + work + ")");
        }
        return new Probe(firstResponseMs, Json.mapper().readTree(result));
    }

    /** One child JVM's figures: spawn → first response measured outside, the rest as the probe printed them. */
    public record Probe(double spawnToFirstResponseMs, JsonNode figures) {
        public double get(String field) {
            return figures.get(field).asDouble();
        }
    }

    @Override
    public void close() {
        try {
            stack.close();
        } finally {
            sqs.close();
        }
    }
}
