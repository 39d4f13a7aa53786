package dev.mlapi.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.testkit.TestStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The registry's S3 clients, built from the settings, against the embedded S3 server. */
class S3ClientsTest {

    static TestStack stack;
    static RegistrySettings settings;
    static S3Client s3;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        settings = RegistrySettings.from(stack.config());
        s3 = S3Clients.s3(settings);
    }

    @AfterAll
    static void stop() {
        s3.close();
        stack.close();
    }

    @Test
    void from_config_takesRegionEndpointAndBucket() {
        assertThat(settings.region()).isEqualTo(stack.config().region());
        assertThat(settings.s3Endpoint().map(Object::toString))
                .isEqualTo(stack.config().environment().string("S3_ENDPOINT"));
        assertThat(settings.bucket()).isEqualTo(stack.config().environment().string("MODELS_BUCKET").orElseThrow());
    }

    @Test
    void s3_withLocalEndpoint_roundTripsAnObject() {
        s3.putObject(r -> r.bucket(settings.bucket()).key("a/b.txt"), RequestBody.fromString("hello"));
        assertThat(s3.getObjectAsBytes(r -> r.bucket(settings.bucket()).key("a/b.txt")).asString(StandardCharsets.UTF_8))
                .isEqualTo("hello");
    }

    @Test
    void presigner_withLocalEndpoint_signsPathStyleUrlsTheServerAccepts() throws Exception {
        s3.putObject(r -> r.bucket(settings.bucket()).key("signed.txt"), RequestBody.fromString("signed"));
        try (S3Presigner presigner = S3Clients.presigner(settings)) {
            URI url = presigner.presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(1))
                    .getObjectRequest(g -> g.bucket(settings.bucket()).key("signed.txt"))).url().toURI();
            assertThat(url.getHost()).isEqualTo(settings.s3Endpoint().orElseThrow().getHost());
            assertThat(url.getPath()).isEqualTo("/" + settings.bucket() + "/signed.txt");
            var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(), BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("signed");
        }
    }
}
