package dev.mlapi.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.HostileImages;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The images function through its Lambda handler with the sample events of {@code events/}, real
 * tokens, DynamoDB Local and the embedded S3 server: what every answer says is checked against
 * what the tables and the bucket hold.
 */
class ManageImagesHandlerTest {

    private TestStack stack;
    private ManageImagesHandler handler;
    private S3Client s3;
    private String bucket;
    private String admin;
    private String alice;
    private String bob;

    @BeforeEach
    void start() {
        stack = TestStack.start();
        handler = new ManageImagesHandler(stack.wiring());
        RegistrySettings settings = RegistrySettings.from(stack.config());
        s3 = S3Clients.s3(settings);
        bucket = settings.bucket();
        admin = stack.signedIn("root", Role.ADMIN).token();
        alice = stack.signedIn("alice", Role.USER).token();
        bob = stack.signedIn("bob", Role.USER).token();
    }

    @AfterEach
    void stop() {
        s3.close();
        stack.close();
    }

    // ---- calls --------------------------------------------------------------------------------

    private APIGatewayV2HTTPResponse createTag(String token, String name) {
        return Events.invoke(handler, Events.withJson(Events.withBearer(Events.load("images-create-tag.json"), token),
                Map.of("name", name)));
    }

    private APIGatewayV2HTTPResponse upload(String token, Multipart body) {
        return Events.invoke(handler, Events.withBinaryBody(Events.withBearer(Events.load("images-upload.json"), token),
                Multipart.CONTENT_TYPE, body.build()));
    }

    private APIGatewayV2HTTPResponse list(String token, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Events.withBearer(Events.load("images-list.json"), token);
        event.setQueryStringParameters(query);
        return Events.invoke(handler, event);
    }

    private APIGatewayV2HTTPResponse onImage(String file, String token, String id) {
        return Events.invoke(handler, Events.withPath(Events.withBearer(Events.load(file), token), "/images/" + id,
                Map.of("id", id)));
    }

    private APIGatewayV2HTTPResponse patchImage(String token, String id, Object body) {
        return Events.invoke(handler, Events.withJson(Events.withPath(Events.withBearer(Events.load("images-update.json"),
                token), "/images/" + id, Map.of("id", id)), body));
    }

    private APIGatewayV2HTTPResponse onTag(String file, String token, String name) {
        return Events.invoke(handler, Events.withPath(Events.withBearer(Events.load(file), token), "/tags/" + name,
                Map.of("name", name)));
    }

    private APIGatewayV2HTTPResponse renameTag(String token, String name, String to) {
        return Events.invoke(handler, Events.withJson(Events.withPath(Events.withBearer(
                Events.load("images-rename-tag.json"), token), "/tags/" + name, Map.of("name", name)), Map.of("name", to)));
    }

