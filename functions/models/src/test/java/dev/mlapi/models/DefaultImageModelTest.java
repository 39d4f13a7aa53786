package dev.mlapi.models;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.models.DefaultImageModel.RemoteFile;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.Manifest.TensorSpec;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.S3ModelRegistry;
import dev.mlapi.registry.TestModels;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Seeding the default image model from the shared folder or a download, with its sha256 checked. */
class DefaultImageModelTest {

    static final byte[] TINY_MODEL = TestModels.onnx(
            List.of(new TensorSpec("input", "float32", List.of(-1L, 3L, 224L, 224L))),
            List.of(new TensorSpec("output", "float32", List.of(-1L, 1000L))), List.of());
    /** A line per class of the registration's 1000-class output, as a labels file must have. */
    static final byte[] TINY_SYNSET = ("n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\n"
            + java.util.stream.IntStream.range(2, 1000).mapToObj(i -> "class " + i + "\n")
                    .collect(java.util.stream.Collectors.joining())).getBytes(StandardCharsets.UTF_8);

    static TestStack stack;
    static HttpServer server;
    static final Map<String, byte[]> SERVED = new ConcurrentHashMap<>();
    static final Map<String, Integer> HITS = new ConcurrentHashMap<>();
    static S3Client s3;
    static S3Presigner presigner;
    S3ModelRegistry registry;
    final HttpClient http = DefaultImageModel.httpClient();

    @BeforeAll
    static void start() throws IOException {
        stack = TestStack.start();
        RegistrySettings settings = RegistrySettings.from(stack.config());
        s3 = S3Clients.s3(settings);
        presigner = S3Clients.presigner(settings);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            HITS.merge(path, 1, Integer::sum);
            if (path.startsWith("/moved/")) {
                exchange.getResponseHeaders().add("Location", "/files/" + path.substring("/moved/".length()));
                exchange.sendResponseHeaders(302, -1);
            } else if (SERVED.containsKey(path)) {
                byte[] data = SERVED.get(path);
                exchange.sendResponseHeaders(200, data.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(data);
                }
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        presigner.close();
        s3.close();
        stack.close();
    }

    /** Each test seeds into its own empty bucket. */
    @BeforeEach
    void freshBucket() {
        String bucket = "seed-" + UUID.randomUUID().toString().substring(0, 8);
        stack.createBucket(bucket);
        registry = new S3ModelRegistry(s3, presigner, bucket, Clock.systemUTC(), S3ModelRegistry.DEFAULT_UPLOAD_VALIDITY);
    }

    @AfterEach
    void forgetServedFiles() {
        SERVED.clear();
        HITS.clear();
    }

    static URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    static RemoteFile served(String fileName, byte[] data, String sha256) {
        SERVED.put("/files/" + fileName, data);
        return new RemoteFile(fileName, url("/moved/" + fileName), sha256);
    }

    @Test
    void ensureRegistered_whenSharedModelsArePresent_registersMobileNetAsProductionOnce() {
        Optional<Path> shared = TestModels.sharedModels();
        Assumptions.assumeTrue(shared.isPresent(), "skipped: ../shared/models is not on this machine");

        Optional<Manifest> seeded = DefaultImageModel.ensureRegistered(registry, shared, http);

        assertThat(seeded).isPresent();
        Manifest m = seeded.get();
        assertThat(m.ref()).isEqualTo("mobilenetv2:1");
        assertThat(m.modelFileEntry().sha256()).isEqualTo(DefaultImageModel.MODEL.sha256());
        assertThat(m.labels()).hasSize(1000).startsWith("tench", "goldfish");
        assertThat(m.inputs()).containsExactly(new TensorSpec("input", "float32", List.of(-1L, 3L, 224L, 224L)));
        assertThat(m.outputs()).containsExactly(new TensorSpec("output", "float32", List.of(-1L, 1000L)));
        assertThat(m.preprocessing()).contains(Manifest.ImagePreprocessing.imagenetTorch());
        assertThat(registry.resolve(ModelRef.parse("model", "mobilenetv2@production"))).isEqualTo(m);
        assertThat(registry.readFile(m, m.modelFile())).hasSize((int) m.modelFileEntry().size());

        assertThat(DefaultImageModel.ensureRegistered(registry, shared, http)).contains(m);
        assertThat(registry.versions("mobilenetv2", 10, Optional.empty()).items()).hasSize(1);
    }

    @Test
    void ensureRegistered_whenDownloadedFilesMatchTheirSha256_registersFollowingRedirects() {
        RemoteFile model = served("model.onnx", TINY_MODEL, ModelFile.sha256Hex(TINY_MODEL));
        RemoteFile labels = served("synset.txt", TINY_SYNSET, ModelFile.sha256Hex(TINY_SYNSET));

        Optional<Manifest> seeded = DefaultImageModel.ensureRegistered(registry, Optional.empty(), http, model, labels);

        assertThat(seeded).isPresent();
        assertThat(seeded.get().labels()).hasSize(1000).startsWith("tench", "goldfish").endsWith("class 999");
        assertThat(HITS).containsEntry("/moved/model.onnx", 1).containsEntry("/files/model.onnx", 1);
        assertThat(registry.resolve(ModelRef.parse("model", "mobilenetv2@production")).version()).isEqualTo(1);
    }

    @Test
    void ensureRegistered_whenDownloadServesWrongBytes_registersNothing() {
        RemoteFile model = served("model.onnx", TINY_MODEL, DefaultImageModel.MODEL.sha256());
        RemoteFile labels = served("synset.txt", TINY_SYNSET, DefaultImageModel.LABELS.sha256());

        Optional<Manifest> seeded = DefaultImageModel.ensureRegistered(registry, Optional.empty(), http, model, labels);

        assertThat(seeded).isEmpty();
        assertThat(HITS).containsKey("/files/model.onnx");
        assertThat(registry.find(ModelRef.parse("model", "mobilenetv2"))).isEmpty();
    }

    @Test
    void ensureRegistered_whenSharedFileIsWrongAndOffline_returnsEmpty() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RemoteFile offline = new RemoteFile("mobilenetv2-12-int8.onnx",
                URI.create("http://127.0.0.1:" + closedPort + "/model.onnx"), "0".repeat(64));
        Optional<Path> shared = TestModels.sharedModels();

        Optional<Manifest> seeded = DefaultImageModel.ensureRegistered(registry, shared, http, offline,
                DefaultImageModel.LABELS);

        assertThat(seeded).isEmpty();
        assertThat(registry.find(ModelRef.parse("model", "mobilenetv2"))).isEmpty();
    }
}
