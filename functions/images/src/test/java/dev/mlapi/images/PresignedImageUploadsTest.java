package dev.mlapi.images;

import static dev.mlapi.images.ManageImagesHandlerTest.picture;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.imagestore.ImageSweeper;
import dev.mlapi.imagestore.NewImage;
import dev.mlapi.imagestore.PresignedImageUploads;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import java.awt.Color;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code POST /images} as JSON, the presigned PUT (real HTTP to the embedded S3 server) and
 * {@code POST /images/uploads/{id}/commit}; and the sweeper that removes objects no record needs.
 * What every answer says is checked against what the tables and the bucket hold.
 */
class PresignedImageUploadsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private TestStack stack;
    private ManageImagesHandler handler;
    private S3Client s3;
    private String bucket;
    private String alice;
    private String bob;

    @BeforeEach
    void start() {
        stack = TestStack.start();
        // A small per-file limit, so the oversize case needs no large file.
        handler = new ManageImagesHandler(stack.wiring(), ImageLibrary.create(stack.wiring()),
                new PresignedImageUploads.Limits(64 * 1024, 3));
        RegistrySettings settings = RegistrySettings.from(stack.config());
        s3 = S3Clients.s3(settings);
        bucket = settings.bucket();
        alice = stack.signedIn("alice", Role.USER).token();
        bob = stack.signedIn("bob", Role.USER).token();
        Events.invoke(handler, Events.withJson(Events.withBearer(Events.load("images-create-tag.json"), alice),
                Map.of("name", "photo")));
    }

    @AfterEach
    void stop() {
        s3.close();
        stack.close();
    }

    private APIGatewayV2HTTPResponse presign(String token, Object body) {
        return Events.invoke(handler, Events.withJson(Events.withBearer(Events.load("images-presign.json"), token), body));
    }

    private APIGatewayV2HTTPResponse commit(String token, String uploadId) {
        return Events.invoke(handler, Events.withPath(Events.withBearer(Events.load("images-commit-upload.json"), token),
                "/images/uploads/" + uploadId + "/commit", Map.of("upload_id", uploadId)));
    }

    private static Map<String, Object> declared(String name, byte[] data) {
        return Map.of("name", name, "size", data.length, "sha256", sha256(data), "content_type", "image/png");
    }

    /** PUTs {@code data} to an upload's presigned URL with its signed headers; the status. */
    private static int put(JsonNode upload, byte[] data) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upload.get("url").asText()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data));
        upload.get("headers").fields().forEachRemaining(h -> request.header(h.getKey(), h.getValue().asText()));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private List<String> objectKeys() {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).toList();
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void presignPutCommit_storesTheImageWithItsTags_typeSniffed_andNothingLeftPending() throws Exception {
        byte[] png = picture("png", 40, 30, Color.BLUE);
        byte[] jpeg = picture("jpeg", 50, 20, Color.GREEN);
        // The client claims PNG for both; the JPEG is stored as what it is.
        APIGatewayV2HTTPResponse reserved = presign(alice, Map.of("files",
                List.of(declared("a.png", png), declared("b.jpg", jpeg)), "tags", List.of("Photo")));
        assertThat(reserved.getStatusCode()).as(reserved.getBody()).isEqualTo(202);
        JsonNode uploads = Events.body(reserved).get("uploads");
        assertThat(uploads).hasSize(2);
        assertThat(uploads.get(0).get("headers").has("x-amz-checksum-sha256")).isTrue();
        assertThat(uploads.get(0).get("commit_url").asText())
                .isEqualTo("/images/uploads/" + uploads.get(0).get("upload_id").asText() + "/commit");

        assertThat(put(uploads.get(0), png)).isEqualTo(200);
        assertThat(put(uploads.get(1), jpeg)).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            APIGatewayV2HTTPResponse committed = commit(alice, uploads.get(i).get("upload_id").asText());
            assertThat(committed.getStatusCode()).as(committed.getBody()).isEqualTo(201);
            ids.add(Events.body(committed).get("id").asText());
        }
        JsonNode b = Events.body(commit(alice, ids.get(1)));
        assertThat(b.get("content_type").asText()).isEqualTo("image/jpeg");
        assertThat(b.get("width").asInt()).isEqualTo(50);
        assertThat(b.get("bytes").asLong()).isEqualTo(jpeg.length);
        assertThat(b.get("sha256").asText()).isEqualTo(sha256(jpeg));
        assertThat(b.get("tags").toString()).isEqualTo("[\"photo\"]");
        assertThat(b.get("owner").asText()).isEqualTo("alice");
        byte[] downloaded = HTTP.send(HttpRequest.newBuilder(URI.create(b.get("url").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        assertThat(sha256(downloaded)).isEqualTo(sha256(jpeg));
        // Committing again answers the same image (200) and creates nothing.
        APIGatewayV2HTTPResponse again = commit(alice, ids.get(0));
        assertThat(again.getStatusCode()).isEqualTo(200);
        assertThat(objectKeys()).containsExactlyInAnyOrder("images/" + ids.get(0), "images/" + ids.get(1));
        JsonNode listed = Events.body(Events.invoke(handler, withQuery(Events.withBearer(Events.load("images-list.json"),
                alice), Map.of("tag", "photo"))));
        assertThat(listed.get("items")).hasSize(2);
        // Another user cannot commit (or see) alice's upload.
        assertThat(commit(bob, ids.get(0)).getStatusCode()).isEqualTo(404);
    }

    private static com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent withQuery(
            com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent event, Map<String, String> query) {
        event.setQueryStringParameters(query);
        return event;
    }

    @Test
    void presign_refusesBadDeclarationsAndUnknownTags_beforeReservingAnything() {
        byte[] png = picture("png", 8, 8, Color.RED);
        assertThat(presign(alice, Map.of("files", List.of(declared("a.png", png)), "tags", List.of("nope"))))
                .satisfies(r -> assertThat(r.getStatusCode()).isEqualTo(400))
                .satisfies(r -> assertThat(r.getBody()).contains("unknown tag 'nope'"));
        assertThat(presign(alice, Map.of("files", List.of(Map.of("name", "big.png", "size", 64 * 1024 + 1,
                "sha256", sha256(png))))).getStatusCode()).isEqualTo(413);
        assertThat(presign(alice, Map.of("files", List.of(Map.of("name", "a.png", "size", 10, "sha256", "abc"))))
                .getBody()).contains("sha256");
        assertThat(presign(alice, Map.of("files", List.of(Map.of("name", "a.txt", "size", 10, "sha256", sha256(png),
                "content_type", "text/plain")))).getStatusCode()).isEqualTo(400);
        assertThat(presign(alice, Map.of("files", List.of(declared("1", png), declared("2", png), declared("3", png),
                declared("4", png)))).getBody()).contains("at most 3 files");
        assertThat(presign(alice, Map.of("files", List.of(declared("a.png", png)), "extra", 1)).getStatusCode())
                .isEqualTo(400);
        assertThat(imagesAndReservations()).isEmpty();
        assertThat(objectKeys()).isEmpty();
    }

    @Test
    void commit_whenTheBytesDifferOrAreNotAnImage_answers4xx_andRemovesTheUploadAndItsReservation() throws Exception {
        byte[] png = picture("png", 8, 8, Color.RED);
        byte[] text = "just some words, not an image at all".getBytes(StandardCharsets.UTF_8);
        byte[] truncated = java.util.Arrays.copyOf(png, png.length / 2);
        JsonNode uploads = Events.body(presign(alice, Map.of("files", List.of(declared("a.png", png),
                Map.of("name", "notes.txt", "size", text.length, "sha256", sha256(text)),
                declared("half.png", truncated))))).get("uploads");
        String first = uploads.get(0).get("upload_id").asText();
        // Committing before the PUT: 400, and the reservation stays for the upload to come.
        assertThat(commit(alice, first).getStatusCode()).isEqualTo(400);
        // Other bytes than declared: S3 refuses them (signed checksum) or the commit does.
        int status = put(uploads.get(0), picture("png", 8, 8, Color.BLUE));
        if (status == 200) {
            APIGatewayV2HTTPResponse refused = commit(alice, first);
            assertThat(refused.getStatusCode()).as(refused.getBody()).isEqualTo(400);
            assertThat(refused.getBody()).contains("were declared");
        } else {
            assertThat(status).isBetween(400, 499);
            s3.putObject(r -> r.bucket(bucket).key("images/pending/" + first), RequestBody.fromBytes(new byte[png.length]));
            assertThat(commit(alice, first).getStatusCode()).isEqualTo(400);
        }
        assertThat(put(uploads.get(1), text)).isEqualTo(200);
        APIGatewayV2HTTPResponse notImage = commit(alice, uploads.get(1).get("upload_id").asText());
        assertThat(notImage.getStatusCode()).as(notImage.getBody()).isEqualTo(422);
        assertThat(notImage.getHeaders().get("content-type")).startsWith("application/problem+json");
        assertThat(put(uploads.get(2), truncated)).isEqualTo(200);
        assertThat(commit(alice, uploads.get(2).get("upload_id").asText()).getStatusCode()).isBetween(400, 499);

        assertThat(objectKeys()).as("nothing of the failed uploads is left").isEmpty();
        assertThat(imagesAndReservations()).as("no reservation or image").isEmpty();
        assertThat(commit(alice, first).getStatusCode()).as("the reservation is gone").isEqualTo(404);
    }

    @Test
    void sweeper_removesObjectsWithoutARecord_andAbandonedUploads_keepsCommittedImagesAndLiveUploads() throws Exception {
        ImageLibrary library = ImageLibrary.create(stack.wiring());
        Principal principal = new Principal("id", "alice", Role.USER, "jti", 0, Instant.now().plusSeconds(60));
        byte[] png = picture("png", 8, 8, Color.RED);
        String kept = library.upload(principal, List.of(new NewImage("kept.png", "image/png", png, 8, 8)), List.of())
                .get(0).id();
        // A crash between the S3 write and the transaction: an object no record points at.
        String crashed = UUID.randomUUID().toString();
        s3.putObject(r -> r.bucket(bucket).key("images/" + crashed), RequestBody.fromBytes(png));
        // A pending upload whose reservation is gone (a crash after its commit's transaction) …
        String leftover = UUID.randomUUID().toString();
        s3.putObject(r -> r.bucket(bucket).key("images/pending/" + leftover), RequestBody.fromBytes(png));
        // … and one still waiting for its commit.
        JsonNode live = Events.body(presign(alice, Map.of("files", List.of(declared("live.png", png))))).get("uploads")
                .get(0);
        assertThat(put(live, png)).isEqualTo(200);
        // Someone else's object under the prefix is not the sweeper's to judge.
        s3.putObject(r -> r.bucket(bucket).key("images/README.txt"), RequestBody.fromString("hands off"));

        ImageSweeper.Sweep young = ImageSweeper.create(stack.wiring()).sweep(Duration.ofMinutes(15));
        assertThat(young.orphanedImages() + young.abandonedUploads()).as("nothing is old enough yet").isZero();

        ImageSweeper.Sweep sweep = ImageSweeper.create(stack.wiring()).sweep(Duration.ZERO);

        assertThat(sweep.orphanedImages()).isEqualTo(1);
        assertThat(sweep.abandonedUploads()).isEqualTo(1);
        assertThat(objectKeys()).containsExactlyInAnyOrder("images/" + kept,
                "images/pending/" + live.get("upload_id").asText(), "images/README.txt");
        assertThat(commit(alice, live.get("upload_id").asText()).getStatusCode()).isEqualTo(201);
        assertThat(Events.invoke(handler, Events.withPath(Events.withBearer(Events.load("images-get.json"), alice),
                "/images/" + kept, Map.of("id", kept))).getStatusCode()).isEqualTo(200);
    }

    @Test
    void sweeper_removesExpiredReservationsAndTheirUploads() throws Exception {
        byte[] png = picture("png", 8, 8, Color.RED);
        JsonNode upload = Events.body(presign(alice, Map.of("files", List.of(declared("late.png", png))))).get("uploads")
                .get(0);
        assertThat(put(upload, png)).isEqualTo(200);
        var later = java.time.Clock.offset(stack.wiring().clock(), PresignedImageUploads.UPLOAD_VALIDITY.plusMinutes(1));
        ImageLibrary library = ImageLibrary.create(dev.mlapi.core.Wiring.create(stack.config(), later));

        ImageSweeper.Sweep sweep = library.sweeper().sweep(Duration.ofMinutes(15));

        assertThat(sweep.expiredReservations()).isEqualTo(1);
        assertThat(objectKeys()).isEmpty();
        assertThat(imagesAndReservations()).isEmpty();
    }

    /** The images table's items but the users' usage counters. */
    private List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> imagesAndReservations() {
        return stack.wiring().dynamoDb().scan(r -> r.tableName(imagesTable())).items().stream()
                .filter(item -> !item.get("id").s().startsWith("usage#")).toList();
    }

    private String imagesTable() {
        return stack.config().environment().tableName(dev.mlapi.catalog.TableCatalog.IMAGES);
    }
}
