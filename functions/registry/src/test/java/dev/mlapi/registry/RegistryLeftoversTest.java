package dev.mlapi.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.Manifest.FileEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * What crashes and abandoned uploads leave in the bucket: the registry reads past it, reports each
 * stray key once, and its clean-up removes partial writes, orphaned files and expired uploads, and
 * nothing else (claims, other top-level prefixes, foreign keys stay).
 */
class RegistryLeftoversTest {

    static TestStack stack;
    static S3Client s3;
    static S3Presigner presigner;
    static String bucket;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        RegistrySettings settings = RegistrySettings.from(stack.config());
        s3 = S3Clients.s3(settings);
        presigner = S3Clients.presigner(settings);
        bucket = settings.bucket();
    }

    @AfterAll
    static void stop() {
        presigner.close();
        s3.close();
        stack.close();
    }

    static S3ModelRegistry registry(Clock clock) {
        return new S3ModelRegistry(s3, presigner, bucket, clock, Duration.ofHours(1));
    }

    static void put(String key, String content) {
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(content));
    }

    static List<String> keysUnder(String prefix) {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }

    static ModelRegistration tabular(String name) {
        return ModelRegistration.builder().setName(name).setKind(ModelKind.TABULAR).setModelFile("model.onnx")
                .setCreatedBy("alice").optFeatureNames(List.of("a", "b", "c", "d")).build();
    }

    static String uuid() {
        return "-" + UUID.randomUUID();
    }

    @Test
    void reads_whenPartialWritesSitBesideTheKeys_ignoreThemAndReportEachOnce() {
        S3ModelRegistry registry = registry(Clock.systemUTC());
        Manifest first = registry.register(tabular("phantom"), List.of(new ModelFile("model.onnx",
                TestModels.tabular(4, 2))));
        registry.setAlias("phantom", "production", 1, "alice");
        String partialManifest = "models/phantom/manifests/0000000002.json" + uuid();
        put(partialManifest, "{\"format\":1,\"name\":\"phantom\",\"version\":2");
        put("models/phantom/aliases/staging.json" + uuid(), "{\"format\":1,\"model\":\"phantom\",\"alias\":\"staging\","
                + "\"version\":1}");
        put("models/phantom/claims/0000000009" + uuid(), "");

        for (int i = 0; i < 3; i++) {
            assertThat(registry.resolve(ModelRef.parse("model", "phantom")).version()).isEqualTo(1);
            assertThat(registry.aliases("phantom")).extracting(ModelAlias::alias).containsExactly("production");
            assertThat(registry.listModels(100, Optional.empty()).items())
                    .filteredOn(m -> m.name().equals("phantom")).singleElement()
                    .satisfies(m -> assertThat(m.latestVersion()).isEqualTo(1));
        }
        assertThat(registry.register(tabular("phantom"), List.of(new ModelFile("model.onnx",
                TestModels.tabular(4, 3)))).version()).as("the claim's partial write takes no number").isEqualTo(2);
        assertThat(registry.strayKeys()).contains(partialManifest);
        assertThat(first.version()).isEqualTo(1);
    }

    @Test
    void cleanUp_removesPartialWritesOrphanedFilesAndExpiredUploads_andKeepsEverythingElse() {
        S3ModelRegistry registry = registry(Clock.systemUTC());
        byte[] model = TestModels.tabular(4, 2);
        // seen from two hours later, the first upload expired and the second is live
        S3ModelRegistry later = registry(Clock.offset(Clock.systemUTC(), Duration.ofHours(2)));
        registry.register(tabular("tidy"), List.of(new ModelFile("model.onnx", model)));
        PendingUpload live = later.reserve(tabular("tidy"), List.of(new ModelFile("model.onnx", model).entry()));
        PendingUpload stale = registry.reserve(tabular("tidy"), List.of(new ModelFile("model.onnx", model).entry()));
        put(RegistryKeys.fileKey("tidy", live.version(), "model.onnx"), "uploaded, waiting for its commit");
        put(RegistryKeys.fileKey("tidy", stale.version(), "model.onnx"), "uploaded, never committed");
        // a direct registration killed after its claim and first file, before its manifest
        put("models/tidy/claims/0000000009", "{}");
        put("models/tidy/files/0000000009/model.onnx", "orphan");
        // partial writes of the local store, in every folder
        String u = uuid();
        List<String> partial = List.of("models/tidy/manifests/0000000001.json" + u, "models/tidy/claims/0000000010" + u,
                "models/tidy/pending/0000000002.json" + u, "models/tidy/aliases/production.json" + u,
                "models/tidy/files/0000000001/model.onnx" + u);
        partial.forEach(k -> put(k, "{\"format\":1"));
        List<String> foreign = List.of("models/tidy/README", "models/tidy/notes/0000000001.json",
                "images/0000000001.png" + u, "images/cat.png");
        foreign.forEach(k -> put(k, "not the registry's"));

        S3ModelRegistry.CleanUp report = later.cleanUp(Duration.ZERO);

        List<String> left = keysUnder("models/tidy/");
        assertThat(left).doesNotContainAnyElementsOf(partial)
                .doesNotContain("models/tidy/files/0000000009/model.onnx",
                        RegistryKeys.pendingKey("tidy", stale.version()),
                        RegistryKeys.fileKey("tidy", stale.version(), "model.onnx"))
                .contains("models/tidy/claims/0000000001", "models/tidy/claims/0000000009",
                        RegistryKeys.claimKey("tidy", stale.version()), "models/tidy/manifests/0000000001.json",
                        "models/tidy/files/0000000001/model.onnx", "models/tidy/README",
                        "models/tidy/notes/0000000001.json", RegistryKeys.pendingKey("tidy", live.version()),
                        RegistryKeys.fileKey("tidy", live.version(), "model.onnx"));
        assertThat(keysUnder("images/")).containsExactlyInAnyOrder("images/0000000001.png" + u, "images/cat.png");
        assertThat(report.removedKeys()).as("other tests leave some too").isGreaterThanOrEqualTo(partial.size() + 1);
        assertThat(report.discardedUploads()).isGreaterThanOrEqualTo(1);
        assertThat(registry.resolve(ModelRef.parse("model", "tidy")).version()).isEqualTo(1);
        assertThat(registry.readFile(registry.resolve(ModelRef.parse("model", "tidy:1")), "model.onnx"))
                .isEqualTo(model);
    }

    @Test
    void cleanUp_whenKeysAreYoungerThanTheGrace_leavesWritesInFlightAlone() {
        S3ModelRegistry registry = registry(Clock.systemUTC());
        put("models/inflight/claims/0000000001", "{}");
        put("models/inflight/files/0000000001/model.onnx", "being written");
        put("models/inflight/manifests/0000000001.json" + uuid(), "{");

        registry.cleanUp(Duration.ofMinutes(10));

        assertThat(keysUnder("models/inflight/")).hasSize(3);
    }

    @Test
    void pendingVersions_whenAnUploadExpired_discardsItInsteadOfListingIt() {
        S3ModelRegistry registry = registry(Clock.systemUTC());
        byte[] model = TestModels.tabular(4, 2);
        FileEntry entry = new ModelFile("model.onnx", model).entry();
        PendingUpload upload = registry.reserve(tabular("lapsed"), List.of(entry));
        assertThat(registry.pendingVersions("lapsed")).hasSize(1);

        S3ModelRegistry later = registry(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(61)));

        assertThat(later.pendingVersions("lapsed")).isEmpty();
        assertThat(keysUnder("models/lapsed/")).containsExactly(RegistryKeys.claimKey("lapsed", upload.version()),
                RegistryKeys.ownerKey("lapsed"));
    }
}
