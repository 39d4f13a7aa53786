package dev.mlapi.classify;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withBinaryBody;
import static dev.mlapi.core.testkit.Events.withJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.config.Config;
import dev.mlapi.classify.image.ScaledImageDecoder;
import dev.mlapi.core.image.ImageDecoder;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real ImageNet models in {@code shared/models} on the photos in {@code shared/images},
 * through the real handler: MobileNetV2 int8 in every input form, and SqueezeNet 1.1 float16
 * registered with its Caffe-style preprocessing. Top-1 must fall in each photo's accepted set
 * (see {@code shared/images/README.md}). Skipped, with a message, without {@code shared/}.
 */
class SharedPhotosTest {

    /** Accepted top-1 class ids per photo, from shared/images/README.md. */
    static final Map<String, Set<Integer>> ACCEPTED = Map.of(
            "cat.jpg", Set.of(281, 282, 285),
            "dog_beagle.jpg", Set.of(161, 162, 166, 167),
            "banana.jpg", Set.of(954),
            "pizza.jpg", Set.of(963),
            "espresso.jpg", Set.of(967, 504, 968),
            "taxi_cab.jpg", Set.of(468),
            "kitten_224.png", Set.of(281, 282, 285));

    /**
     * The reference: Pillow 12.3 (libjpeg-turbo) decode, the same preprocessing, ONNX Runtime
     * ({@code benchmarks/scripts/pillow_images.py reference ../shared}): SHA-256 of the decoded RGB
     * pixels, then the top-1 class of MobileNetV2 int8 and of SqueezeNet 1.1, from the full-size
     * decode and from {@code Image.draft("RGB", (256, 256))} (libjpeg's DCT scaling, what classify
     * decodes a JPEG with for these models' resize of 256). Core's {@code ImageDecoder} and
     * TurboJPEG at full size must give the full-size pixels, classify's scaled decode the draft
     * pixels, and classify must answer the draft's top-1.
     */
    static final Map<String, String> PILLOW_PIXELS = Map.of(
            "banana.jpg", "979ed9261065bcc5907eb260a2ae4269cdebc46552bb5d49c37996542f51b961",
            "cat.jpg", "8e46393fe3bd96dc0cf2f04256117ca45b14752829f1e41f3f2ee321cad5d41b",
            "dog_beagle.jpg", "6c979f9ead92ed7b5e046df3ec22c62b8418cb6336a47866eca0a533d6f5ccd1",
            "espresso.jpg", "ed4e8b8b6317e710282fed706fac5da62548eac8800d6545ca027e130f1f946f",
            "kitten_224.png", "504d260bfe2ae0db8acf7f7dc2dc1f69d52268b45a1e104691f0e5e0cd34717b",
            "pizza.jpg", "7b1dc1b5411e43d560fabbefbdc2c8412ebcee2738ef1f43693eb4a410a005eb",
            "taxi_cab.jpg", "4eb7cf2d2a30e607edaf22a2f784ef7071adc9499170c8d6c0e171c53e1f88c7");
    /** {@code Image.draft("RGB", (256, 256))}, then {@code convert("RGB")}: the scale is 1 (the full decode) unless noted. */
    static final Map<String, String> PILLOW_DRAFT_PIXELS = Map.of(
            "banana.jpg", "979ed9261065bcc5907eb260a2ae4269cdebc46552bb5d49c37996542f51b961",
            "cat.jpg", "8e46393fe3bd96dc0cf2f04256117ca45b14752829f1e41f3f2ee321cad5d41b",
            "dog_beagle.jpg", "cb2cbfb0b534981883db17d0c54c478aea0d19f4ae85f5afe6c59cee3b5f7077" /* 1/2: 563×375 */,
            "espresso.jpg", "93308a7c788579c5631a3c62b527c66077b6a32f34d73c19f435f856cb893981" /* 1/2: 320×479 */,
            "kitten_224.png", "504d260bfe2ae0db8acf7f7dc2dc1f69d52268b45a1e104691f0e5e0cd34717b",
            "pizza.jpg", "7b1dc1b5411e43d560fabbefbdc2c8412ebcee2738ef1f43693eb4a410a005eb",
            "taxi_cab.jpg", "1e2daf76fbbba2f87fe0386a881f8c60655e145bd4eb40d0f5f275b92ff21838" /* 1/2: 640×427 */);
    static final Map<String, Integer> PILLOW_DRAFT_TOP1_MOBILENET = Map.of("banana.jpg", 954, "cat.jpg",
            281, "dog_beagle.jpg", 166, "espresso.jpg", 967, "kitten_224.png", 281, "pizza.jpg", 963, "taxi_cab.jpg", 468);
    static final Map<String, Integer> PILLOW_DRAFT_TOP1_SQUEEZENET = Map.of("banana.jpg", 954, "cat.jpg",
            281, "dog_beagle.jpg", 162, "espresso.jpg", 967, "kitten_224.png", 281, "pizza.jpg", 963, "taxi_cab.jpg", 468);
    /**
     * The top-1 from Pillow's full-size decode (what classify answered before it decoded JPEGs
     * DCT-scaled): the same as the draft's but for dog_beagle.jpg with MobileNetV2, 162 (beagle)
     * against the draft's 166 (Walker hound), both accepted; kept for the record.
     */
    static final Map<String, Integer> PILLOW_TOP1_MOBILENET = Map.of("banana.jpg", 954, "cat.jpg", 281,
            "dog_beagle.jpg", 162, "espresso.jpg", 967, "kitten_224.png", 281, "pizza.jpg", 963, "taxi_cab.jpg", 468);
    static final Map<String, Integer> PILLOW_TOP1_SQUEEZENET = Map.of("banana.jpg", 954, "cat.jpg", 281,
            "dog_beagle.jpg", 162, "espresso.jpg", 967, "kitten_224.png", 281, "pizza.jpg", 963, "taxi_cab.jpg", 468);

