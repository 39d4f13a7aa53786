package dev.mlapi.classify.bench;

import static dev.mlapi.core.testkit.InterleavedBench.check;
import static dev.mlapi.core.testkit.InterleavedBench.handlerCall;
import static dev.mlapi.core.testkit.InterleavedBench.post;
import static dev.mlapi.core.testkit.InterleavedBench.timed;

import dev.mlapi.core.testkit.InterleavedBench;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.classify.ClassifyImageHandler;
import dev.mlapi.classify.ClassifyRequest;
import dev.mlapi.classify.ClassifyService;
import dev.mlapi.classify.ClassifySettings;
import dev.mlapi.classify.SharedFolder;
import dev.mlapi.classify.TestModels;
import dev.mlapi.core.image.DecodedImage;
import dev.mlapi.core.image.ImageDecoder;
import dev.mlapi.classify.image.ImagePreprocessor;
import dev.mlapi.classify.image.ImageTensor;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.EventCodec;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.runtime.AfterResponse;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.users.User;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.imageio.ImageIO;

/**
 * Warm latency of classify with MobileNetV2 int8 against its floor, for a photo and for a
 * 224×224 image (the photo scaled to the model's input size, so decoding is small and the
 * storage round trips weigh most), printed as a table.
 *
 * <ul>
 * <li>handler: a base64 JPEG through {@link ClassifyImageHandler#handleRequest}: JSON, base64,
 * the token check (signature first, user and revocation lookup in DynamoDB Local overlapped with
 * the work), model resolution, decode, preprocessing, DJL + ONNX Runtime, the request-log write.</li>
 * <li>floor: JPEG decode ({@code ImageIO.read}) + a raw {@code ai.onnxruntime} {@code session.run}
 * on the same, precomputed tensor.</li>
 * <li>handler without auth + request log: the same code minus the pipeline.</li>
 * <li>stages: each step timed on its own, to show where the time goes.</li>
 * <li>handler, request log after the answer: as deployed in Lambda, where the after-response
 * extension ({@code core.runtime.AfterResponse}) lets Lambda send the answer before the
 * request-log write, which lands before the next invocation (waited for outside the clock).</li>
 * </ul>
 * All rows run interleaved ({@link InterleavedBench}: one call of each in turn) in this JVM,
 * whose JIT flags are the ones the catalog deploys classify with unless {@code -Dbench.tier} says
 * otherwise; warm-up runs at least {@code bench.warmup} rounds (400) and then on until the
 * handler's median over the last 100 rounds moves less than 3% (at most {@code bench.maxWarmup}, 2,000 rounds). Cold start is measured for every function
 * by {@code local}'s {@code ColdStartBenchmark}. Exits when done.
 *
 * <p>Run: {@code ./mvnw -q -o -pl functions/classify -am -DskipTests test-compile exec:exec@bench -Dbench=classify}.
 */
public final class ClassifyBenchmark {

    static final String PHOTO = System.getProperty("bench.photo", "cat.jpg");

    private ClassifyBenchmark() {
    }

    /** One measured image: its rows share the index of {@link #ROWS}. */
    private record Subject(String name, byte[] jpeg) {
    }

    private static final List<String> ROWS = List.of(
            "handler: base64 JPEG → JSON answer (auth overlapped)",
            "floor: JPEG decode + raw ORT session.run",
            "handler without auth + request log (same code)",
            "  stage: decode (ImageIO + bomb guard)",
            "  stage: preprocess (resize/crop/normalise)",
            "  stage: DJL predictor (tensor in, probabilities out)",
            "  stage: raw ORT session.run only",
            "  stage: token lookup (BatchGetItem), alone",
            "  stage: request-log write (PutItem), alone",
            "handler, request log after the answer (Lambda)");

    public static void main(String[] args) throws Exception {
        InterleavedBench.runThenHalt("classify", ClassifyBenchmark::run);
    }

