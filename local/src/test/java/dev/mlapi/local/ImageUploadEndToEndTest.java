package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.imagestore.ImageObjects;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Large images over real HTTP against the local server: {@code POST /images} with JSON, a PUT of
 * the bytes to the presigned URL of the embedded S3 server, the commit, listing by tag and the
 * download through the image's URL; refused uploads that leave nothing in the bucket; and the
 * start-up sweep that removes an object no record points at (a crash between S3 and DynamoDB).
 */
@TestMethodOrder(OrderAnnotation.class)
class ImageUploadEndToEndTest {

    static final Path SHARED_IMAGES = LocalServer.repositoryRoot().toAbsolutePath().resolveSibling("shared").resolve("images");
    static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    static Path data;
    static LocalServer server;
    static S3Client s3;
    static String bucket;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(), Map.of());
        RegistrySettings settings = RegistrySettings.from(server.wiring().config());
        s3 = S3Clients.s3(settings);
        bucket = settings.bucket();
        assertThat(send("POST", "/auth/users", "{\"username\":\"erin\",\"password\":\"large-photos-only\"}", null)
                .statusCode()).isEqualTo(201);
        token = json(send("POST", "/auth/login", "{\"username\":\"erin\",\"password\":\"large-photos-only\"}", null))
                .get("access_token").asText();
        assertThat(send("POST", "/tags", "{\"name\":\"holiday\"}", token).statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static HttpResponse<String> send(String method, String path, String json, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUri().resolve(path))
                .method(method, json == null ? BodyPublishers.noBody() : BodyPublishers.ofString(json))
                .header("content-type", "application/json");
        if (bearer != null) {
            request.header("authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = HTTP.send(request.build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + " → " + response.body()).isLessThan(500);
        if (response.statusCode() >= 400) {
            assertThat(response.headers().firstValue("content-type")).contains("application/problem+json");
        }
        return response;
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static String declare(String name, byte[] data) {
        return "{\"name\":\"" + name + "\",\"size\":" + data.length + ",\"sha256\":\"" + sha256(data) + "\"}";
    }

    /** Reserves uploads for the declared files (JSON objects) with the tags; the 202's uploads. */
    static JsonNode reserve(List<String> files, String tags) throws Exception {
        HttpResponse<String> reserved = send("POST", "/images",
                "{\"files\":[" + String.join(",", files) + "],\"tags\":" + tags + "}", token);
        assertThat(reserved.statusCode()).as(reserved.body()).isEqualTo(202);
        return json(reserved).get("uploads");
    }

    /** PUTs the bytes to the upload's presigned URL with exactly its signed headers, as a browser or curl -T would. */
    static int put(JsonNode upload, byte[] bytes) throws Exception {
        assertThat(upload.get("method").asText()).isEqualTo("PUT");
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upload.get("url").asText()))
                .PUT(BodyPublishers.ofByteArray(bytes));
        upload.get("headers").fields().forEachRemaining(h -> request.header(h.getKey(), h.getValue().asText()));
        return HTTP.send(request.build(), BodyHandlers.discarding()).statusCode();
    }

    static HttpResponse<String> commit(JsonNode upload) throws Exception {
        return send("POST", upload.get("commit_url").asText(), null, token);
    }

    static List<String> keys() {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(ImageObjects.PREFIX)).contents().stream()
                .map(S3Object::key).toList();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(1)
    void twoPhotos_presignedPutAndCommitted_areListedByTag_andDownloadAsUploaded() throws Exception {
        assumeTrue(Files.isRegularFile(SHARED_IMAGES.resolve("cat.jpg")),
                "../shared/images is absent: the presigned upload of the shared photos is not run");
        byte[] cat = Files.readAllBytes(SHARED_IMAGES.resolve("cat.jpg"));
        byte[] kitten = Files.readAllBytes(SHARED_IMAGES.resolve("kitten_224.png"));
        JsonNode uploads = reserve(List.of(declare("cat.jpg", cat), declare("kitten_224.png", kitten)), "[\"Holiday\"]");
        assertThat(uploads).hasSize(2);
        assertThat(uploads.get(0).get("url").asText()).contains("/images/pending/");

        assertThat(put(uploads.get(0), cat)).isEqualTo(200);
        assertThat(put(uploads.get(1), kitten)).isEqualTo(200);
        List<JsonNode> images = new ArrayList<>();
        for (JsonNode upload : uploads) {
            HttpResponse<String> committed = commit(upload);
            assertThat(committed.statusCode()).as(committed.body()).isEqualTo(201);
            images.add(json(committed));
        }
        assertThat(images.get(0).get("content_type").asText()).isEqualTo("image/jpeg");
        assertThat(images.get(1).get("content_type").asText()).isEqualTo("image/png");
        assertThat(images.get(1).get("width").asInt()).isEqualTo(224);
        assertThat(images.get(0).get("tags").toString()).isEqualTo("[\"holiday\"]");
        assertThat(images.get(0).get("owner").asText()).isEqualTo("erin");

        JsonNode listed = json(send("GET", "/images?tag=holiday", null, token)).get("items");
        List<String> listedIds = new ArrayList<>();
        listed.forEach(image -> listedIds.add(image.get("id").asText()));
        assertThat(listedIds).contains(images.get(0).get("id").asText(), images.get(1).get("id").asText());
        for (int i = 0; i < 2; i++) {
            byte[] downloaded = HTTP.send(HttpRequest.newBuilder(URI.create(images.get(i).get("url").asText())).build(),
                    BodyHandlers.ofByteArray()).body();
            assertThat(sha256(downloaded)).isEqualTo(sha256(i == 0 ? cat : kitten))
                    .isEqualTo(images.get(i).get("sha256").asText());
        }
        assertThat(keys()).contains("images/" + images.get(0).get("id").asText())
                .noneMatch(key -> key.startsWith(ImageObjects.PENDING_PREFIX));
    }

    @Test
    @Order(2)
    void wrongSha256_textFile_andOversizeDeclaration_get4xx_andLeaveNothingInTheBucket() throws Exception {
        byte[] photo = picture();
        byte[] other = picture();
        other[other.length - 3] ^= 1;
        byte[] text = "a shopping list, not a photo\n".getBytes(StandardCharsets.UTF_8);
        List<String> before = keys();

        HttpResponse<String> oversize = send("POST", "/images", "{\"files\":[{\"name\":\"huge.tif\",\"size\":"
                + (50L * 1024 * 1024 + 1) + ",\"sha256\":\"" + sha256(photo) + "\"}]}", token);
        assertThat(oversize.statusCode()).isEqualTo(413);
        assertThat(oversize.body()).contains("huge.tif", "52428800");

        JsonNode uploads = reserve(List.of(declare("photo.jpg", photo), declare("notes.txt", text)), "[]");
        // The declared sha256 is signed into the URL: S3 refuses other bytes, or the commit does.
        int putStatus = put(uploads.get(0), other);
        HttpResponse<String> wrongSha = commit(uploads.get(0));
        assertThat(wrongSha.statusCode()).as("PUT %s, commit %s", putStatus, wrongSha.body()).isEqualTo(400);
        if (putStatus == 200) {
            assertThat(wrongSha.body()).contains("were declared");
        } else {
            assertThat(putStatus).isBetween(400, 499);
            assertThat(wrongSha.body()).contains("has not been uploaded");
        }

        assertThat(put(uploads.get(1), text)).isEqualTo(200);
        HttpResponse<String> notImage = commit(uploads.get(1));
        assertThat(notImage.statusCode()).as(notImage.body()).isEqualTo(422);
        assertThat(notImage.body()).contains("notes.txt", "not an image");

        assertThat(keys()).as("the bucket holds nothing of the refused uploads").isEqualTo(before)
                .noneMatch(key -> key.startsWith(ImageObjects.PENDING_PREFIX));
        assertThat(commit(uploads.get(1)).statusCode()).as("its reservation is gone too").isEqualTo(404);
    }

    @Test
    @Order(3)
    void restart_sweepsAnObjectWithoutARecord_andKeepsCommittedImages() throws Exception {
        byte[] photo = picture();
        JsonNode upload = reserve(List.of(declare("kept.jpg", photo)), "[\"holiday\"]").get(0);
        assertThat(put(upload, photo)).isEqualTo(200);
        String kept = json(commit(upload)).get("id").asText();
        // What a crash between the S3 write and the DynamoDB transaction leaves: an object, no record.
        String crashed = ImageObjects.PREFIX + UUID.randomUUID();
        s3.putObject(r -> r.bucket(bucket).key(crashed), RequestBody.fromBytes(photo));
        assertThat(keys()).contains(crashed);

        s3.close();
        server.close();
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(), Map.of());
        s3 = S3Clients.s3(RegistrySettings.from(server.wiring().config()));
        token = json(send("POST", "/auth/login", "{\"username\":\"erin\",\"password\":\"large-photos-only\"}", null))
                .get("access_token").asText();

        assertThat(keys()).doesNotContain(crashed).contains(ImageObjects.PREFIX + kept);
        assertThat(send("GET", "/images/" + kept, null, token).statusCode()).isEqualTo(200);
    }

    /** A small JPEG (the wrong-sha and sweep cases need no photo from ../shared). */
    static byte[] picture() throws Exception {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        image.setRGB(10, 10, 0xff8800);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }
}
