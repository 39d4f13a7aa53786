package dev.mlapi.classify.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.mlapi.classify.ClassifySettings;
import dev.mlapi.classify.ClassifyImageHandler;
import dev.mlapi.classify.ClassifyRequest;
import dev.mlapi.classify.ClassifyService;
import dev.mlapi.classify.SharedFolder;
import dev.mlapi.classify.TestModels;
import dev.mlapi.core.image.DecodedImage;
import dev.mlapi.core.image.ImageDecoder;
import dev.mlapi.classify.image.ImagePreprocessor;
import dev.mlapi.classify.image.ImageTensor;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.EventCodec;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.User;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import javax.imageio.ImageIO;

/**
 * Warm and cold latency of classify with MobileNetV2 int8, printed as a table.
 *
 * <ul>
 * <li>handler: a base64 JPEG through {@link ClassifyImageHandler#handleRequest} — JSON, base64,
 * auth (DynamoDB Local), model resolution, decode, preprocessing, DJL + ONNX Runtime, request
 * log (DynamoDB Local).</li>
 * <li>floor: JPEG decode + a raw {@code ai.onnxruntime} {@code session.run} on the same,
 * precomputed tensor.</li>
 * <li>stages: each step of the handler timed on its own, to show where the time goes.</li>
 * <li>cold: a child JVM on the shaded {@code classify.jar}, from JVM start to the first answer.</li>
 * </ul>
 * Warm rows are measured interleaved, in the same process, after a warm-up.
 *
 * <p>Run: see {@code docs/BENCHMARKS-classify.md}.
 */
public final class ClassifyBenchmark {

    static final int WARMUP = Integer.getInteger("bench.warmup", 50);
    static final int ITERATIONS = Integer.getInteger("bench.iterations", 300);
    static final int COLD_RUNS = Integer.getInteger("bench.coldRuns", 3);
    static final String PHOTO = System.getProperty("bench.photo", "cat.jpg");

    private ClassifyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path shared = SharedFolder.find().orElseThrow(() -> new IllegalStateException(
                "the benchmark needs shared/models and shared/images (../../../shared or -D" + SharedFolder.PROPERTY + ")"));
        byte[] jpeg = Files.readAllBytes(shared.resolve("images").resolve(PHOTO));
        TestModels.Model mobileNet = TestModels.mobileNet(shared, "mobilenetv2", 1);

