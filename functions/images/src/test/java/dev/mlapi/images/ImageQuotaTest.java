package dev.mlapi.images;

import static dev.mlapi.images.ManageImagesHandlerTest.picture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.imagestore.ImageView;
import dev.mlapi.imagestore.NewImage;
import java.awt.Color;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Per-user quotas of the image library: stored bytes ({@code MAX_IMAGE_BYTES_PER_USER}, 413) and
 * pending presigned uploads ({@code MAX_PENDING_IMAGE_UPLOADS_PER_USER}, 429), counted in
 * DynamoDB in the same transaction as the images, so racing uploads and deletes keep it exact.
 */
class ImageQuotaTest {

    private static final byte[] PNG = picture("png", 16, 16, Color.RED);
    /** Room for three of {@link #PNG} and a half. */
    private static final long MAX_BYTES = PNG.length * 7L / 2;

    private TestStack stack;
    private ManageImagesHandler handler;
    private ImageLibrary library;
    private String alice;
    private String admin;

    @BeforeEach
    void start() {
        stack = TestStack.start(Map.of(Config.Env.MAX_IMAGE_BYTES_PER_USER, Long.toString(MAX_BYTES),
                Config.Env.MAX_PENDING_IMAGE_UPLOADS_PER_USER, "2"));
        library = ImageLibrary.create(stack.wiring());
        handler = new ManageImagesHandler(stack.wiring(), library);
        alice = stack.signedIn("alice", Role.USER).token();
        admin = stack.signedIn("root", Role.ADMIN).token();
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    private APIGatewayV2HTTPResponse upload(String token, int images) {
        Multipart body = new Multipart();
        for (int i = 0; i < images; i++) {
            body.file("image", "p" + i + ".png", "image/png", PNG);
        }
        return Events.invoke(handler, Events.withBinaryBody(Events.withBearer(Events.load("images-upload.json"), token),
                Multipart.CONTENT_TYPE, body.build()));
    }

    private APIGatewayV2HTTPResponse presign(String token, int files) {
        List<Map<String, Object>> declared = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            declared.add(Map.of("name", "p" + i + ".png", "size", PNG.length, "sha256", sha256(PNG)));
        }
        return Events.invoke(handler, Events.withJson(Events.withBearer(Events.load("images-presign.json"), token),
                Map.of("files", declared)));
    }

    private long storedBytes(String owner) {
        var item = stack.wiring().dynamoDb().getItem(r -> r.tableName(stack.config().environment()
                .tableName(dev.mlapi.catalog.TableCatalog.IMAGES)).key(Map.of("id", AttributeValue.fromS("usage#" + owner))))
                .item();
        return item.containsKey("stored_bytes") ? Long.parseLong(item.get("stored_bytes").n()) : 0;
    }

    private static Principal user(String name, Role role) {
        return new Principal("id-" + name, name, role, "jti", 0, Instant.now().plusSeconds(600));
    }

    @Test
    void upload_overTheByteQuota_is413SayingTheLimitAndTheUsage_andStoresNothing_deletingMakesRoom() {
        assertThat(upload(alice, 2).getStatusCode()).isEqualTo(201);

        APIGatewayV2HTTPResponse refused = upload(alice, 2);

        assertThat(refused.getStatusCode()).as(refused.getBody()).isEqualTo(413);
        assertThat(refused.getHeaders().get("content-type")).startsWith("application/problem+json");
        String detail = Events.body(refused).get("detail").asText();
        assertThat(detail).contains("the limit is " + MAX_BYTES + " bytes").contains("MAX_IMAGE_BYTES_PER_USER")
                .contains("your images take " + 2L * PNG.length + " bytes");
        assertThat(storedBytes("alice")).isEqualTo(2L * PNG.length);
        var listing = Events.withBearer(Events.load("images-list.json"), alice);
        listing.setQueryStringParameters(Map.of());
        JsonNode listed = Events.body(Events.invoke(handler, listing));
        assertThat(listed.get("items")).hasSize(2);

        String first = listed.get("items").get(0).get("id").asText();
        assertThat(Events.invoke(handler, Events.withPath(Events.withBearer(Events.load("images-delete.json"), alice),
                "/images/" + first, Map.of("id", first))).getStatusCode()).isEqualTo(204);
        assertThat(storedBytes("alice")).isEqualTo(PNG.length);
        assertThat(upload(alice, 2).getStatusCode()).isEqualTo(201);
        assertThat(storedBytes("alice")).isEqualTo(3L * PNG.length);
    }