    static TestStack stack;
    static ClassifyService service;
    static ClassifyImageHandler handler;
    static LoopbackServer photos;
    static String token;
    static Path shared;
    static String squeezeNet;
    static final Map<String, String> results = new TreeMap<>();

    @BeforeAll
    static void start() throws IOException {
        Optional<Path> folder = SharedFolder.find();
        if (folder.isEmpty()) {
            return; // every test skips with the reason, see requireShared()
        }
        shared = folder.get();
        stack = TestStack.start(Map.of(Config.Env.URL_FETCH_ALLOW_LOOPBACK, "true",
                Config.Env.DEFAULT_IMAGE_MODEL, "mobilenetv2@production"));
        S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        Manifest mobileNet = TestModels.register(registry, TestModels.mobileNet(shared, "mobilenetv2", 1), true);
        registry.setAlias("mobilenetv2", "production", mobileNet.version(), "tests");
        squeezeNet = TestModels.register(registry, TestModels.squeezeNet(shared, "squeezenet", 1), true).ref();
        service = ClassifyService.create(ClassifySettings.from(stack.config().environment()), registry, Clock.systemUTC());
        handler = new ClassifyImageHandler(stack.wiring(), service);
        token = stack.signedIn("photos", Role.USER).token();
        photos = LoopbackServer.start();
        for (String photo : ACCEPTED.keySet()) {
            photos.serve("/" + photo, photo.endsWith(".png") ? "image/png" : "image/jpeg", photo(photo));
        }
    }

    @BeforeEach
    void requireShared() {
        SharedFolder.require();
    }

    @AfterAll
    static void stop() {
        if (stack == null) {
            return;
        }
        results.forEach((key, value) -> System.out.println("top-1 " + key + ": " + value));
        photos.close();
        service.close();
        stack.close();
    }