        try (TestStack stack = TestStack.start(Map.of(Config.Env.DEFAULT_IMAGE_MODEL, "mobilenetv2@production"))) {
            S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
            Manifest manifest = TestModels.register(registry, mobileNet, false);
            registry.setAlias("mobilenetv2", "production", manifest.version(), "bench");
            User user = new User("id-bench", "bench", Optional.empty(), Role.USER, "unused", Instant.now(), 0);
            stack.wiring().userStore().create(user);
            String token = stack.wiring().jwt().issue(user).token();

            ClassifyImageHandler handler = new ClassifyImageHandler(stack.wiring());
            String body = "{\"image_base64\":\"" + Base64.getEncoder().encodeToString(jpeg) + "\"}";
            LongSupplier handlerCall = () -> {
                APIGatewayV2HTTPEvent event = ColdStartMain.event(jpeg, token);
                event.setBody(body);
                long t0 = System.nanoTime();
                var response = handler.handleRequest(event, null);
                long elapsed = System.nanoTime() - t0;
                if (response.getStatusCode() != 200) {
                    throw new IllegalStateException(response.getBody());
                }
                return elapsed;
            };

            ClassifyService service = ClassifyService.create(ClassifySettings.from(stack.config().environment()), registry, Clock.systemUTC());
            LongSupplier withoutPipeline = () -> {
                APIGatewayV2HTTPEvent event = ColdStartMain.event(jpeg, token);
                event.setBody(body);
                long t0 = System.nanoTime();
                ApiRequest request = EventCodec.decode(event, Instant.now());
                var response = EventCodec.encode(ApiResponse.ok(service.classify(ClassifyRequest.from(request),
                        request.logFields())));
                long elapsed = System.nanoTime() - t0;
                if (response.getStatusCode() != 200) {
                    throw new IllegalStateException(response.getBody());
                }
                return elapsed;
            };

            ImageDecoder decoder = ImageDecoder.withDefaultLimits();
            ImageTensor tensor = ImagePreprocessor.toTensor(decoder.decode(jpeg).pixels(),
                    manifest.preprocessing().orElseThrow());
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            OrtSession session = env.createSession(mobileNet.modelBytes(), options);
            LongSupplier floorCall = () -> {
                try {
                    long t0 = System.nanoTime();
                    var image = ImageIO.read(new ByteArrayInputStream(jpeg));
                    try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(tensor.data()), tensor.shape());
                            OrtSession.Result result = session.run(Map.of("input", input))) {
                        float[][] scores = (float[][]) result.get(0).getValue();
                        if (image.getWidth() == 0 || scores[0].length != 1000) {
                            throw new IllegalStateException();
                        }
                    }
                    return System.nanoTime() - t0;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            LongSupplier decodeOnly = () -> {
                long t0 = System.nanoTime();
                decoder.decode(jpeg);
                return System.nanoTime() - t0;
            };
            DecodedImage decoded = decoder.decode(jpeg);
            LongSupplier preprocessOnly = () -> {
                long t0 = System.nanoTime();
                ImagePreprocessor.toTensor(decoded.pixels(), manifest.preprocessing().orElseThrow());
                return System.nanoTime() - t0;
            };
            LongSupplier ortOnly = () -> {
                try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(tensor.data()), tensor.shape())) {
                    long t0 = System.nanoTime();
                    try (OrtSession.Result result = session.run(Map.of("input", input))) {
                        return System.nanoTime() - t0;
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            var djl = dev.mlapi.classify.inference.OnnxImageClassifier.load(manifest, mobileNet.modelBytes());
            LongSupplier djlOnly = () -> {
                long t0 = System.nanoTime();
                djl.probabilities(tensor);
                return System.nanoTime() - t0;
            };
            LongSupplier authAndLog = () -> {
                long t0 = System.nanoTime();
                stack.wiring().authenticator().authenticate(Optional.of("Bearer " + token));
                stack.wiring().requestLog().record(new dev.mlapi.core.requestlog.RequestLogEntry(
                        "bench-" + System.nanoTime(), Instant.now(), "POST /classify", "POST", "/classify",
                        Optional.of("bench"), 200, 0.01, 1000, Optional.empty(), Optional.of(1), Optional.of(1),
                        Optional.of("m:1"), Optional.of("x"), Optional.empty(), Optional.empty(), Instant.now()));
                return System.nanoTime() - t0;
            };

            List<String> names = List.of("handler: base64 JPEG → JSON answer", "floor: JPEG decode + raw ORT session.run",
                    "handler without auth + request log (same code)",
                    "  stage: decode (ImageIO + bomb guard)", "  stage: preprocess (resize/crop/normalise)",
                    "  stage: DJL predictor (tensor in, probabilities out)", "  stage: raw ORT session.run only",
                    "  stage: auth + request log (DynamoDB Local)");
            List<LongSupplier> calls = List.of(handlerCall, floorCall, withoutPipeline, decodeOnly, preprocessOnly, djlOnly, ortOnly,
                    authAndLog);
            List<long[]> samples = new ArrayList<>();
            calls.forEach(c -> samples.add(new long[ITERATIONS]));
            for (int i = 0; i < WARMUP; i++) {
                calls.forEach(LongSupplier::getAsLong);
            }
            for (int i = 0; i < ITERATIONS; i++) {
                for (int c = 0; c < calls.size(); c++) {
                    samples.get(c)[i] = calls.get(c).getAsLong();
                }
            }
            djl.close();
            session.close();
            service.close();

            List<Long> cold = new ArrayList<>();
            List<String> coldLines = new ArrayList<>();
            for (int i = 0; i < COLD_RUNS; i++) {
                coldLines.add(coldStart(stack, shared.resolve("images").resolve(PHOTO), token, cold, "handler"));
            }
            coldLines.add(coldStart(stack, shared.resolve("images").resolve(PHOTO), token, new ArrayList<>(),
                    "stages"));

            System.out.printf("%nclassify benchmark: MobileNetV2 int8, %s (%d bytes), %d warm iterations after %d warm-up, "
                    + "%d cores, Java %s%n%n", PHOTO, jpeg.length, ITERATIONS, WARMUP,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
            System.out.printf("| %-52s | %8s | %8s | %8s |%n", "what", "p50 ms", "p95 ms", "mean ms");
            System.out.printf("|%s|%s|%s|%s|%n", "-".repeat(54), "-".repeat(10), "-".repeat(10), "-".repeat(10));
            for (int c = 0; c < calls.size(); c++) {
                long[] s = samples.get(c);
                System.out.printf("| %-52s | %8.2f | %8.2f | %8.2f |%n", names.get(c), pct(s, 50), pct(s, 95), mean(s));
            }
            double ratio50 = pct(samples.get(0), 50) / pct(samples.get(1), 50);
            double ratio95 = pct(samples.get(0), 95) / pct(samples.get(1), 95);
            double own50 = pct(samples.get(2), 50) / pct(samples.get(1), 50);
            double own95 = pct(samples.get(2), 95) / pct(samples.get(1), 95);
            long[] coldMillis = cold.stream().mapToLong(Long::longValue).toArray();
            System.out.printf("| %-52s | %8.0f | %8s | %8s |%n", "cold: JVM start → first answer (child JVM, jar)",
                    pctMillis(coldMillis, 50), "max " + Arrays.stream(coldMillis).max().orElse(0), "");
            System.out.printf("%nhandler / floor: p50 %.2f×, p95 %.2f×; without auth + request log: p50 %.2f×, p95 %.2f×%n",
                    ratio50, ratio95, own50, own95);
            coldLines.forEach(line -> System.out.println("cold run: " + line));
        }
    }

    /** Runs {@link ColdStartMain} on the shaded jar in a fresh JVM; adds JVM-start-to-answer millis to {@code cold}. */
    static String coldStart(TestStack stack, Path photo, String token, List<Long> cold, String mode) throws Exception {
        String jar = System.getProperty("bench.jar", "target/classify.jar");
        String testClasses = System.getProperty("bench.testClasses", "target/test-classes");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException(jar + " is missing: run 'package' first");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", jar + File.pathSeparator + testClasses,
                ColdStartMain.class.getName(), photo.toString(), token, mode).redirectErrorStream(true);
        builder.environment().putAll(stack.environment());
        Process process = builder.start();
        String result = null;
        StringBuilder output = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                output.append(line).append('\n');
                if (line.startsWith("COLD ")) {
                    result = line.substring(5);
                }
            }
        }
        if (process.waitFor() != 0 || result == null) {
            throw new IllegalStateException("cold-start child failed:\n" + output);
        }
        if (mode.equals("handler")) {
            cold.add(Long.parseLong(result.substring(result.indexOf("first=") + 6).trim()));
        }
        return mode + ": " + result + " (ms since JVM start)";
    }

    static double pct(long[] nanos, int percentile) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }

    static double pctMillis(long[] millis, int percentile) {
        long[] sorted = millis.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)];
    }

    static double mean(long[] nanos) {
        return Arrays.stream(nanos).average().orElse(0) / 1e6;
    }
}
