package dev.mlapi.classify;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.users.User;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.imagestore.NewImage;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.awt.Color;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /images/{id}/classify} through classify's handler: a stored image of the library,
 * classified by the build's tiny colour model, gets its suggestions stored, and with
 * {@code apply=true} its tags; another user's image is a 404.
 */
class ImageTagSuggestionsTest {

    static TestStack stack;
    static ClassifyService service;
    static ClassifyImageHandler handler;
    static ImageLibrary library;
    static User dave;
    static String daveToken;
    static String erinToken;

    @BeforeAll
    static void start() {
        stack = TestStack.start(Map.of(Config.Env.DEFAULT_IMAGE_MODEL, "tiny@production"));
        S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
        var tiny = TestModels.register(registry, TestModels.tiny("tiny", 1), true);
        registry.setAlias("tiny", "production", tiny.version(), "tests");
        service = ClassifyService.create(ClassifySettings.from(stack.config().environment()), registry, Clock.systemUTC());
        handler = new ClassifyImageHandler(stack.wiring(), service);
        library = ImageLibrary.create(stack.wiring());
        var signedIn = stack.signedIn("dave", Role.USER);
        dave = signedIn.user();
        daveToken = signedIn.token();
        erinToken = stack.signedIn("erin", Role.USER).token();
    }

    @AfterAll
    static void stop() {
        service.close();
        stack.close();
    }

    static String storeBlueImage() {
        byte[] png = TestImages.png(Color.BLUE, 64, 48);
        Principal owner = new Principal(dave.id(), dave.username(), Role.USER, "jti", 0, Instant.now().plusSeconds(60));
        return library.upload(owner, List.of(new NewImage("blue.png", "image/png", png, 64, 48)), List.of()).get(0).id();
    }

    static APIGatewayV2HTTPResponse classify(String token, String id, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = withPath(withBearer(load("classify-image-tags.json"), token),
                "/images/" + id + "/classify", Map.of("id", id));
        event.setQueryStringParameters(new HashMap<>(query));
        return invoke(handler, event);
    }

    static List<String> texts(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(field == null ? node.asText() : node.get(field).asText()));
        return values;
    }

    @Test
    void classify_storesTheTopLabelsAsSuggestions_andApplyMakesThemTags() {
        String id = storeBlueImage();
        APIGatewayV2HTTPResponse suggested = classify(daveToken, id, Map.of("threshold", "0.5"));
        assertThat(suggested.getStatusCode()).as(suggested.getBody()).isEqualTo(200);
        JsonNode image = body(suggested);
        assertThat(texts(image.get("suggested_tags"), "name")).containsExactly("blue");
        assertThat(image.get("suggested_tags").get(0).get("probability").asDouble()).isGreaterThan(0.5);
        assertThat(image.get("tags")).isEmpty();

        Principal reader = new Principal(dave.id(), "dave", Role.USER, "jti", 0, Instant.now().plusSeconds(60));
        APIGatewayV2HTTPResponse applied = classify(daveToken, id, Map.of("threshold", "0.5", "apply", "true"));
        assertThat(applied.getStatusCode()).as(applied.getBody()).isEqualTo(200);
        assertThat(texts(body(applied).get("tags"), null)).containsExactly("blue");
        assertThat(library.tag(reader, "blue").imageCount()).isEqualTo(1);
        assertThat(library.get(reader, id).suggestedTags()).extracting("name").containsExactly("blue");
        // applying again links nothing twice
        classify(daveToken, id, Map.of("threshold", "0.5", "apply", "true"));
        assertThat(library.tag(reader, "blue").imageCount()).isEqualTo(1);
    }

    @Test
    void classify_ofAnotherUsersImage_is404_andBadParametersAre400() {
        String id = storeBlueImage();
        APIGatewayV2HTTPResponse foreign = classify(erinToken, id, Map.of());
        assertThat(foreign.getStatusCode()).isEqualTo(404);
        assertThat(body(foreign).has("suggested_tags")).isFalse();
        assertThat(classify(daveToken, id, Map.of("threshold", "2")).getStatusCode()).isEqualTo(400);
        assertThat(classify(daveToken, id, Map.of("apply", "maybe")).getStatusCode()).isEqualTo(400);
        assertThat(classify(daveToken, "nope", Map.of()).getStatusCode()).isEqualTo(400);
        assertThat(classify(daveToken, id, Map.of("model", "missing")).getStatusCode()).isEqualTo(404);
    }
}
