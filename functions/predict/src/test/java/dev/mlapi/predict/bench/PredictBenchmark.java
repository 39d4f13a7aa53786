package dev.mlapi.predict.bench;

import static dev.mlapi.core.testkit.InterleavedBench.check;
import static dev.mlapi.core.testkit.InterleavedBench.handlerCall;
import static dev.mlapi.core.testkit.InterleavedBench.post;
import static dev.mlapi.core.testkit.InterleavedBench.timed;

import dev.mlapi.core.testkit.InterleavedBench;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.EventCodec;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.users.User;
import dev.mlapi.predict.PredictHandler;
import dev.mlapi.predict.PredictRequest;
import dev.mlapi.predict.PredictService;
import dev.mlapi.predict.TabularModel;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.ModelRegistry;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import dev.mlapi.training.ModelTrainer;
import dev.mlapi.training.TrainSpec;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

/**
 * Warm latency of predict with a 100-tree random forest (trained here by the training library on
 * iris, or on a generated three-class dataset when {@code shared/datasets} is absent), for 1 and
 * for 100 instances, against its floor, printed as a table.
 *
 * <ul>
 * <li>handler: a JSON body through {@link PredictHandler#handleRequest}: JSON, the token check
 * (signature, then the user lookup in DynamoDB Local overlapped with the work), the manifest read
 * from the registry (embedded S3), the features checked, ONNX Runtime, the JSON answer, and the
 * request-log write (PutItem) to DynamoDB Local.</li>
 * <li>floor: a raw {@code ai.onnxruntime} {@code OrtSession.run} on the same rows, already a
 * buffer in the graph's input type: the tensor made, run, every output read (labels and the ZipMap).</li>
 * <li>service: the same event decoded, {@link PredictService#predict}, the answer encoded; no
 * auth, no request log, but the manifest still read from the registry on every call.</li>
 * <li>service, manifest memoised: the same with the registry's answer kept in memory, so no
 * storage round trip is left: what predict's own code adds to ONNX Runtime.</li>
 * <li>stages: each round trip and step timed on its own, to show where the time goes.</li>
 * </ul>
 * All rows run interleaved ({@link InterleavedBench}: one call of each in turn) in this JVM,
 * whose JIT flags are the ones the catalog deploys predict with unless {@code -Dbench.tier} says
 * otherwise; warm-up runs at least {@code bench.warmup} rounds (400) and then on until the
 * handler's median over the last 100 rounds moves less than 3% (at most {@code bench.maxWarmup}, 2,000 rounds). Exits when done.
 *
 * <p>Run: {@code ./mvnw -q -o -pl functions/predict -am -DskipTests test-compile exec:exec@bench -Dbench=predict}.
 */
public final class PredictBenchmark {

    static final int TREES = 100;
    static final String MODEL = "bench-forest";

    private PredictBenchmark() {
    }

    private static final List<String> ROWS = List.of(
            "handler: JSON → JSON (auth overlapped, request log)",
            "floor: raw ORT session.run, outputs read",
            "service: no auth, no request log (manifest read)",
            "service, manifest memoised (no round trip)",
            "  stage: TabularModel.predict (rows → outputs)",
            "  stage: raw ORT session.run only",
            "  stage: manifest read (S3 GetObject), alone",
            "  stage: token lookup (BatchGetItem), alone",
            "  stage: request-log write (PutItem), alone");

    /** One measured batch: its rows share the index of {@link #ROWS}. */
    private record Subject(String name, double[][] rows) {
    }

    public static void main(String[] args) throws Exception {
        InterleavedBench.runThenHalt("predict", PredictBenchmark::run);
    }