    static byte[] photo(String name) {
        try {
            return Files.readAllBytes(shared.resolve("images").resolve(name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> photosAndForms() {
        return ACCEPTED.keySet().stream().sorted()
                .flatMap(photo -> Stream.of("base64", "multipart", "raw", "url").map(form -> Arguments.of(photo, form)));
    }

    static Stream<String> photoNames() {
        return ACCEPTED.keySet().stream().sorted();
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("photosAndForms")
    void classify_mobileNetV2_whenPhotoInAnyInputForm_topOneIsAccepted(String photo, String form) {
        JsonNode body = classify(request(photo, form, Optional.empty()));

        assertTopOneAccepted(photo, body, "mobilenetv2");
        assertThat(body.get("model").get("name").asText()).isEqualTo("mobilenetv2");
        assertThat(body.get("predictions")).hasSize(5);
        assertThat(body.get("image").get("bytes").asInt()).isEqualTo(photo(photo).length);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("photoNames")
    void classify_squeezeNetFloat16_withCaffePreprocessing_topOneIsAccepted(String photo) {
        JsonNode body = classify(request(photo, "raw", Optional.of(squeezeNet)));

        assertTopOneAccepted(photo, body, "squeezenet");
        double total = 0;
        for (JsonNode p : body.get("predictions")) {
            total += p.get("probability").asDouble();
        }
        assertThat(total).isBetween(0.0, 1.01);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("photoNames")
    void decode_givesPillowsPixels(String photo) throws Exception {
        BufferedImage pixels = ImageDecoder.withDefaultLimits().decode(photo(photo)).pixels();

        int width = pixels.getWidth();
        byte[] rgb = new byte[width * pixels.getHeight() * 3];
        int[] row = new int[width];
        for (int y = 0, at = 0; y < pixels.getHeight(); y++) {
            pixels.getRGB(0, y, width, 1, row, 0, width);
            for (int argb : row) {
                rgb[at++] = (byte) (argb >> 16);
                rgb[at++] = (byte) (argb >> 8);
                rgb[at++] = (byte) argb;
            }
        }
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(rgb)))
                .as(photo + ": SHA-256 of the decoded RGB pixels against Pillow's").isEqualTo(PILLOW_PIXELS.get(photo));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("photoNames")
    void scaledDecode_givesPillowsDraftPixels_andFullSizeItsFullPixels(String photo) throws Exception {
        ScaledImageDecoder decoder = ScaledImageDecoder.withDefaultLimits();

        assertThat(sha256(decoder.decode(photo(photo), 256).pixels().packedRgb()))
                .as(photo + ": SHA-256 of classify's decoded RGB pixels against Pillow's draft (resize 256)")
                .isEqualTo(PILLOW_DRAFT_PIXELS.get(photo));
        assertThat(sha256(decoder.decode(photo(photo), 0).pixels().packedRgb()))
                .as(photo + ": SHA-256 of the full-size decode against Pillow's").isEqualTo(PILLOW_PIXELS.get(photo));
    }

    static String sha256(byte[] rgb) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(rgb));
    }

    static void assertTopOneAccepted(String photo, JsonNode body, String model) {
        JsonNode top = body.get("predictions").get(0);
        int pillowTop1 = (model.equals("squeezenet") ? PILLOW_DRAFT_TOP1_SQUEEZENET : PILLOW_DRAFT_TOP1_MOBILENET)
                .get(photo);
        assertThat(top.get("class_id").asInt())
                .as(photo + " with " + model + ": Pillow (draft decode) + ONNX Runtime's top-1").isEqualTo(pillowTop1);
        results.merge(photo + " " + model, top.get("class_id").asInt() + " " + top.get("label").asText() + " "
                + String.format("%.3f", top.get("probability").asDouble()), (a, b) -> a);
        assertThat(ACCEPTED.get(photo)).as(photo + " with " + model + ": " + body).contains(top.get("class_id").asInt());
        assertThat(body.get("classification").asText()).isEqualTo(top.get("label").asText());
    }

    static JsonNode classify(APIGatewayV2HTTPEvent event) {
        var response = handler.handleRequest(event, null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        return body(response);
    }

    static APIGatewayV2HTTPEvent request(String photo, String form, Optional<String> model) {
        byte[] bytes = photo(photo);
        String type = photo.endsWith(".png") ? "image/png" : "image/jpeg";
        Map<String, Object> json = new HashMap<>();
        model.ifPresent(m -> json.put("model", m));
        return switch (form) {
            case "base64" -> {
                json.put("image_base64", Base64.getEncoder().encodeToString(bytes));
                yield withJson(withBearer(load("classify-image-base64.json"), token), json);
            }
            case "url" -> {
                json.put("image_url", photos.url("/" + photo));
                yield withJson(withBearer(load("classify-image-url.json"), token), json);
            }
            case "multipart" -> withBinaryBody(withBearer(load("classify-multipart.json"), token),
                    "multipart/form-data; boundary=photo-boundary", multipart(photo, type, bytes, model));
            case "raw" -> {
                APIGatewayV2HTTPEvent event = withBinaryBody(withBearer(load("classify-raw-image.json"), token), type, bytes);
                Map<String, String> query = new HashMap<>();
                model.ifPresent(m -> query.put("model", m));
                event.setQueryStringParameters(query);
                yield event;
            }
            default -> throw new IllegalArgumentException(form);
        };
    }

    static byte[] multipart(String photo, String type, byte[] bytes, Optional<String> model) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--photo-boundary\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + photo
                + "\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(bytes);
        model.ifPresent(m -> out.writeBytes(("\r\n--photo-boundary\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
                + m).getBytes(StandardCharsets.UTF_8)));
        out.writeBytes("\r\n--photo-boundary--\r\n".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

}
