package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The image library over real HTTP against the local server, as the README's walk-through uses
 * it: three photos with tags in one request, listing by tag, rename, delete, what S3 holds, other
 * users kept out, bad input refused without an orphan object, and classify's suggestions on the
 * banana photo (with {@code ../shared}'s photos and MobileNetV2; skipped with a message without).
 */
class ImagesEndToEndTest {

    static final String ADMIN_PASSWORD = "images-admin-password";
    static final Path SHARED_IMAGES = LocalServer.repositoryRoot().toAbsolutePath().resolveSibling("shared").resolve("images");
    @TempDir
    static Path data;
    static LocalServer server;
    static HttpClient http = HttpClient.newHttpClient();
    static S3Client s3;
    static String bucket;
    static String admin;
    static String alice;
    static String bob;

    @BeforeAll
    static void start() throws Exception {
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD));
        RegistrySettings settings = RegistrySettings.from(server.wiring().config());
        s3 = S3Clients.s3(settings);
        bucket = settings.bucket();
        admin = login("admin", ADMIN_PASSWORD);
        alice = register("alice-images");
        bob = register("bob-images");
    }

    @AfterAll
    static void stop() {
        s3.close();
        server.close();
    }

    // ---- HTTP ---------------------------------------------------------------------------------

    static HttpResponse<String> send(String method, String path, String contentType, byte[] body, String token)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUri().resolve(path))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("content-type", contentType);
        }
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + " → " + response.body()).isLessThan(500);
        if (response.statusCode() >= 400) {
            assertThat(response.headers().firstValue("content-type")).contains("application/problem+json");
        }
        return response;
    }

    static HttpResponse<String> sendJson(String method, String path, String json, String token) throws Exception {
        return send(method, path, "application/json", json.getBytes(StandardCharsets.UTF_8), token);
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static String login(String username, String password) throws Exception {
        var response = send("POST", "/auth/login", "application/x-www-form-urlencoded",
                ("username=" + username + "&password=" + password).getBytes(StandardCharsets.UTF_8), null);
        assertThat(response.statusCode()).isEqualTo(200);
        return json(response).get("access_token").asText();
    }

    static String register(String username) throws Exception {
        var created = sendJson("POST", "/auth/users", "{\"username\":\"" + username + "\",\"password\":\"long-enough-password\"}", null);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return login(username, "long-enough-password");
    }

    /** A multipart body: the files (name → bytes) as {@code image} parts and each tag as a {@code tags} field. */
    static HttpResponse<String> upload(String token, Map<String, byte[]> files, List<String> tags) throws Exception {
        String boundary = "----images-e2e";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        files.forEach((name, bytes) -> {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + name
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(bytes);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        });
        for (String tag : tags) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\n" + tag + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send("POST", "/images", "multipart/form-data; boundary=" + boundary, body.toByteArray(), token);
    }

    static List<String> ids(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
        List<String> ids = new ArrayList<>();
        json(response).get("items").forEach(item -> ids.add(item.get("id").asText()));
        return ids;
    }

    static List<String> tags(HttpResponse<String> image) {
        List<String> tags = new ArrayList<>();
        json(image).get("tags").forEach(tag -> tags.add(tag.asText()));
        return tags;
    }

    static List<String> imageObjects() {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix("images/")).contents().stream()
                .map(S3Object::key).sorted().toList();
    }

    /** The objects under {@code images/} that were not there before (other tests share the server). */
    static List<String> objectsBesides(List<String> before) {
        return imageObjects().stream().filter(key -> !before.contains(key)).toList();
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The photo from {@code ../shared/images} when present, else a generated picture of the same name. */
    static byte[] photo(String name, Color color) throws IOException {
        Path file = SHARED_IMAGES.resolve(name);
        if (Files.isRegularFile(file)) {
            return Files.readAllBytes(file);
        }
        BufferedImage image = new BufferedImage(96, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, 96, 64);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }

    // ---- tests --------------------------------------------------------------------------------

    @Test
    void walkThrough_uploadListRenameDelete_andS3Agrees() throws Exception {
        String modelsBefore = send("GET", "/models", null, null, alice).body();
        List<String> othersObjects = imageObjects();
        for (String tag : List.of("photo", "fruit", "food", "animal")) {
            assertThat(sendJson("POST", "/tags", "{\"name\":\"" + tag + "\"}", alice).statusCode()).isEqualTo(201);
        }
        Map<String, byte[]> photos = new LinkedHashMap<>();
        photos.put("banana.jpg", photo("banana.jpg", Color.YELLOW));
        photos.put("pizza.jpg", photo("pizza.jpg", Color.ORANGE));
        photos.put("cat.jpg", photo("cat.jpg", Color.GRAY));
        HttpResponse<String> uploaded = upload(alice, photos, List.of("photo", "Food"));
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        List<String> ids = ids(uploaded);
        String banana = ids.get(0);
        String pizza = ids.get(1);
        String cat = ids.get(2);
        json(uploaded).get("items").forEach(item -> {
            assertThat(item.get("content_type").asText()).isEqualTo("image/jpeg");
            assertThat(item.get("width").asInt()).isPositive();
        });
        assertThat(objectsBesides(othersObjects)).containsExactlyInAnyOrderElementsOf(ids.stream().map(id -> "images/" + id).toList());
        assertThat(send("GET", "/models", null, null, alice).body()).as("the registry ignores images/")
                .isEqualTo(modelsBefore);

        assertThat(sendJson("PATCH", "/images/" + banana, "{\"tags\":[\"photo\",\"food\",\"fruit\"]}", alice).statusCode())
                .isEqualTo(200);
        assertThat(tags(sendJson("PATCH", "/images/" + cat, "{\"tags\":[\"photo\",\"animal\"],\"description\":\"a tabby\"}",
                alice))).containsExactly("animal", "photo");

        assertThat(ids(send("GET", "/images?tag=food&tag=fruit", null, null, alice))).containsExactly(banana);
        assertThat(ids(send("GET", "/images?tag=food&tag=animal&match=any", null, null, alice)))
                .containsExactlyInAnyOrder(banana, pizza, cat);
        assertThat(ids(send("GET", "/images?tag=food", null, null, alice))).containsExactlyInAnyOrder(banana, pizza);
        assertThat(json(send("GET", "/tags/food", null, null, alice)).get("image_count").asInt()).isEqualTo(2);

        var renamed = sendJson("PATCH", "/tags/food", "{\"name\":\"Food & Drink\"}", alice);
        assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
        assertThat(tags(send("GET", "/images/" + pizza, null, null, alice))).containsExactly("Food & Drink", "photo");
        assertThat(ids(send("GET", "/images?tag=" + q("food & drink"), null, null, alice)))
                .containsExactlyInAnyOrder(banana, pizza);
        assertThat(send("GET", "/tags/food", null, null, alice).statusCode()).isEqualTo(404);

        assertThat(send("DELETE", "/tags/animal", null, null, alice).statusCode()).as("admins only").isEqualTo(403);
        assertThat(send("DELETE", "/tags/animal", null, null, admin).statusCode()).isEqualTo(204);
        assertThat(tags(send("GET", "/images/" + cat, null, null, alice))).containsExactly("photo");
        assertThat(send("GET", "/images?tag=animal", null, null, alice).statusCode()).isEqualTo(400);

        assertThat(send("DELETE", "/images/" + pizza, null, null, alice).statusCode()).isEqualTo(204);
        assertThat(objectsBesides(othersObjects)).containsExactlyInAnyOrder("images/" + banana, "images/" + cat);
        assertThat(ids(send("GET", "/images?tag=photo", null, null, alice))).containsExactlyInAnyOrder(banana, cat);
        assertThat(json(send("GET", "/tags/photo", null, null, alice)).get("image_count").asInt()).isEqualTo(2);

        // another user: never the data
        assertThat(send("GET", "/images/" + banana, null, null, bob).statusCode()).isEqualTo(404);
        assertThat(sendJson("PATCH", "/images/" + banana, "{\"description\":\"mine\"}", bob).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "/images/" + banana, null, null, bob).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/images/" + banana + "/classify", null, null, bob).statusCode()).isEqualTo(404);
        assertThat(ids(send("GET", "/images", null, null, bob))).isEmpty();
        assertThat(send("GET", "/images?owner=alice-images", null, null, bob).statusCode()).isEqualTo(403);
        assertThat(ids(send("GET", "/images?owner=alice-images", null, null, admin))).containsExactlyInAnyOrder(banana, cat);
        assertThat(objectsBesides(othersObjects)).hasSize(2);

        // the presigned URL serves the stored bytes
        String url = json(send("GET", "/images/" + banana, null, null, alice)).get("url").asText();
        var download = http.send(HttpRequest.newBuilder(java.net.URI.create(url)).build(), BodyHandlers.ofByteArray());
        assertThat(download.body()).isEqualTo(photos.get("banana.jpg"));
    }

    @Test
    void badInput_isA4xx_andLeavesNoOrphanObject() throws Exception {
        sendJson("POST", "/tags", "{\"name\":\"bad-input-tag\"}", bob);
        List<String> before = imageObjects();
        byte[] good = photo("espresso.jpg", Color.BLACK);
        assertThat(upload(bob, Map.of("a.jpg", good, "notes.jpg", "not an image".getBytes(StandardCharsets.UTF_8)),
                List.of("bad-input-tag")).statusCode()).isBetween(400, 499);
        assertThat(upload(bob, Map.of("a.jpg", good), List.of("bad-input-tag", "no-such-tag")).statusCode()).isEqualTo(400);
        assertThat(upload(bob, Map.of("a.jpg", good), List.of("x".repeat(51))).statusCode()).isEqualTo(400);
        assertThat(sendJson("POST", "/tags", "{\"name\":\"" + "x".repeat(51) + "\"}", bob).statusCode()).isEqualTo(400);
        assertThat(sendJson("POST", "/tags", "{\"name\":\"Bad-Input-Tag\"}", bob).statusCode()).isEqualTo(409);
        assertThat(send("GET", "/images?cursor=forged.cursor", null, null, bob).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/images/not-an-id", null, null, bob).statusCode()).isEqualTo(400);
        assertThat(send("POST", "/images", "text/plain", "hello".getBytes(StandardCharsets.UTF_8), bob).statusCode())
                .isEqualTo(415);
        // JSON declares files for presigned uploads (ImageUploadEndToEndTest): without any, a 400.
        assertThat(send("POST", "/images", "application/json", "{}".getBytes(StandardCharsets.UTF_8), bob).statusCode())
                .isEqualTo(400);
        assertThat(imageObjects()).as("no orphan object").isEqualTo(before);
        assertThat(ids(send("GET", "/images", null, null, bob))).isEmpty();
    }

    @Test
    void classify_onTheBananaPhoto_suggestsBanana_andApplyTagsIt() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(SHARED_IMAGES.resolve("banana.jpg")),
                "skipped: " + SHARED_IMAGES + "/banana.jpg is absent (the shared photos live beside the checkout)");
        Assumptions.assumeTrue(send("GET", "/models/mobilenetv2", null, null, admin).statusCode() == 200,
                "skipped: no default image model (mobilenetv2) registered from ../shared/models");
        String carol = register("carol-images");
        String id = ids(upload(carol, Map.of("banana.jpg", Files.readAllBytes(SHARED_IMAGES.resolve("banana.jpg"))),
                List.of())).get(0);
        var suggested = send("POST", "/images/" + id + "/classify?apply=true", null, null, carol);
        assertThat(suggested.statusCode()).as(suggested.body()).isEqualTo(200);
        JsonNode image = json(suggested);
        assertThat(image.get("suggested_tags").get(0).get("name").asText()).isEqualTo("banana");
        assertThat(image.get("suggested_tags").get(0).get("probability").asDouble()).isGreaterThan(0.5);
        assertThat(tags(suggested)).contains("banana");
        assertThat(ids(send("GET", "/images?tag=banana", null, null, carol))).containsExactly(id);
    }
}
