package dev.mlapi.classify.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.classify.ClassifySettings;
import dev.mlapi.classify.ClassifyImageHandler;
import dev.mlapi.core.image.DecodedImage;
import dev.mlapi.core.image.ImageDecoder;
import dev.mlapi.classify.image.ImagePreprocessor;
import dev.mlapi.classify.image.ImageTensor;
import dev.mlapi.classify.inference.OnnxImageClassifier;
import dev.mlapi.core.Wiring;
import dev.mlapi.inference.Djl;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * The child JVM of the cold-start measurement: does what Lambda does on a cold start — load the
 * handler class, run its no-arg constructor (configuration from the environment, default model
 * loaded and warmed), handle one request — and prints when each step finished, in milliseconds
 * since the JVM started.
 *
 * <p>Arguments: the JPEG to classify, a bearer token, and {@code handler} (the real cold start) or
 * {@code stages} (the init steps one by one). Runs on the shaded {@code classify.jar}.
 */
public final class ColdStartMain {

    private ColdStartMain() {
    }

    public static void main(String[] args) throws Exception {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long mainAt = System.currentTimeMillis() - jvmStart;
        if (args.length > 2 && args[2].equals("stages")) {
            stages(jvmStart, mainAt, Files.readAllBytes(Path.of(args[0])));
            return;
        }
        ClassifyImageHandler handler = new ClassifyImageHandler();
        long initAt = System.currentTimeMillis() - jvmStart;
        APIGatewayV2HTTPEvent event = event(Files.readAllBytes(Path.of(args[0])), args[1]);
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        long firstAt = System.currentTimeMillis() - jvmStart;
        if (response.getStatusCode() != 200) {
            throw new IllegalStateException("first request failed: " + response.getStatusCode() + " " + response.getBody());
        }
        System.out.println("COLD main=" + mainAt + " init=" + initAt + " first=" + firstAt);
        System.exit(0);
    }

    /** The init steps one by one, to show where a cold start goes. */
    static void stages(long jvmStart, long mainAt, byte[] jpeg) {
        StringBuilder line = new StringBuilder("COLD main=" + mainAt);
        Djl.startEngine();
        line.append(" engine=").append(System.currentTimeMillis() - jvmStart);
        Wiring wiring = Wiring.fromEnvironment();
        S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(wiring.config()), wiring.clock());
        Manifest manifest = registry.resolve(ModelRef.parse("model", ClassifySettings.from(wiring.config().environment()).defaultImageModel()));
        byte[] onnx = registry.readFile(manifest, manifest.modelFile());
        line.append(" s3=").append(System.currentTimeMillis() - jvmStart);
        OnnxImageClassifier classifier = OnnxImageClassifier.load(manifest, onnx);
        line.append(" session=").append(System.currentTimeMillis() - jvmStart);
        DecodedImage image = ImageDecoder.withDefaultLimits().decode(jpeg);
        line.append(" decode=").append(System.currentTimeMillis() - jvmStart);
        ImageTensor tensor = ImagePreprocessor.toTensor(image.pixels(), manifest.preprocessing().orElseThrow());
        line.append(" preprocess=").append(System.currentTimeMillis() - jvmStart);
        classifier.probabilities(tensor);
        line.append(" infer=").append(System.currentTimeMillis() - jvmStart);
        classifier.probabilities(tensor);
        line.append(" infer2=").append(System.currentTimeMillis() - jvmStart);
        System.out.println(line);
        System.exit(0);
    }

    static APIGatewayV2HTTPEvent event(byte[] jpeg, String token) {
        String body = "{\"image_base64\":\"" + Base64.getEncoder().encodeToString(jpeg) + "\"}";
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("POST /classify")
                .withRawPath("/classify")
                .withHeaders(Map.of("content-type", "application/json", "authorization", "Bearer " + token))
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId("cold-" + System.nanoTime())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod("POST").withPath("/classify").withSourceIp("127.0.0.1").build())
                        .build())
                .withBody(body)
                .withIsBase64Encoded(false)
                .build();
    }
}