    private static void run() throws Exception {
        Data data = data();
        try (TestStack stack = TestStack.start()) {
            S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
            long trainStart = System.nanoTime();
            TrainSpec spec = TrainSpec.parse(Json.write(Map.of("model_name", MODEL, "algorithm", "random_forest",
                    "dataset", Map.of("csv", data.csv()), "params", Map.of("n_estimators", List.of(TREES)),
                    "cv_folds", 2, "seed", 7)));
            Manifest manifest = new ModelTrainer(registry).train(spec, "bench", (done, total) -> { }).manifest();
            byte[] onnx = registry.readFile(manifest, manifest.modelFile());
            System.out.printf(Locale.ROOT, "trained %s on %s (%d rows) in %.1f s: %s, ONNX %d bytes%n", manifest.ref(),
                    data.name(), spec.dataset().size(), (System.nanoTime() - trainStart) / 1e9, spec.algorithm().value()
                            + " n_estimators=" + TREES, onnx.length);

            User user = new User("id-bench", "bench", Optional.empty(), Role.USER, "unused", Instant.now(), 0);
            stack.wiring().userStore().create(user);
            String token = stack.wiring().jwt().issue(user).token();
            var principal = stack.wiring().jwt().verify(token);

            PredictService service = PredictService.create(stack.config(), registry);
            PredictHandler handler = new PredictHandler(stack.wiring());
            PredictService memoised = PredictService.create(stack.config(), new MemoisedRegistry(registry), registry);
            TabularModel model = TabularModel.load(manifest.ref(), onnx, manifest.labels());
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession session;
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                session = env.createSession(onnx, options);
            }
            String input = session.getInputNames().iterator().next();
            ModelRef ref = ModelRef.parse("model", manifest.ref());

            double[][] all = spec.dataset().rows();
            double[][] hundred = new double[100][];
            for (int i = 0; i < hundred.length; i++) {
                hundred[i] = all[i * all.length / hundred.length];
            }
            List<Subject> subjects = List.of(new Subject("1 instance", new double[][] {all[all.length - 1]}),
                    new Subject("100 instances", hundred));

            List<InterleavedBench.Subject> measured = new ArrayList<>();
            for (Subject subject : subjects) {
                double[][] rows = subject.rows();
                String body = Json.writeString(Map.of("model", manifest.ref(), "instances", rows));
                Input flat = Input.of(session, input, rows);
                checkSameAnswers(handler, body, token, session, input, flat);
                measured.add(new InterleavedBench.Subject(subject.name(), List.of(
                        handlerCall(handler, "/predict", body, token),
                        timed(() -> readAll(session, input, flat)),
                        () -> timeService(service, body, token),
                        () -> timeService(memoised, body, token),
                        timed(() -> model.predict(rows)),
                        () -> {
                            try (OnnxTensor tensor = flat.tensor()) {
                                long t0 = System.nanoTime();
                                try (OrtSession.Result result = session.run(Map.of(input, tensor))) {
                                    return System.nanoTime() - t0;
                                }
                            } catch (OrtException e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        timed(() -> registry.resolve(ref)),
                        timed(() -> stack.wiring().authenticator().confirm(principal)),
                        timed(() -> stack.wiring().requestLog().record(new RequestLogEntry("bench-" + UUID.randomUUID(),
                                Instant.now(), "POST /predict", "POST", "/predict", Optional.of("bench"), 200,
                                0.001, 1000, Optional.empty(), Optional.empty(), Optional.empty(),
                                Optional.of(manifest.ref()), Optional.of("x"), Optional.empty(), Optional.empty(),
                                Instant.now()))))));
            }

            InterleavedBench.Result result = InterleavedBench.measure(ROWS, measured);
            session.close();
            model.close();
            memoised.close();
            service.close();
            print(data, result);
        }
    }

    private static long timeService(PredictService service, String body, String token) {
        APIGatewayV2HTTPEvent event = post("/predict", body, token);
        long t0 = System.nanoTime();
        ApiRequest request = EventCodec.decode(event, Instant.now());
        var response = EventCodec.encode(ApiResponse.ok(service.predict(PredictRequest.from(request),
                request.logFields())));
        long elapsed = System.nanoTime() - t0;
        check(response.getStatusCode(), response.getBody());
        return elapsed;
    }

    /** The floor: a tensor from the ready float buffer, one run, every output read into Java. */
    private static List<Object> readAll(OrtSession session, String input, Input flat) {
        try (OnnxTensor tensor = flat.tensor();
                OrtSession.Result result = session.run(Map.of(input, tensor))) {
            List<Object> values = new ArrayList<>();
            for (Map.Entry<String, OnnxValue> output : result) {
                values.add(output.getValue().getValue());
            }
            return values;
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The handler and the raw session agree on every label, or the comparison means nothing. */
    private static void checkSameAnswers(PredictHandler handler, String body, String token, OrtSession session,
            String input, Input flat) {
        var response = handler.handleRequest(post("/predict", body, token), null);
        check(response.getStatusCode(), response.getBody());
        List<String> labels = new ArrayList<>();
        Json.readTree(response.getBody().getBytes(StandardCharsets.UTF_8)).get("predictions")
                .forEach(p -> labels.add(p.get("label").asText()));
        Object raw = readAll(session, input, flat).get(0);
        List<String> rawLabels = raw instanceof String[] s ? Arrays.asList(s)
                : Arrays.stream((long[]) raw).mapToObj(String::valueOf).toList();
        if (!labels.equals(rawLabels)) {
            throw new IllegalStateException("handler " + labels + " and raw ONNX Runtime " + rawLabels + " disagree");
        }
    }

    private static void print(Data data, InterleavedBench.Result result) {
        InterleavedBench.printHeader(FunctionCatalog.PREDICT, TREES + "-tree random forest on " + data.name(),
                result.warmupRounds());
        for (InterleavedBench.Table table : result.tables()) {
            InterleavedBench.Row handler = table.row(0);
            InterleavedBench.Row floor = table.row(1);
            InterleavedBench.Row service = table.row(2);
            InterleavedBench.Row memoised = table.row(3);
            table.print(52, 3, floor);
            System.out.printf(Locale.ROOT, "%nover the floor (p50, p95): handler %.2f×, %.2f×; service %.2f×, %.2f×;"
                            + " service without round trips %.2f×, %.2f×%n",
                    handler.p50() / floor.p50(), handler.p95() / floor.p95(),
                    service.p50() / floor.p50(), service.p95() / floor.p95(),
                    memoised.p50() / floor.p50(), memoised.p95() / floor.p95());
        }
    }

    /** The training data: iris from {@code shared/datasets}, else a generated stand-in of the same shape. */
    private record Data(String name, String csv) {
    }

    private static Data data() throws Exception {
        String configured = System.getProperty("mlapi.shared.dir");
        Path dir = configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of("").toAbsolutePath().resolve("../../../shared").normalize();
        Path iris = dir.resolve("datasets").resolve("iris.csv");
        if (Files.isRegularFile(iris)) {
            return new Data("iris (150 rows, 4 features, 3 classes)", Files.readString(iris));
        }
        System.out.println("no " + iris + " (or -Dmlapi.shared.dir=...): training on a generated dataset instead");
        Random random = new Random(5);
        StringBuilder csv = new StringBuilder("a,b,c,d,band\n");
        for (int i = 0; i < 150; i++) {
            double[] x = {random.nextDouble(), random.nextDouble(), random.nextDouble(), random.nextDouble()};
            double sum = x[0] + x[1] + x[2] * 0.5 + x[3] * 0.5;
            String band = sum < 1.2 ? "low" : sum > 1.8 ? "high" : "mid";
            csv.append(String.format(Locale.ROOT, "%.3f,%.3f,%.3f,%.3f,%s%n", x[0], x[1], x[2], x[3], band));
        }
        return new Data("a generated dataset (150 rows, 4 features, 3 classes)", csv.toString());
    }

    /** The registry with each reference's manifest kept after its first read: files are still read from S3. */
    private static final class MemoisedRegistry implements ModelRegistry {
        private final ModelRegistry registry;
        private final Map<ModelRef, Manifest> manifests = new java.util.concurrent.ConcurrentHashMap<>();

        MemoisedRegistry(ModelRegistry registry) {
            this.registry = registry;
        }

        @Override
        public Manifest resolve(ModelRef ref) {
            return manifests.computeIfAbsent(ref, registry::resolve);
        }

        @Override
        public byte[] readFile(Manifest manifest, String fileName) {
            return registry.readFile(manifest, fileName);
        }
    }

    /** The rows laid out once in the graph's input type (the training library exports double, scikit-learn float). */
    private record Input(double[] doubles, float[] floats, long[] shape) {

        static Input of(OrtSession session, String input, double[][] rows) throws OrtException {
            long[] shape = {rows.length, rows[0].length};
            double[] doubles = Arrays.stream(rows).flatMapToDouble(Arrays::stream).toArray();
            if (((TensorInfo) session.getInputInfo().get(input).getInfo()).type == OnnxJavaType.DOUBLE) {
                return new Input(doubles, null, shape);
            }
            float[] floats = new float[doubles.length];
            for (int i = 0; i < doubles.length; i++) {
                floats[i] = (float) doubles[i];
            }
            return new Input(null, floats, shape);
        }

        OnnxTensor tensor() throws OrtException {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            return doubles != null ? OnnxTensor.createTensor(env, DoubleBuffer.wrap(doubles), shape)
                    : OnnxTensor.createTensor(env, FloatBuffer.wrap(floats), shape);
        }
    }
}