    private static void run() throws Exception {
        Path shared = SharedFolder.find().orElseThrow(() -> new IllegalStateException(
                "the benchmark needs shared/models and shared/images (../../../shared or -D" + SharedFolder.PROPERTY + ")"));
        byte[] photo = Files.readAllBytes(shared.resolve("images").resolve(PHOTO));
        List<Subject> subjects = List.of(new Subject(PHOTO, photo), new Subject("224×224 JPEG (" + PHOTO + " scaled)",
                scaled(photo, 224, 224)));
        TestModels.Model mobileNet = TestModels.mobileNet(shared, "mobilenetv2", 1);

        try (TestStack stack = TestStack.start(Map.of(Config.Env.DEFAULT_IMAGE_MODEL, "mobilenetv2@production"))) {
            S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
            Manifest manifest = TestModels.register(registry, mobileNet, false);
            registry.setAlias("mobilenetv2", "production", manifest.version(), "bench");
            User user = new User("id-bench", "bench", Optional.empty(), Role.USER, "unused", Instant.now(), 0);
            stack.wiring().userStore().create(user);
            String token = stack.wiring().jwt().issue(user).token();
            var principal = stack.wiring().jwt().verify(token);

            ClassifyImageHandler handler = new ClassifyImageHandler(stack.wiring());
            AfterResponse afterResponse = AfterResponse.background();
            ClassifyImageHandler lambdaHandler = new ClassifyImageHandler(stack.wiring().withAfterResponse(afterResponse));
            ClassifyService service = ClassifyService.create(ClassifySettings.from(stack.config().environment()),
                    registry, Clock.systemUTC());
            ImageDecoder decoder = ImageDecoder.withDefaultLimits();
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            OrtSession session = env.createSession(mobileNet.modelBytes(), options);
            var djl = dev.mlapi.classify.inference.OnnxImageClassifier.load(manifest, mobileNet.modelBytes());

            List<InterleavedBench.Subject> measured = new ArrayList<>();
            for (Subject subject : subjects) {
                byte[] jpeg = subject.jpeg();
                String body = "{\"image_base64\":\"" + Base64.getEncoder().encodeToString(jpeg) + "\"}";
                ImageTensor tensor = ImagePreprocessor.toTensor(decoder.decode(jpeg).pixels(),
                        manifest.preprocessing().orElseThrow());
                DecodedImage decoded = decoder.decode(jpeg);
                measured.add(new InterleavedBench.Subject(subject.name() + " (" + jpeg.length + " bytes)", List.of(
                        handlerCall(handler, "/classify", body, token),
                        () -> {
                            long t0 = System.nanoTime();
                            try {
                                var image = ImageIO.read(new ByteArrayInputStream(jpeg));
                                try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(tensor.data()),
                                        tensor.shape()); OrtSession.Result result = session.run(Map.of("input", input))) {
                                    float[][] scores = (float[][]) result.get(0).getValue();
                                    check(image.getWidth() > 0 && scores[0].length == 1000 ? 200 : 500, "floor");
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            return System.nanoTime() - t0;
                        },
                        () -> {
                            APIGatewayV2HTTPEvent event = post("/classify", body, token);
                            long t0 = System.nanoTime();
                            ApiRequest request = EventCodec.decode(event, Instant.now());
                            var response = EventCodec.encode(ApiResponse.ok(service.classify(
                                    ClassifyRequest.from(request), request.logFields())));
                            long elapsed = System.nanoTime() - t0;
                            check(response.getStatusCode(), response.getBody());
                            return elapsed;
                        },
                        timed(() -> decoder.decode(jpeg)),
                        timed(() -> ImagePreprocessor.toTensor(decoded.pixels(), manifest.preprocessing().orElseThrow())),
                        timed(() -> djl.probabilities(tensor)),
                        () -> {
                            try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(tensor.data()),
                                    tensor.shape())) {
                                long t0 = System.nanoTime();
                                try (OrtSession.Result result = session.run(Map.of("input", input))) {
                                    return System.nanoTime() - t0;
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        timed(() -> stack.wiring().authenticator().confirm(principal)),
                        timed(() -> stack.wiring().requestLog().record(new RequestLogEntry("bench-" + UUID.randomUUID(),
                                Instant.now(), "POST /classify", "POST", "/classify", Optional.of("bench"), 200,
                                0.01, 1000, Optional.empty(), Optional.of(1), Optional.of(1), Optional.of("m:1"),
                                Optional.of("x"), Optional.empty(), Optional.empty(), Instant.now()))),
                        () -> {
                            // As in Lambda behind the after-response extension: the clock stops when the
                            // handler returns (Lambda sends the answer then); the write lands before the
                            // next call, as the extension holds the freeze (and the next invoke) until then.
                            APIGatewayV2HTTPEvent event = post("/classify", body, token);
                            String invocation = UUID.randomUUID().toString();
                            long t0 = System.nanoTime();
                            var response = lambdaHandler.handleRequest(event,
                                    new LocalContext(invocation, "classify", Long.MAX_VALUE));
                            long elapsed = System.nanoTime() - t0;
                            check(response.getStatusCode(), response.getBody());
                            check(afterResponse.awaitSettled(invocation, Duration.ofSeconds(30)) ? 200 : 500,
                                    "request log written after the answer");
                            return elapsed;
                        })));
            }

            InterleavedBench.Result result = InterleavedBench.measure(ROWS, measured);
            djl.close();
            session.close();
            service.close();
            print(result);
        }
    }

    private static void print(InterleavedBench.Result result) {
        InterleavedBench.printHeader(FunctionCatalog.CLASSIFY, "MobileNetV2 int8", result.warmupRounds());
        for (InterleavedBench.Table table : result.tables()) {
            table.print(54, 2);
            InterleavedBench.Row handler = table.row(0);
            InterleavedBench.Row floor = table.row(1);
            InterleavedBench.Row own = table.row(2);
            InterleavedBench.Row lambda = table.row(ROWS.size() - 1);
            System.out.printf(Locale.ROOT, "%nhandler / floor: p50 %.2f×, p95 %.2f×; without auth + request log: p50 %.2f×,"
                            + " p95 %.2f×; request log after the answer (Lambda): p50 %.2f×, p95 %.2f×%n",
                    handler.p50() / floor.p50(), handler.p95() / floor.p95(),
                    own.p50() / floor.p50(), own.p95() / floor.p95(),
                    lambda.p50() / floor.p50(), lambda.p95() / floor.p95());
        }
    }

    /** The photo scaled to {@code width}×{@code height} (bilinear) and encoded as JPEG again. */
    static byte[] scaled(byte[] jpeg, int width, int height) throws IOException {
        BufferedImage source = ImageIO.read(new ByteArrayInputStream(jpeg));
        BufferedImage target = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = target.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(source, 0, 0, width, height, null);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(target, "jpeg", out);
        return out.toByteArray();
    }
}