    @Test
    void upload_byAnAdmin_isExemptFromTheQuota_butCounted() {
        APIGatewayV2HTTPResponse stored = upload(admin, 5);

        assertThat(stored.getStatusCode()).as(stored.getBody()).isEqualTo(201);
        assertThat(storedBytes("root")).isEqualTo(5L * PNG.length);
    }

    @Test
    void upload_tenRacingUploadsAndDeletes_keepTheCounterExact_andNeverExceedTheQuota() throws Exception {
        Principal bob = user("bob", Role.USER);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<ImageView>> racing = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int n = i;
                Callable<ImageView> one = () -> library.upload(bob,
                        List.of(new NewImage("race" + n + ".png", "image/png", PNG, 16, 16)), List.of()).get(0);
                racing.add(pool.submit(one));
            }
            List<ImageView> stored = new ArrayList<>();
            for (Future<ImageView> result : racing) {
                try {
                    stored.add(result.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOfAny(PayloadTooLarge.class, ApiException.Conflict.class);
                }
            }
            assertThat(stored).as("three fit in %d bytes", MAX_BYTES).hasSizeBetween(1, 3);
            assertThat(storedBytes("bob")).isEqualTo((long) stored.size() * PNG.length);

            List<Future<?>> deletes = new ArrayList<>();
            stored.forEach(image -> deletes.add(pool.submit(() -> library.delete(bob, image.id()))));
            for (Future<?> delete : deletes) {
                delete.get();
            }
            assertThat(storedBytes("bob")).isZero();
        } finally {
            pool.shutdownNow();
        }
        assertThatThrownBy(() -> library.upload(bob, List.of(new NewImage("big.png", "image/png", new byte[(int) MAX_BYTES + 1],
                16, 16)), List.of())).isInstanceOf(PayloadTooLarge.class).hasMessageContaining("your images take 0 bytes");
    }

    @Test
    void presign_overThePendingQuota_is429WithRetryAfter_andACommitOrTheByteQuotaFreesOrRefuses() throws Exception {
        APIGatewayV2HTTPResponse two = presign(alice, 2);
        assertThat(two.getStatusCode()).as(two.getBody()).isEqualTo(202);

        APIGatewayV2HTTPResponse third = presign(alice, 1);

        assertThat(third.getStatusCode()).as(third.getBody()).isEqualTo(429);
        assertThat(third.getHeaders().get("content-type")).startsWith("application/problem+json");
        assertThat(Integer.parseInt(third.getHeaders().get("retry-after"))).isGreaterThan(0);
        assertThat(Events.body(third).get("detail").asText()).contains("the limit is 2 per user")
                .contains("MAX_PENDING_IMAGE_UPLOADS_PER_USER").contains("you have 2 pending now");
        assertThat(presign(admin, 3).getStatusCode()).as("admins are exempt").isEqualTo(202);

        // a commit releases its reservation
        JsonNode upload = Events.body(two).get("uploads").get(0);
        java.net.http.HttpRequest.Builder put = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                upload.get("url").asText())).PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(PNG));
        upload.get("headers").fields().forEachRemaining(h -> put.header(h.getKey(), h.getValue().asText()));
        assertThat(java.net.http.HttpClient.newHttpClient().send(put.build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        String uploadId = upload.get("upload_id").asText();
        APIGatewayV2HTTPResponse committed = Events.invoke(handler, Events.withPath(Events.withBearer(
                Events.load("images-commit-upload.json"), alice), "/images/uploads/" + uploadId + "/commit",
                Map.of("upload_id", uploadId)));
        assertThat(committed.getStatusCode()).as(committed.getBody()).isEqualTo(201);
        assertThat(storedBytes("alice")).isEqualTo(PNG.length);
        assertThat(presign(alice, 1).getStatusCode()).isEqualTo(202);

        // declaring more bytes than the quota has room for is refused at once
        assertThat(upload(alice, 2).getStatusCode()).isEqualTo(201);
        APIGatewayV2HTTPResponse noRoom = Events.invoke(handler, Events.withJson(Events.withBearer(
                Events.load("images-presign.json"), alice), Map.of("files", List.of(Map.of("name", "p.png",
                "size", PNG.length, "sha256", sha256(PNG))))));
        assertThat(noRoom.getStatusCode()).as(noRoom.getBody()).isEqualTo(413);
        assertThat(Events.body(noRoom).get("detail").asText()).contains("your images take " + 3L * PNG.length + " bytes");
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
