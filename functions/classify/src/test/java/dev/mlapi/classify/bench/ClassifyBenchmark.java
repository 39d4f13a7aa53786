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
import dev.mlapi.classify.image.ScaledImageDecoder;
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
import java.io.UncheckedIOException;
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
 * <li>floor: JPEG decode (classify's {@link ScaledImageDecoder}: TurboJPEG, DCT-scaled) + a raw
 * {@code ai.onnxruntime} {@code session.run} on the same, precomputed tensor.</li>
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
    /** {@code all}: every photo in {@code shared/images} (and the 224×224 JPEG); else a comma-separated list; empty: {@link #PHOTO}. */
    static final String PHOTOS = System.getProperty("bench.photos", "");
    /** A Python with Pillow, numpy and onnxruntime: adds the Pillow rows (another process, interleaved call by call). */
    static final String PYTHON = System.getProperty("bench.python", "");
    static final String PILLOW_SCRIPT = System.getProperty("bench.pillowScript", "../../benchmarks/scripts/pillow_images.py");

    private ClassifyBenchmark() {
    }

    /** One measured image: its rows share the index of {@link #ROWS}. */
    private record Subject(String name, byte[] jpeg) {
    }

    private static final List<String> ROWS = List.of(
            "handler: base64 JPEG → JSON answer (auth overlapped)",
            "floor: JPEG decode (scaled) + raw ORT session.run",
            "handler without auth + request log (same code)",
            "  stage: decode (ScaledImageDecoder, as classify)",
            "  stage: preprocess (resize/crop/normalise)",
            "  stage: DJL predictor (tensor in, probabilities out)",
            "  stage: raw ORT session.run only",
            "  stage: token lookup (BatchGetItem), alone",
            "  stage: request-log write (PutItem), alone",
            "handler, request log after the answer (Lambda)",
            "  stage: decode, plain ImageIO.read (before #23)",
            "  stage: decode, ImageDecoder (ImageIO, fallback)",
            "  stage: request in (event decoded, JSON read, base64 decoded)",
            "  stage: answer out (result encoded as the JSON answer)");
    private static final List<String> PILLOW_ROWS = List.of(
            "Pillow: decode (libjpeg-turbo; Python process)",
            "Pillow: draft decode (DCT-scaled, shorter side ≥ 256)",
            "phys. floor: Pillow draft+preprocess+ORT (Python)");
    private static final int DECODE = 3;
    private static final int LAMBDA = 9;
    private static final int IMAGEIO_READ = 10;
    private static final int IMAGE_DECODER = 11;

    public static void main(String[] args) throws Exception {
        InterleavedBench.runThenHalt("classify", Boolean.getBoolean("bench.decodeOnly") ? ClassifyBenchmark::decodeOnly
                : ClassifyBenchmark::run);
    }

    private static final List<String> DECODE_ROWS = List.of(
            "Java: ScaledImageDecoder (classify: TurboJPEG, scaled)",
            "Java: TurboJPEG at full size (ScaledImageDecoder, 0)",
            "Java: ImageDecoder.decode (ImageIO; the fallback)",
            "Java: plain ImageIO.read (before #23)",
            "Java: ImageIO.read, APP2 profile dropped",
            "Pillow: decode (libjpeg-turbo; Python process)",
            "Pillow: draft decode (DCT-scaled, shorter side ≥ 256)");

    /** {@code -Dbench.decodeOnly=true}: the decode rows alone, many more rounds in the same time. */
    private static void decodeOnly() throws Exception {
        Path shared = SharedFolder.find().orElseThrow(() -> new IllegalStateException("the benchmark needs shared/images"));
        Pillow pillow = Pillow.start(shared);
        ImageDecoder decoder = ImageDecoder.withDefaultLimits();
        ScaledImageDecoder scaled = new ScaledImageDecoder(decoder);
        System.out.println("TurboJPEG: " + (ScaledImageDecoder.nativeJpeg() ? "loaded" : "unavailable (ImageIO rows twice)"));
        List<InterleavedBench.Subject> measured = new ArrayList<>();
        byte[] photo = Files.readAllBytes(shared.resolve("images").resolve(PHOTO));
        List<Subject> subjects = new ArrayList<>();
        for (String name : photoNames(shared)) {
            subjects.add(new Subject(name, Files.readAllBytes(shared.resolve("images").resolve(name))));
        }
        subjects.add(new Subject(PHOTO + " tagged linear RGB (converted)", withLinearRgbProfile(photo)));
        for (Subject subject : subjects) {
            byte[] bytes = subject.jpeg();
            byte[] withoutApp2 = bytes[0] == (byte) 0xff ? withoutApp2(bytes) : bytes;
            Path file = Files.createTempFile("bench-", "-" + subject.name().replaceAll("[^A-Za-z0-9.]", "_"));
            Files.write(file, bytes);
            file.toFile().deleteOnExit();
            DecodedImage decoded = decoder.decode(bytes);
            measured.add(new InterleavedBench.Subject(subject.name() + " (" + bytes.length + " bytes, " + decoded.width()
                    + "×" + decoded.height() + ", 1/" + scaled.decode(bytes, RESIZE).scale() + ")", List.of(
                    timed(() -> scaled.decode(bytes, RESIZE)),
                    timed(() -> scaled.decode(bytes, 0)),
                    timed(() -> decoder.decode(bytes)),
                    timed(() -> read(bytes)),
                    timed(() -> read(withoutApp2)),
                    () -> pillow.call("decode", file),
                    () -> pillow.call("draft", file))));
        }
        InterleavedBench.Result result = InterleavedBench.measure(DECODE_ROWS, measured);
        pillow.close();
        InterleavedBench.printHeader(FunctionCatalog.CLASSIFY, "image decoding", result.warmupRounds());
        System.out.printf(Locale.ROOT, "%n| image | classify decode (TurboJPEG, scaled) | TurboJPEG full size"
                + " | ImageDecoder (ImageIO) | ImageIO.read (before) | profile dropped, ImageIO.read | Pillow decode"
                + " | Pillow draft | scaled / Pillow draft | full size / Pillow decode | ImageDecoder / Pillow decode"
                + " |%n|---|---|---|---|---|---|---|---|---|---|---|%n");
        for (InterleavedBench.Table table : result.tables()) {
            double pillowDecode = table.row(5).p50();
            double pillowDraft = table.row(6).p50();
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f× | %.2f× | %.2f× |%n",
                    table.heading(), table.row(0).p50(), table.row(1).p50(), table.row(2).p50(), table.row(3).p50(),
                    table.row(4).p50(), pillowDecode, pillowDraft, table.row(0).p50() / pillowDraft,
                    table.row(1).p50() / pillowDecode, table.row(2).p50() / pillowDecode);
        }
    }

    /** MobileNetV2's resize (the manifest's), what classify scales a JPEG for. */
    private static final int RESIZE = 256;

    private static void read(byte[] bytes) {
        try {
            check(ImageIO.read(new ByteArrayInputStream(bytes)).getWidth() > 0 ? 200 : 500, "read");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JPEG without its APP2 segments (where ICC profiles live). */
    static byte[] withoutApp2(byte[] jpeg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        int at = 2;
        while ((jpeg[at + 1] & 0xff) != 0xda) {
            int segment = 2 + ((jpeg[at + 2] & 0xff) << 8 | (jpeg[at + 3] & 0xff));
            if ((jpeg[at + 1] & 0xff) != 0xe2) {
                out.write(jpeg, at, segment);
            }
            at += segment;
        }
        out.write(jpeg, at, jpeg.length - at);
        return out.toByteArray();
    }

    private static void run() throws Exception {
        Path shared = SharedFolder.find().orElseThrow(() -> new IllegalStateException(
                "the benchmark needs shared/models and shared/images (../../../shared or -D" + SharedFolder.PROPERTY + ")"));
        byte[] photo = Files.readAllBytes(shared.resolve("images").resolve(PHOTO));
        List<Subject> subjects = new ArrayList<>();
        for (String name : photoNames(shared)) {
            subjects.add(new Subject(name, Files.readAllBytes(shared.resolve("images").resolve(name))));
        }
        subjects.add(new Subject("224×224 JPEG (" + PHOTO + " scaled)", scaled(photo, 224, 224)));
        if (PHOTOS.equals("all")) {
            // What a profile other than sRGB costs: ImageIO converts from it (Pillow ignores it).
            subjects.add(new Subject(PHOTO + " tagged linear RGB (converted)", withLinearRgbProfile(photo)));
        }
        Pillow pillow = PYTHON.isBlank() ? null : Pillow.start(shared);
        List<String> rows = new ArrayList<>(ROWS);
        if (pillow != null) {
            rows.addAll(PILLOW_ROWS);
        }
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
            ImageDecoder imageIo = ImageDecoder.withDefaultLimits();
            ScaledImageDecoder decoder = new ScaledImageDecoder(imageIo);
            int resize = manifest.preprocessing().orElseThrow().resize();
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            OrtSession session = env.createSession(mobileNet.modelBytes(), options);
            var djl = dev.mlapi.classify.inference.OnnxImageClassifier.load(manifest, mobileNet.modelBytes());

            List<InterleavedBench.Subject> measured = new ArrayList<>();
            for (Subject subject : subjects) {
                byte[] jpeg = subject.jpeg();
                String body = "{\"image_base64\":\"" + Base64.getEncoder().encodeToString(jpeg) + "\"}";
                ImageTensor tensor = ImagePreprocessor.toTensor(decoder.decode(jpeg, resize).pixels(),
                        manifest.preprocessing().orElseThrow());
                ScaledImageDecoder.Decoded decoded = decoder.decode(jpeg, resize);
                ApiRequest sample = EventCodec.decode(post("/classify", body, token), Instant.now());
                var answer = service.classify(ClassifyRequest.from(sample), sample.logFields());
                List<java.util.function.LongSupplier> calls = new ArrayList<>(List.of(
                        handlerCall(handler, "/classify", body, token),
                        () -> {
                            long t0 = System.nanoTime();
                            try {
                                var image = decoder.decode(jpeg, resize).pixels();
                                try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(tensor.data()),
                                        tensor.shape()); OrtSession.Result result = session.run(Map.of("input", input))) {
                                    float[][] scores = (float[][]) result.get(0).getValue();
                                    check(image.width() > 0 && scores[0].length == 1000 ? 200 : 500, "floor");
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
                        timed(() -> decoder.decode(jpeg, resize)),
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
                        },
                        timed(() -> {
                            try {
                                check(ImageIO.read(new ByteArrayInputStream(jpeg)).getWidth() > 0 ? 200 : 500, "read");
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }),
                        timed(() -> imageIo.decode(jpeg)),
                        () -> {
                            APIGatewayV2HTTPEvent event = post("/classify", body, token);
                            long t0 = System.nanoTime();
                            ClassifyRequest parsed = ClassifyRequest.from(EventCodec.decode(event, Instant.now()));
                            long elapsed = System.nanoTime() - t0;
                            check(parsed != null ? 200 : 500, "request read");
                            return elapsed;
                        },
                        timed(() -> check(EventCodec.encode(ApiResponse.ok(answer)).getStatusCode(), "answer"))));
                if (pillow != null) {
                    Path file = Files.createTempFile("bench-", "-" + subject.name().replaceAll("[^A-Za-z0-9.]", "_"));
                    Files.write(file, jpeg);
                    file.toFile().deleteOnExit();
                    for (String op : List.of("decode", "draft", "floor")) {
                        calls.add(() -> pillow.call(op, file));
                    }
                }
                measured.add(new InterleavedBench.Subject(subject.name() + " (" + jpeg.length + " bytes, "
                        + decoded.width() + "×" + decoded.height() + ", 1/" + decoded.scale() + ")", calls));
            }

            InterleavedBench.Result result = InterleavedBench.measure(rows, measured);
            djl.close();
            session.close();
            service.close();
            print(result);
            if (pillow != null) {
                pillow.close();
                printSideBySide(result);
            }
        }
    }

    private static List<String> photoNames(Path shared) throws IOException {
        if (PHOTOS.isBlank()) {
            return List.of(PHOTO);
        }
        if (!PHOTOS.equals("all")) {
            return List.of(PHOTOS.split(","));
        }
        try (var files = Files.list(shared.resolve("images"))) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png)")).sorted().toList();
        }
    }

    /** One line per image: Java's decode against Pillow's, the handler and classify's code against the physical floor. */
    private static void printSideBySide(InterleavedBench.Result result) {
        int pillowDecode = ROWS.size();
        System.out.printf(Locale.ROOT, "%nside by side, p50 ms (ratios of p50s, same rounds):%n%n"
                + "| image | Java decode (scaled) | ImageDecoder (ImageIO) | ImageIO.read (before) | Pillow decode"
                + " | Pillow draft | Java / Pillow draft | handler | own code | physical floor (draft) | handler / floor"
                + " | own code / floor |%n|---|---|---|---|---|---|---|---|---|---|---|---|%n");
        for (InterleavedBench.Table table : result.tables()) {
            double java = table.row(DECODE).p50();
            double pillow = table.row(pillowDecode).p50();
            double draft = table.row(pillowDecode + 1).p50();
            double floor = table.row(pillowDecode + 2).p50();
            double handler = table.row(0).p50();
            double own = table.row(2).p50();
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f× | %.2f | %.2f | %.2f | %.2f× | %.2f× |%n",
                    table.heading(), java, table.row(IMAGE_DECODER).p50(), table.row(IMAGEIO_READ).p50(), pillow, draft,
                    java / draft, handler, own, floor, handler / floor, own / floor);
        }
    }

    /**
     * {@code benchmarks/scripts/pillow_images.py serve}: one operation per line, timed inside the
     * Python process (the pipe's round trip is not counted), called in turn with the Java rows.
     */
    private static final class Pillow implements AutoCloseable {
        private final Process process;
        private final java.io.BufferedWriter in;
        private final java.io.BufferedReader out;

        private Pillow(Process process) {
            this.process = process;
            this.in = new java.io.BufferedWriter(new java.io.OutputStreamWriter(process.getOutputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            this.out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
        }

        static Pillow start(Path shared) throws IOException {
            Path script = Path.of(PILLOW_SCRIPT).toAbsolutePath().normalize();
            Process process = new ProcessBuilder(PYTHON, script.toString(), "serve", shared.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new Pillow(process);
        }

        long call(String op, Path image) {
            try {
                in.write(op + " " + image + "\n");
                in.flush();
                String line = out.readLine();
                if (line == null) {
                    throw new IllegalStateException("the Pillow process ended (exit " + process.waitFor() + ")");
                }
                return Long.parseLong(line.trim());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
            process.destroy();
        }
    }

    private static void print(InterleavedBench.Result result) {
        InterleavedBench.printHeader(FunctionCatalog.CLASSIFY, "MobileNetV2 int8", result.warmupRounds());
        for (InterleavedBench.Table table : result.tables()) {
            table.print(54, 2);
            InterleavedBench.Row handler = table.row(0);
            InterleavedBench.Row floor = table.row(1);
            InterleavedBench.Row own = table.row(2);
            InterleavedBench.Row lambda = table.row(LAMBDA);
            System.out.printf(Locale.ROOT, "%nhandler / floor: p50 %.2f×, p95 %.2f×; without auth + request log: p50 %.2f×,"
                            + " p95 %.2f×; request log after the answer (Lambda): p50 %.2f×, p95 %.2f×%n",
                    handler.p50() / floor.p50(), handler.p95() / floor.p95(),
                    own.p50() / floor.p50(), own.p95() / floor.p95(),
                    lambda.p50() / floor.p50(), lambda.p95() / floor.p95());
        }
    }

    /** {@code jpeg} (whose own APP2 segments are dropped) tagged with the JDK's linear-RGB ICC profile. */
    static byte[] withLinearRgbProfile(byte[] jpeg) {
        byte[] profile = java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_LINEAR_RGB).getData();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        int length = 2 + 12 + 2 + profile.length;
        out.write(0xff);
        out.write(0xe2);
        out.write(length >> 8);
        out.write(length & 0xff);
        out.writeBytes("ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(1);
        out.write(1);
        out.writeBytes(profile);
        byte[] rest = withoutApp2(jpeg);
        out.write(rest, 2, rest.length - 2);
        return out.toByteArray();
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
