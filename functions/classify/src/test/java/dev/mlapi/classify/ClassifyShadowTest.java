package dev.mlapi.classify;

import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.aws.DynamoDbShadowAgreements;
import dev.mlapi.core.requestlog.RequestLogFields;
import dev.mlapi.core.rollup.ShadowAgreements;
import dev.mlapi.core.rollup.ShadowAgreements.Agreement;
import dev.mlapi.core.runtime.AfterResponse;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import dev.mlapi.core.users.Role;
import dev.mlapi.registry.AliasTarget;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * An alias with a shadow behind {@code POST /classify}: MobileNetV2 answers, SqueezeNet (another
 * preprocessing, so the image is preprocessed again) classifies a copy after the answer, as in
 * Lambda behind the after-response extension, and its agreement (the same top label) is counted
 * per minute. Real ONNX Runtime, S3Proxy and DynamoDB Local.
 */
class ClassifyShadowTest {

    static final List<String> PHOTOS = List.of("cat.jpg", "dog_beagle.jpg", "banana.jpg", "taxi_cab.jpg");

    static TestStack stack;
    static Path shared;
    static ClassifyService service;
    static ClassifyImageHandler handler;
    static AfterResponse afterResponse = AfterResponse.background();
    /** While set, the agreement's UpdateItem waits for it: the shadow is slow, the answer must not wait. */
    static final AtomicReference<CountDownLatch> slowAgreement = new AtomicReference<>();
    static ShadowAgreements agreements;
    static String token;

    @BeforeAll
    static void start() {
        shared = SharedFolder.find().orElse(null);
        stack = TestStack.start();
        S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        Manifest tiny = TestModels.register(registry, TestModels.tiny("twins", 1), true);
        Manifest twin = TestModels.register(registry, TestModels.tiny("twins", 2), true);
        setShadow(registry, "twins", "production", tiny, twin);
        if (shared != null) {
            Manifest mobileNet = TestModels.register(registry, TestModels.mobileNet(shared, "photos", 1), false);
            Manifest squeezeNet = TestModels.register(registry, TestModels.squeezeNet(shared, "photos", 2), false);
            for (String alias : List.of("production", "slow")) {
                setShadow(registry, "photos", alias, mobileNet, squeezeNet);
            }
        }
        String rollups = stack.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS);
        Wiring wiring = stack.wiring().withAfterResponse(afterResponse)
                .withDynamoDb(real -> new ThrottlingDynamoDb(real).throttle(request -> {
                    CountDownLatch latch = slowAgreement.get();
                    if (latch != null && request instanceof UpdateItemRequest update && update.tableName().equals(rollups)) {
                        await(latch);
                    }
                    return false;
                }));
        service = ClassifyService.create(ClassifySettings.from(stack.config().environment()), registry, Clock.systemUTC())
                .withShadows(ClassifyImageHandler.shadowCopies(wiring));
        handler = new ClassifyImageHandler(wiring, service);
        agreements = new DynamoDbShadowAgreements(stack.wiring().dynamoDb(), rollups);
        token = stack.signedIn("carol", Role.USER).token();
    }

    static void setShadow(S3ModelRegistry registry, String name, String alias, Manifest stable, Manifest shadow) {
        registry.setAlias(name, alias, new AliasTarget(stable.version(), Optional.empty(),
                OptionalInt.of(shadow.version()), Optional.empty(), Optional.empty()), "tests");
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        stack.close();
    }

    @Test
    void classify_throughAnAliasWithAShadow_countsOneCopyPerClassification_andAgreesWhenTheTopLabelsDo() {
        SharedFolder.require();
        long agreed = 0;
        for (int i = 0; i < PHOTOS.size(); i++) {
            String photo = PHOTOS.get(i);
            String id = "shadow-photo-" + i;
            var response = invoke(handler, classify(photo, "photos@production"), new LocalContext(id, "classify", Long.MAX_VALUE));
            assertThat(response.getStatusCode()).isEqualTo(200);
            assertThat(afterResponse.awaitSettled(id, Duration.ofSeconds(60))).isTrue();
            String stable = label(photo, "photos:1");
            agreed += stable.equals(label(photo, "photos:2")) ? 1 : 0;
        }

        Agreement agreement = agreements.read("photos@production", 2, Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofMinutes(1)));
        assertThat(agreement.requests()).isEqualTo(PHOTOS.size());
        assertThat(agreement.agreed()).isEqualTo(agreed);
        assertThat(agreement.rate()).isBetween(0.0, 1.0).isEqualTo((double) agreed / PHOTOS.size());
    }

    /** The same graph and preprocessing: the shadow scores the stable version's tensor, and always agrees. */
    @Test
    void classify_whenTheShadowPreprocessesAlike_scoresTheSameTensor_andAgrees() {
        for (int i = 0; i < 2; i++) {
            String id = "shadow-twin-" + i;
            APIGatewayV2HTTPEvent event = withJson(withBearer(load("classify-image-base64.json"), token), Map.of(
                    "image_base64", Base64.getEncoder().encodeToString(TestImages.png(java.awt.Color.RED, 64, 48)),
                    "model", "twins@production"));
            assertThat(invoke(handler, event, new LocalContext(id, "classify", Long.MAX_VALUE)).getStatusCode())
                    .isEqualTo(200);
            assertThat(afterResponse.awaitSettled(id, Duration.ofSeconds(30))).isTrue();
        }

        assertThat(agreements.read("twins@production", 2, Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofMinutes(1)))).isEqualTo(new Agreement(2, 2));
    }

    @Test
    void classify_answersBeforeTheShadowsScoringIsDone_whichHoldsTheInvocationUntilItIs() {
        SharedFolder.require();
        CountDownLatch latch = new CountDownLatch(1);
        slowAgreement.set(latch);
        try {
            var response = invoke(handler, classify("cat.jpg", "photos@slow"),
                    new LocalContext("shadow-slow", "classify", Long.MAX_VALUE));

            assertThat(response.getStatusCode()).isEqualTo(200);
            assertThat(slowRequests()).as("not yet counted").isZero();
            assertThat(afterResponse.awaitSettled("shadow-slow", Duration.ofMillis(200)))
                    .as("the invocation is held until the copy is counted").isFalse();
        } finally {
            latch.countDown();
            slowAgreement.set(null);
        }
        invoke(handler, classify("banana.jpg", "photos@slow"), new LocalContext("shadow-after", "classify", Long.MAX_VALUE));
        assertThat(afterResponse.awaitSettled("shadow-after", Duration.ofSeconds(60))).isTrue();
        assertThat(slowRequests()).isEqualTo(2);
    }

    private static long slowRequests() {
        return agreements.read("photos@slow", 2, Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofMinutes(1))).requests();
    }

    private static APIGatewayV2HTTPEvent classify(String photo, String model) {
        return withJson(withBearer(load("classify-image-base64.json"), token),
                Map.of("image_base64", Base64.getEncoder().encodeToString(read(photo)), "model", model));
    }

    /** The top label of {@code photo} with the model version {@code ref}, asked directly. */
    private static String label(String photo, String ref) {
        return service.classify(new ClassifyRequest(new ClassifyRequest.Upload(read(photo)), Optional.of(ref), 1),
                new RequestLogFields()).classification();
    }

    private static byte[] read(String photo) {
        try {
            return Files.readAllBytes(shared.resolve("images").resolve(photo));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