    private List<String> objectKeys() {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).toList();
    }

    private static List<String> ids(APIGatewayV2HTTPResponse response) {
        assertThat(response.getStatusCode()).as(response.getBody()).isIn(200, 201);
        List<String> ids = new ArrayList<>();
        Events.body(response).get("items").forEach(item -> ids.add(item.get("id").asText()));
        return ids;
    }

    private static List<String> tagsOf(JsonNode image) {
        List<String> tags = new ArrayList<>();
        image.get("tags").forEach(t -> tags.add(t.asText()));
        return tags;
    }

    static byte[] picture(String format, int width, int height, Color color) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.WHITE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Three images, each with the tags given, uploaded one request each; their ids in upload order. */
    private List<String> uploadEach(String token, String... tagsPerImage) {
        List<String> ids = new ArrayList<>();
        for (String tags : tagsPerImage) {
            Multipart body = new Multipart().file("image", "p.png", "image/png", picture("png", 8, 8, Color.RED));
            if (!tags.isEmpty()) {
                body.field("tags", tags);
            }
            ids.addAll(ids(upload(token, body)));
        }
        return ids;
    }

    // ---- tests --------------------------------------------------------------------------------

    @Test
    void upload_threeImagesWithTwoTags_storesObjectsAndRecords_typeSniffedFromTheBytes() throws Exception {
        assertThat(createTag(alice, "Fruit").getStatusCode()).isEqualTo(201);
        assertThat(createTag(alice, "yellow").getStatusCode()).isEqualTo(201);
        byte[] jpeg = picture("jpeg", 64, 48, Color.YELLOW);
        byte[] png = picture("png", 32, 16, Color.GREEN);
        byte[] gif = picture("gif", 10, 20, Color.BLUE);
        APIGatewayV2HTTPResponse response = upload(alice, new Multipart()
                .file("image", "banana.jpg", "image/png", jpeg) // the claimed type is ignored
                .file("image", "C:\\photos\\leaf.png", "application/octet-stream", png)
                .file("image", "../../etc/sky.gif", "image/gif", gif)
                .field("tags", "  fruit ")
                .field("tags", "YELLOW"));
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
        JsonNode items = Events.body(response).get("items");
        assertThat(items).hasSize(3);
        JsonNode banana = items.get(0);
        assertThat(banana.get("filename").asText()).isEqualTo("banana.jpg");
        assertThat(banana.get("content_type").asText()).isEqualTo("image/jpeg");
        assertThat(banana.get("width").asInt()).isEqualTo(64);
        assertThat(banana.get("height").asInt()).isEqualTo(48);
        assertThat(banana.get("bytes").asLong()).isEqualTo(jpeg.length);
        assertThat(banana.get("sha256").asText())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(jpeg)));
        assertThat(banana.get("owner").asText()).isEqualTo("alice");
        assertThat(tagsOf(banana)).containsExactly("Fruit", "yellow");
        assertThat(items.get(1).get("filename").asText()).isEqualTo("leaf.png");
        assertThat(items.get(1).get("content_type").asText()).isEqualTo("image/png");
        assertThat(items.get(2).get("filename").asText()).isEqualTo("sky.gif");
        assertThat(items.get(2).get("content_type").asText()).isEqualTo("image/gif");
        List<String> ids = ids(response);
        assertThat(objectKeys()).containsExactlyInAnyOrderElementsOf(ids.stream().map(id -> "images/" + id).toList());
        // the presigned URL serves the very bytes
        HttpResponse<byte[]> download = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(banana.get("url").asText())).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(jpeg);
        JsonNode fruit = Events.body(onTag("images-get-tag.json", alice, "FRUIT"));
        assertThat(fruit.get("image_count").asLong()).isEqualTo(3);
    }

    @Test
    void upload_whenAnyPartIsBad_answers4xx_andWritesNothing() {
        createTag(alice, "fruit");
        byte[] good = picture("png", 8, 8, Color.RED);
        Map<String, Multipart> bad = new HashMap<>();
        bad.put("unknown tag", new Multipart().file("image", "a.png", "image/png", good).field("tags", "fruit")
                .field("tags", "vegetable"));
        bad.put("not an image", new Multipart().file("image", "a.png", "image/png", good)
                .file("image", "notes.png", "image/png", "just text, not pixels".getBytes()));
        bad.put("51-character tag", new Multipart().file("image", "a.png", "image/png", good).field("tags", "x".repeat(51)));
        bad.put("no image", new Multipart().field("tags", "fruit"));
        bad.put("empty file", new Multipart().file("image", "a.png", "image/png", good).file("image", "b.png", "image/png",
                new byte[0]));
        for (var entry : bad.entrySet()) {
            APIGatewayV2HTTPResponse response = upload(alice, entry.getValue());
            assertThat(response.getStatusCode()).as(entry.getKey() + ": " + response.getBody()).isBetween(400, 499);
        }
        assertThat(objectKeys()).as("no orphan object").isEmpty();
        assertThat(ids(list(alice, Map.of()))).isEmpty();
        assertThat(Events.body(onTag("images-get-tag.json", alice, "fruit")).get("image_count").asLong()).isZero();
        APIGatewayV2HTTPResponse unknown = upload(alice, bad.get("unknown tag"));
        assertThat(Events.body(unknown).get("detail").asText()).contains("vegetable");
    }

    @Test
    void upload_whenAnImageLiesAboutItsSizes_is422Or413BeforeDecoding_andWritesNothing() {
        byte[] good = picture("png", 8, 8, Color.RED);
        Map<String, byte[]> hostile = Map.of(
                "deflate TIFF claiming a 2 GB strip", HostileImages.tiffClaimingStripBytes("Deflate", HostileImages.TWO_GB),
                "tiled TIFF claiming a 2 GB tile", HostileImages.tiledTiffClaimingTileBytes(HostileImages.TWO_GB),
                "PNG chunk claiming 2 GB", HostileImages.pngWithChunkClaiming("zTXt", HostileImages.TWO_GB),
                "BMP claiming 2 GB of pixels", HostileImages.bmpClaimingImageBytes(HostileImages.TWO_GB),
                "GIF on a 60000×60000 screen", HostileImages.gifOnScreen(60_000, 60_000));
        for (var entry : hostile.entrySet()) {
            APIGatewayV2HTTPResponse response = upload(alice, new Multipart().file("image", "a.png", "image/png", good)
                    .file("image", "hostile.img", "image/tiff", entry.getValue()));
            assertThat(response.getStatusCode()).as(entry.getKey() + ": " + response.getBody()).isIn(413, 422);
            assertThat(Events.body(response).get("detail").asText()).as(entry.getKey()).contains("image[1] (hostile.img)");
        }
        assertThat(objectKeys()).as("nothing stored").isEmpty();
        assertThat(ids(list(alice, Map.of()))).isEmpty();
    }

    @Test
    void upload_whenTheFileNameHasQuotes_keepsItAsGiven_andTheDownloadNamesItQuoted() throws Exception {
        byte[] png = picture("png", 8, 8, Color.RED);
        APIGatewayV2HTTPResponse response = upload(alice, new Multipart()
                .file("image", "say %22cheese%22.png", "image/png", png) // a browser's (and curl 7.81+'s) encoding
                .file("image", "say \\\"cheese\\\".png", "image/png", png) // a quoted-pair, as older clients send it
                .file("image", "100%25 %E2%9C%93.png", "image/png", png)); // other percent signs are the name's own
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(201);
        JsonNode items = Events.body(response).get("items");
        assertThat(items.get(0).get("filename").asText()).isEqualTo("say \"cheese\".png");
        assertThat(items.get(1).get("filename").asText()).isEqualTo("say \"cheese\".png");
        assertThat(items.get(2).get("filename").asText()).isEqualTo("100%25 %E2%9C%93.png");
        assertThat(Events.body(onImage("images-get.json", alice, items.get(0).get("id").asText())).get("filename").asText())
                .isEqualTo("say \"cheese\".png");

        HttpResponse<byte[]> download = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(items.get(0).get("url").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValue("Content-Disposition")).hasValue(
                "inline; filename=\"say \\\"cheese\\\".png\"; filename*=UTF-8''say%20%22cheese%22.png");
    }

    @Test
    void upload_whenTheTransactionFails_deletesTheObjectsItPut() {
        createTag(alice, "fruit");
        // The tag disappears between the check and the write: the transaction's condition fails.
        var library = dev.mlapi.imagestore.ImageLibrary.create(stack.wiring());
        var principal = new dev.mlapi.core.auth.Principal("id", "alice", Role.USER, "jti", 0, Instant.now().plusSeconds(60));
        var tables = stack.wiring().dynamoDb();
        String tagsTable = stack.config().environment().tableName(dev.mlapi.catalog.TableCatalog.TAGS);
        stack.wiring().dynamoDb().scan(r -> r.tableName(tagsTable)).items().stream()
                .filter(item -> item.get("key").s().startsWith("id#"))
                .forEach(item -> tables.updateItem(r -> r.tableName(tagsTable).key(Map.of("key", item.get("key")))
                        .updateExpression("SET #k2 = :x").expressionAttributeNames(Map.of("#k2", "unused"))
                        .expressionAttributeValues(Map.of(":x", software.amazon.awssdk.services.dynamodb.model.AttributeValue
                                .fromS("x")))));
        // Remove the tag record but keep its name guard, as a concurrent delete would leave it mid-way.
        stack.wiring().dynamoDb().scan(r -> r.tableName(tagsTable)).items().stream()
                .filter(item -> item.get("key").s().startsWith("id#"))
                .forEach(item -> tables.deleteItem(r -> r.tableName(tagsTable).key(Map.of("key", item.get("key")))));
        byte[] good = picture("png", 8, 8, Color.RED);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> library.upload(principal,
                List.of(new dev.mlapi.imagestore.NewImage("a.png", "image/png", good, 8, 8)), List.of("fruit")))
                .isInstanceOf(dev.mlapi.core.error.ApiException.class);
        assertThat(objectKeys()).as("the object put before the failed transaction is deleted").isEmpty();
    }

    @Test
    void list_byTag_allAndAny_newestFirst_paginatedWithSignedCursors() {
        for (String tag : List.of("a", "b", "c")) {
            createTag(alice, tag);
        }
        List<String> ids = uploadEach(alice, "a,b", "a", "b", "a,b,c", "", "c");
        // newest first: the last upload is first
        assertThat(ids(list(alice, Map.of("tag", "a,b")))).containsExactly(ids.get(3), ids.get(0));
        assertThat(ids(list(alice, Map.of("tag", "a,b", "match", "any"))))
                .containsExactly(ids.get(3), ids.get(2), ids.get(1), ids.get(0));
        assertThat(ids(list(alice, Map.of("tag", "c", "match", "any")))).containsExactly(ids.get(5), ids.get(3));
        assertThat(ids(list(alice, Map.of()))).hasSize(6).first().isEqualTo(ids.get(5));
        // pages of two, for one tag and for any of two
        for (Map<String, String> query : List.of(Map.of("tag", "a"), Map.of("tag", "b,c", "match", "any"), Map.<String, String>of())) {
            List<String> all = ids(list(alice, query));
            List<String> paged = new ArrayList<>();
            Map<String, String> page = new HashMap<>(query);
            page.put("limit", "2");
            for (int i = 0; i < 10; i++) {
                APIGatewayV2HTTPResponse response = list(alice, page);
                paged.addAll(ids(response));
                JsonNode next = Events.body(response).get("next_cursor");
                if (next == null) {
                    break;
                }
                page.put("cursor", next.asText());
            }
            assertThat(paged).as("%s", query).isEqualTo(all);
        }
        // a cursor is bound to its query and cannot be forged
        Map<String, String> first = new HashMap<>(Map.of("tag", "a", "limit", "1"));
        String cursor = Events.body(list(alice, first)).get("next_cursor").asText();
        assertThat(list(alice, Map.of("tag", "b", "limit", "1", "cursor", cursor)).getStatusCode()).isEqualTo(400);
        assertThat(list(alice, Map.of("cursor", "bm90LWEtY3Vyc29y.AAAA")).getStatusCode()).isEqualTo(400);
        assertThat(list(alice, Map.of("tag", "nope")).getStatusCode()).isEqualTo(400);
        assertThat(list(alice, Map.of("match", "some")).getStatusCode()).isEqualTo(400);
        assertThat(list(alice, Map.of("from", "yesterday")).getStatusCode()).isEqualTo(400);
    }

    @Test
    void anotherUser_cannotSeeChangeOrDeleteYourImages_andAdminsSeeAll() {
        createTag(alice, "mine");
        String id = uploadEach(alice, "mine").get(0);
        assertThat(onImage("images-get.json", bob, id).getStatusCode()).isEqualTo(404);
        assertThat(patchImage(bob, id, Map.of("description", "mine now")).getStatusCode()).isEqualTo(404);
        assertThat(onImage("images-delete.json", bob, id).getStatusCode()).isEqualTo(404);
        assertThat(ids(list(bob, Map.of()))).isEmpty();
        assertThat(list(bob, Map.of("tag", "mine")).getStatusCode()).as("alice's tag is unknown to bob").isEqualTo(400);
        assertThat(list(bob, Map.of("owner", "alice")).getStatusCode()).isEqualTo(403);
        assertThat(Events.body(onImage("images-get.json", bob, id)).has("url")).as("never the data").isFalse();
        assertThat(ids(list(admin, Map.of("owner", "alice")))).containsExactly(id);
        assertThat(ids(list(admin, Map.of("tag", "mine")))).containsExactly(id);
        assertThat(onImage("images-get.json", admin, id).getStatusCode()).isEqualTo(200);
        assertThat(onImage("images-get.json", alice, "not-a-uuid").getStatusCode()).isEqualTo(400);
        assertThat(onImage("images-get.json", alice, UUID.randomUUID().toString()).getStatusCode()).isEqualTo(404);
        assertThat(objectKeys()).containsExactly("images/" + id);
    }

    @Test
    void patch_replacesTagsAndDescription_andKeepsCountsInStep() {
        createTag(alice, "a");
        createTag(alice, "b");
        String id = uploadEach(alice, "a").get(0);
        APIGatewayV2HTTPResponse patched = patchImage(alice, id, Map.of("tags", List.of("b"), "description", "a red dot"));
        assertThat(patched.getStatusCode()).as(patched.getBody()).isEqualTo(200);
        assertThat(tagsOf(Events.body(patched))).containsExactly("b");
        assertThat(Events.body(patched).get("description").asText()).isEqualTo("a red dot");
        assertThat(ids(list(alice, Map.of("tag", "a")))).isEmpty();
        assertThat(ids(list(alice, Map.of("tag", "b")))).containsExactly(id);
        assertThat(Events.body(onTag("images-get-tag.json", alice, "a")).get("image_count").asLong()).isZero();
        assertThat(Events.body(onTag("images-get-tag.json", alice, "b")).get("image_count").asLong()).isEqualTo(1);
        assertThat(patchImage(alice, id, Map.of("tags", List.of("zzz"))).getStatusCode()).isEqualTo(400);
        assertThat(patchImage(alice, id, Map.of()).getStatusCode()).isEqualTo(400);
    }

    @Test
    void tags_normalisedCaseInsensitiveUnique_limitedTo50_renameKeepsImages_deleteUnlinks() {
        APIGatewayV2HTTPResponse created = createTag(alice, "  Red \t  Fruit ");
        assertThat(created.getStatusCode()).isEqualTo(201);
        assertThat(Events.body(created).get("name").asText()).isEqualTo("Red Fruit");
        assertThat(createTag(alice, "red fruit").getStatusCode()).isEqualTo(409);
        assertThat(createTag(bob, "red fruit").getStatusCode()).as("bob adopts the name, learning nothing of alice's")
                .isEqualTo(201);
        assertThat(createTag(bob, "red fruit").getStatusCode()).isEqualTo(409);
        assertThat(createTag(bob, "x".repeat(51)).getStatusCode()).isEqualTo(400);
        assertThat(createTag(bob, "x".repeat(50)).getStatusCode()).isEqualTo(201);
        assertThat(createTag(bob, "bad\u0007name").getStatusCode()).isEqualTo(400);
        assertThat(createTag(bob, "   ").getStatusCode()).isEqualTo(400);
        assertThat(createTag(bob, "a,b").getStatusCode()).isEqualTo(400);
        createTag(alice, "sweet");
        List<String> ids = uploadEach(alice, "red fruit,sweet", "Red Fruit");

        assertThat(renameTag(bob, "red fruit", "Crimson").getStatusCode()).as("only its creator or an admin").isEqualTo(403);
        assertThat(renameTag(alice, "red fruit", "sweet").getStatusCode()).isEqualTo(409);
        APIGatewayV2HTTPResponse renamed = renameTag(alice, "red fruit", "Crimson Fruit");
        assertThat(renamed.getStatusCode()).as(renamed.getBody()).isEqualTo(200);
        assertThat(Events.body(renamed).get("image_count").asLong()).isEqualTo(2);
        assertThat(onTag("images-get-tag.json", alice, "red fruit").getStatusCode()).isEqualTo(404);
        assertThat(ids(list(alice, Map.of("tag", "crimson fruit")))).containsExactly(ids.get(1), ids.get(0));
        assertThat(tagsOf(Events.body(onImage("images-get.json", alice, ids.get(0))))).containsExactly("Crimson Fruit", "sweet");
        assertThat(createTag(bob, "Red Fruit").getStatusCode()).as("the old name is free again").isEqualTo(201);

        assertThat(tagCounts(bob)).as("bob's tags, his counts").containsExactly("Crimson Fruit=0", "Red Fruit=0",
                "x".repeat(50) + "=0");
        assertThat(tagCounts(alice)).containsExactly("Crimson Fruit=2", "sweet=1");
        assertThat(tagCounts(admin)).as("admins: every tag, everyone's counts")
                .containsExactly("Crimson Fruit=2", "Red Fruit=0", "sweet=1", "x".repeat(50) + "=0");

        assertThat(onTag("images-delete-tag.json", alice, "crimson fruit").getStatusCode()).isEqualTo(403);
        assertThat(onTag("images-delete-tag.json", admin, "crimson fruit").getStatusCode()).isEqualTo(204);
        assertThat(onTag("images-get-tag.json", alice, "crimson fruit").getStatusCode()).isEqualTo(404);
        assertThat(tagsOf(Events.body(onImage("images-get.json", alice, ids.get(0))))).containsExactly("sweet");
        assertThat(tagsOf(Events.body(onImage("images-get.json", alice, ids.get(1))))).isEmpty();
        assertThat(createTag(alice, "Crimson Fruit").getStatusCode()).isEqualTo(201);
        assertThat(ids(list(alice, Map.of("tag", "crimson fruit")))).as("no link survived the delete").isEmpty();
    }

    private List<String> tagCounts(String token) {
        APIGatewayV2HTTPResponse listed = Events.invoke(handler, Events.withBearer(Events.load("images-list-tags.json"), token));
        assertThat(listed.getStatusCode()).as(listed.getBody()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        Events.body(listed).get("items").forEach(t -> names.add(t.get("name").asText() + "=" + t.get("image_count").asLong()));
        return names;
    }

    @Test
    void tags_arePerOwner_anotherUserSeesNeitherNamesNorCounts_andAdminsSeeAll() {
        createTag(alice, "secret project");
        List<String> ids = uploadEach(alice, "secret project", "secret project");

        assertThat(tagCounts(bob)).isEmpty();
        assertThat(onTag("images-get-tag.json", bob, "secret project").getStatusCode()).isEqualTo(404);
        assertThat(renameTag(bob, "secret project", "mine").getStatusCode()).isEqualTo(404);
        APIGatewayV2HTTPResponse unknown = list(bob, Map.of("tag", "secret project"));
        assertThat(unknown.getStatusCode()).isEqualTo(400);
        assertThat(upload(bob, new Multipart().file("image", "b.png", "image/png", picture("png", 8, 8, Color.RED))
                .field("tags", "secret project")).getStatusCode()).isEqualTo(400);

        APIGatewayV2HTTPResponse adopted = createTag(bob, "Secret Project");
        assertThat(adopted.getStatusCode()).as(adopted.getBody()).isEqualTo(201);
        assertThat(Events.body(adopted).get("image_count").asLong()).isZero();
        assertThat(Events.body(adopted).has("created_by")).as("not alice's name").isFalse();
        String bobs = uploadEach(bob, "secret project").get(0);
        assertThat(tagCounts(bob)).containsExactly("secret project=1");
        assertThat(ids(list(bob, Map.of("tag", "secret project")))).containsExactly(bobs);
        assertThat(tagCounts(alice)).containsExactly("secret project=2");
        assertThat(Events.body(onTag("images-get-tag.json", alice, "secret project")).get("created_by").asText())
                .isEqualTo("alice");

        assertThat(tagCounts(admin)).containsExactly("secret project=3");
        assertThat(Events.body(onTag("images-get-tag.json", admin, "secret project")).get("image_count").asLong())
                .isEqualTo(3);
        assertThat(ids(list(admin, Map.of("tag", "secret project")))).containsExactlyInAnyOrder(ids.get(0), ids.get(1), bobs);

        // counts follow deletes and renames reach every user's listing
        assertThat(onImage("images-delete.json", alice, ids.get(0)).getStatusCode()).isEqualTo(204);
        assertThat(renameTag(alice, "secret project", "Open Project").getStatusCode()).isEqualTo(200);
        assertThat(tagCounts(alice)).containsExactly("Open Project=1");
        assertThat(tagCounts(bob)).containsExactly("Open Project=1");
        assertThat(onTag("images-delete-tag.json", admin, "open project").getStatusCode()).isEqualTo(204);
        assertThat(tagCounts(alice)).isEmpty();
        assertThat(tagCounts(bob)).isEmpty();
    }

    @Test
    void tags_confusableNames_fullwidthAndCaseAreTheSameTag_mixedScriptsAre400NamingTheCharacter() {
        assertThat(createTag(alice, "photo").getStatusCode()).isEqualTo(201);

        assertThat(createTag(alice, "\uff50\uff48\uff4f\uff54\uff4f").getStatusCode()).as("fullwidth ｐｈｏｔｏ").isEqualTo(409);
        assertThat(createTag(alice, "PHOTO").getStatusCode()).isEqualTo(409);
        APIGatewayV2HTTPResponse cyrillic = createTag(alice, "ph\u043eto");
        assertThat(cyrillic.getStatusCode()).isEqualTo(400);
        assertThat(Events.body(cyrillic).get("detail").asText())
                .contains("tag 'ph\u043eto' mixes scripts: '\u043e' (U+043E CYRILLIC SMALL LETTER O) among Latin letters");
        assertThat(createTag(alice, "Stra\u00dfe").getStatusCode()).isEqualTo(201);
        assertThat(createTag(alice, "STRASSE").getStatusCode()).as("case folding: ß is ss").isEqualTo(409);
        assertThat(createTag(alice, "\u5199\u771f \u3057\u3083\u3057\u3093 photos").getStatusCode())
                .as("Han, Hiragana and Latin are written together").isEqualTo(201);
        assertThat(createTag(alice, "\u0444\u043e\u0442\u043e").getStatusCode()).as("all Cyrillic").isEqualTo(201);
        assertThat(onTag("images-get-tag.json", alice, "\uff30\uff28\uff2f\uff34\uff2f").getStatusCode()).isEqualTo(200);
        assertThat(ids(list(alice, Map.of("tag", "\uff50\uff48\uff4f\uff54\uff4f")))).isEmpty();
    }

    @Test
    void delete_removesTheObjectTheRecordAndEveryLink() {
        createTag(alice, "a");
        List<String> ids = uploadEach(alice, "a", "a");
        assertThat(onImage("images-delete.json", alice, ids.get(0)).getStatusCode()).isEqualTo(204);
        assertThat(onImage("images-get.json", alice, ids.get(0)).getStatusCode()).isEqualTo(404);
        assertThat(onImage("images-delete.json", alice, ids.get(0)).getStatusCode()).isEqualTo(404);
        assertThat(objectKeys()).containsExactly("images/" + ids.get(1));
        assertThat(ids(list(alice, Map.of("tag", "a")))).containsExactly(ids.get(1));
        assertThat(Events.body(onTag("images-get-tag.json", alice, "a")).get("image_count").asLong()).isEqualTo(1);
    }
}
