package dev.mlapi.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.page.Page;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.Manifest.TensorSpec;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The S3 registry against S3Proxy: allocation, uploads, commit, aliases, deletion, failures. */
class S3ModelRegistryTest {

    static TestStack stack;
    static S3ModelRegistry registry;
    static S3Client s3;
    static S3Presigner presigner;
    static String bucket;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        RegistrySettings settings = RegistrySettings.from(stack.config());
        s3 = S3Clients.s3(settings);
        presigner = S3Clients.presigner(settings);
        registry = S3ModelRegistry.create(settings, s3, presigner, Clock.systemUTC());
        bucket = settings.bucket();
    }

    @AfterAll
    static void stop() {
        presigner.close();
        s3.close();
        stack.close();
    }

    static ModelRegistration.Builder tabular(String name) {
        return ModelRegistration.builder().setName(name).setKind(ModelKind.TABULAR).setModelFile("model.onnx")
                .setCreatedBy("alice").optFeatureNames(List.of("a", "b", "c", "d")).optLabels(List.of("x", "y"));
    }

    static ModelFile onnx(int features) {
        return new ModelFile("model.onnx", TestModels.tabular(features, 2));
    }

    static List<String> keysUnder(String prefix) {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }

    @Test
    void putObject_whenIfNoneMatchAndKeyExists_s3ProxyAnswers412() {
        // Unconditional, so an SDK retry of this set-up write cannot trip over its own first attempt.
        s3.putObject(r -> r.bucket(bucket).key("probe/once"), RequestBody.fromString("first"));
        assertThatThrownBy(() -> s3.putObject(r -> r.bucket(bucket).key("probe/once").ifNoneMatch("*"),
                RequestBody.fromString("second")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
        assertThat(s3.getObjectAsBytes(r -> r.bucket(bucket).key("probe/once")).asUtf8String()).isEqualTo("first");
    }

    @Test
    void register_whenTenConcurrentUploadsToOneName_allocatesTenDistinctIntactVersions() throws Exception {
        int uploads = 10;
        ExecutorService pool = Executors.newFixedThreadPool(uploads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Manifest>> futures = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < uploads; i++) {
            byte[] model = TestModels.tabular(4, 2 + i);
            payloads.add(model);
            Callable<Manifest> task = () -> {
                start.await();
                return registry.register(tabular("concurrent").optDescription("upload " + payloads.indexOf(model))
                        .build(), List.of(new ModelFile("model.onnx", model)));
            };
            futures.add(pool.submit(task));
        }
        start.countDown();
        List<Manifest> manifests = new ArrayList<>();
        for (Future<Manifest> f : futures) {
            manifests.add(f.get());
        }
        pool.shutdown();

        assertThat(manifests).extracting(Manifest::version).doesNotHaveDuplicates()
                .containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        for (Manifest m : manifests) {
            int upload = Integer.parseInt(m.description().substring("upload ".length()));
            String expected = ModelFile.sha256Hex(payloads.get(upload));
            Manifest stored = registry.resolve(ModelRef.parse("model", "concurrent:" + m.version()));
            assertThat(stored.description()).isEqualTo(m.description());
            assertThat(stored.modelFileEntry().sha256()).isEqualTo(expected);
            byte[] raw = s3.getObjectAsBytes(r -> r.bucket(bucket)
                    .key(RegistryKeys.fileKey("concurrent", m.version(), "model.onnx"))).asByteArray();
            assertThat(ModelFile.sha256Hex(raw)).isEqualTo(expected);
            assertThat(registry.readFile(stored, "model.onnx")).isEqualTo(payloads.get(upload));
        }
        assertThat(registry.resolve(ModelRef.parse("model", "concurrent")).version()).isEqualTo(10);
    }

    @Test
    void register_whenNoSignatureGiven_readsItFromTheOnnxGraph() {
        Manifest m = registry.register(tabular("signature").build(), List.of(onnx(4)));
        assertThat(m.inputs()).containsExactly(new TensorSpec("input", "float32", List.of(-1L, 4L)));
        assertThat(m.outputs()).containsExactly(new TensorSpec("probabilities", "float32", List.of(-1L, 2L)));
        assertThat(m.preprocessing()).isEmpty();
        assertThat(m.files()).containsExactly(onnx(4).entry());
    }

    @Test
    void register_whenModelFileIsNotOnnxAndNoSignature_400BeforeTakingAVersion() {
        assertThatThrownBy(() -> registry.register(tabular("garbage").build(),
                List.of(new ModelFile("model.onnx", "not a model".getBytes(StandardCharsets.UTF_8)))))
                .isInstanceOfSatisfying(InvalidInput.class,
                        e -> assertThat(e.errors()).extracting(ApiException.FieldError::field).contains("model_file"));
        assertThat(keysUnder("models/garbage/")).isEmpty();
    }

    @Test
    void register_whenImageClassifierHasSynsetArtifact_readsLabelsFromIt() {
        byte[] synset = "n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\nn01484850 great white shark\n"
                .getBytes(StandardCharsets.UTF_8);
        ModelRegistration registration = ModelRegistration.builder().setName("tiny-vision")
                .setKind(ModelKind.IMAGE_CLASSIFIER).setModelFile("net.onnx").setCreatedBy("alice").build();
        Manifest m = registry.register(registration, List.of(new ModelFile("net.onnx", TestModels.tabular(3, 3)),
                new ModelFile("synset.txt", synset)));
        assertThat(m.labels()).containsExactly("tench", "goldfish", "great white shark");
        assertThat(m.preprocessing()).contains(Manifest.ImagePreprocessing.imagenetTorch());
        assertThat(registry.resolve(ModelRef.parse("model", "tiny-vision")).labels()).isEqualTo(m.labels());
    }

    private static ModelRegistration imageClassifier(String name) {
        return ModelRegistration.builder().setName(name).setKind(ModelKind.IMAGE_CLASSIFIER).setModelFile("net.onnx")
                .setCreatedBy("alice").build();
    }

    @Test
    void register_whenTheOnlyTextArtifactHasALinePerClass_readsLabelsFromIt_whateverItsName() {
        byte[] synset = "n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\nn01484850 great white shark\n"
                .getBytes(StandardCharsets.UTF_8);

        Manifest m = registry.register(imageClassifier("any-labels"), List.of(
                new ModelFile("net.onnx", TestModels.tabular(3, 3)), new ModelFile("imagenet-synset.txt", synset)));

        assertThat(m.labels()).containsExactly("tench", "goldfish", "great white shark");
    }

    @Test
    void register_whenSeveralTextArtifacts_takesTheOneWithALinePerClass() {
        Manifest m = registry.register(imageClassifier("notes-and-labels"), List.of(
                new ModelFile("net.onnx", TestModels.tabular(3, 3)),
                new ModelFile("NOTES.txt", "trained on fish\nby alice\n".getBytes(StandardCharsets.UTF_8)),
                new ModelFile("classes.txt", "tench\ngoldfish\nshark\n".getBytes(StandardCharsets.UTF_8))));

        assertThat(m.labels()).containsExactly("tench", "goldfish", "shark");
    }

    @Test
    void register_whenTheLabelsFileHasAnotherLineCountThanTheOutput_400SayingBoth_andNothingStored() {
        byte[] fourLines = "tench\ngoldfish\nshark\nwig\n".getBytes(StandardCharsets.UTF_8);
        for (ModelRegistration registration : List.of(imageClassifier("miscounted"),
                ModelRegistration.builder().setName("miscounted").setKind(ModelKind.IMAGE_CLASSIFIER)
                        .setModelFile("net.onnx").setCreatedBy("alice").optLabelsFile("labels.text").build())) {
            String file = registration.labelsFile().orElse("fish.txt");
            assertThatThrownBy(() -> registry.register(registration, List.of(
                    new ModelFile("net.onnx", TestModels.tabular(3, 3)), new ModelFile(file, fourLines))))
                    .isInstanceOfSatisfying(InvalidInput.class, e -> {
                        assertThat(e.errors()).extracting(ApiException.FieldError::field).containsExactly("labels_file");
                        assertThat(e.detail()).contains("'" + file + "' has 4 lines", "'probabilities' has 3 classes");
                    });
        }
        assertThat(keysUnder("models/miscounted/")).isEmpty();
    }

    @Test
    void register_whenAWriteFailsMidway_leavesNothingResolvable() {
        S3ModelRegistry faulty = new S3ModelRegistry(new FaultInjectingS3Client(s3, k -> k.endsWith("/second.bin")),
                presigner, bucket, Clock.systemUTC(), Duration.ofHours(1));
        List<ModelFile> files = List.of(onnx(4), new ModelFile("first.bin", new byte[] {1}),
                new ModelFile("second.bin", new byte[] {2}));

        assertThatThrownBy(() -> faulty.register(tabular("half-written").build(), files))
                .isInstanceOf(ServiceUnavailable.class);

        assertThat(registry.find(ModelRef.parse("model", "half-written"))).isEmpty();
        assertThat(registry.find(ModelRef.parse("model", "half-written:1"))).isEmpty();
        assertThat(keysUnder("models/half-written/")).as("the claim of the number and the name's owner stay")
                .containsExactly("models/half-written/claims/0000000001", "models/half-written/owner.json");
        assertThat(registry.register(tabular("half-written").build(), files).version()).isEqualTo(2);
    }

    @Test
    void register_whenNamesAreNotPathSafe_400() {
        for (String name : List.of("../etc", "a/b", "..", "Upper", "-dash", "a..b", "")) {
            assertThatThrownBy(() -> tabular(name).build()).as(name).isInstanceOf(InvalidInput.class);
        }
        for (String file : List.of("../model.onnx", "dir/model.onnx", ".hidden", "a..b", "back\\slash")) {
            assertThatThrownBy(() -> new ModelFile(file, new byte[1])).as(file).isInstanceOf(InvalidInput.class);
            assertThatThrownBy(() -> tabular("ok").setModelFile(file).build()).as(file)
                    .isInstanceOf(InvalidInput.class);
        }
        assertThatThrownBy(() -> registry.resolve(new ModelRef("ok", java.util.OptionalInt.empty(),
                Optional.of("../x")))).isInstanceOf(InvalidInput.class);
    }

    @Test
    void register_whenModelFileMissingOrNamedTwice_400() {
        assertThatThrownBy(() -> registry.register(tabular("files").build(),
                List.of(new ModelFile("other.onnx", TestModels.tabular(4, 2)))))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("model_file");
        assertThatThrownBy(() -> registry.register(tabular("files").build(), List.of(onnx(4), onnx(4))))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("twice");
    }

    @Test
    void resolve_whenUnknown_notFoundNamingTheReference() {
        registry.register(tabular("known").build(), List.of(onnx(4)));
        assertThatThrownBy(() -> registry.resolve(ModelRef.parse("model", "unknown")))
                .isInstanceOf(NotFound.class).hasMessageContaining("'unknown'");
        assertThatThrownBy(() -> registry.resolve(ModelRef.parse("model", "known:7")))
                .isInstanceOf(NotFound.class).hasMessageContaining("'known:7'");
        assertThatThrownBy(() -> registry.resolve(ModelRef.parse("model", "known@production")))
                .isInstanceOf(NotFound.class).hasMessageContaining("'known@production'");
    }

    @Test
    void reserve_thenPresignedPutsAndCommit_makesTheVersionResolvable() throws Exception {
        byte[] model = TestModels.tabular(4, 3);
        byte[] labels = "setosa\nversicolor\nvirginica\n".getBytes(StandardCharsets.UTF_8);
        ModelRegistration registration = tabular("uploaded").optLabels(List.of()).optLabelsFile("classes.txt").build();
        PendingUpload pending = registry.reserve(registration,
                List.of(entry("model.onnx", model), entry("classes.txt", labels)));

        assertThat(pending.version()).isEqualTo(1);
        assertThat(registry.find(ModelRef.parse("model", "uploaded"))).isEmpty();
        assertThat(registry.find(ModelRef.parse("model", "uploaded:1"))).isEmpty();
        assertThat(registry.pendingVersions("uploaded")).extracting(PendingVersion::version).containsExactly(1);

        assertThat(upload(pending, "model.onnx", model)).isEqualTo(200);
        assertThat(upload(pending, "classes.txt", labels)).isEqualTo(200);
        Manifest committed = registry.commit("uploaded", 1);

        assertThat(committed.labels()).containsExactly("setosa", "versicolor", "virginica");
        assertThat(committed.inputs()).extracting(TensorSpec::name).containsExactly("input");
        assertThat(registry.resolve(ModelRef.parse("model", "uploaded"))).isEqualTo(committed);
        assertThat(registry.readFile(committed, "model.onnx")).isEqualTo(model);
        assertThat(registry.pendingVersions("uploaded")).isEmpty();
        assertThat(registry.commit("uploaded", 1)).as("commit is idempotent").isEqualTo(committed);
    }

    @Test
    void presignedPut_whenBytesDifferFromTheDeclaredSha256_isRefusedByStorage() throws Exception {
        byte[] model = TestModels.tabular(4, 2);
        PendingUpload pending = registry.reserve(tabular("tampered").build(), List.of(entry("model.onnx", model)));
        byte[] other = TestModels.tabular(5, 2);

        assertThat(upload(pending, "model.onnx", other)).isBetween(400, 499);
        assertThat(keysUnder("models/tampered/files/")).isEmpty();
    }

    @Test
    void commit_whenDeclaredSha256IsWrong_400AndNothingResolvable() throws Exception {
        byte[] model = TestModels.tabular(4, 2);
        FileEntry wrong = new FileEntry("model.onnx", model.length, ModelFile.sha256Hex(new byte[] {42}));
        PendingUpload pending = registry.reserve(tabular("wrong-sha").build(), List.of(wrong));
        upload(pending, "model.onnx", model); // refused by storage: the signed checksum does not match
        // A store that does not check checksums would have kept the bytes; commit must catch that too.
        s3.putObject(r -> r.bucket(bucket).key(RegistryKeys.fileKey("wrong-sha", 1, "model.onnx")),
                RequestBody.fromBytes(model));

        assertThatThrownBy(() -> registry.commit("wrong-sha", 1))
                .isInstanceOfSatisfying(InvalidInput.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.errors()).singleElement().satisfies(f -> {
                        assertThat(f.field()).isEqualTo("files[0]");
                        assertThat(f.message()).contains("sha256");
                    });
                });
        assertThat(registry.find(ModelRef.parse("model", "wrong-sha"))).isEmpty();
        assertThat(registry.find(ModelRef.parse("model", "wrong-sha:1"))).isEmpty();
        assertThat(keysUnder("models/wrong-sha/files/")).as("the bad bytes are removed").isEmpty();
        assertThat(keysUnder("models/wrong-sha/manifests/")).isEmpty();
    }

    @Test
    void commit_whenAFileIsMissing_400AndTheVersionStaysPendingUntilUploaded() throws Exception {
        byte[] model = TestModels.tabular(4, 2);
        byte[] extra = {1, 2, 3};
        PendingUpload pending = registry.reserve(tabular("partial").build(),
                List.of(entry("model.onnx", model), entry("extra.bin", extra)));
        upload(pending, "model.onnx", model);

        assertThatThrownBy(() -> registry.commit("partial", 1)).isInstanceOf(InvalidInput.class)
                .hasMessageContaining("1 of 2 files");
        assertThat(registry.find(ModelRef.parse("model", "partial:1"))).isEmpty();

        upload(pending, "extra.bin", extra);
        assertThat(registry.commit("partial", 1).files()).hasSize(2);
    }

    @Test
    void commit_whenTheUploadExpired_409AndDiscarded() throws Exception {
        byte[] model = TestModels.tabular(4, 2);
        PendingUpload pending = registry.reserve(tabular("late").build(), List.of(entry("model.onnx", model)));
        upload(pending, "model.onnx", model);
        S3ModelRegistry later = new S3ModelRegistry(s3, presigner, bucket,
                Clock.offset(Clock.systemUTC(), Duration.ofHours(2)), Duration.ofHours(1));

        assertThatThrownBy(() -> later.commit("late", 1)).isInstanceOf(Conflict.class).hasMessageContaining("expired");
        assertThat(keysUnder("models/late/")).as("the claim of the number and the name's owner stay")
                .containsExactly("models/late/claims/0000000001", "models/late/owner.json");
        assertThatThrownBy(() -> registry.commit("late", 1)).isInstanceOf(NotFound.class);
    }

    @Test
    void commit_whenNeverReserved_404() {
        assertThatThrownBy(() -> registry.commit("never", 3)).isInstanceOf(NotFound.class);
    }

    @Test
    void setAlias_whenMovedForwardAndBack_resolvesToWhereItPoints() {
        Manifest v1 = registry.register(tabular("deployed").build(), List.of(onnx(4)));
        Manifest v2 = registry.register(tabular("deployed").build(), List.of(onnx(5)));

        ModelAlias first = registry.setAlias("deployed", "production", 1, "admin");
        assertThat(first.previousVersion()).isEmpty();
        assertThat(registry.resolve(ModelRef.parse("model", "deployed@production"))).isEqualTo(v1);

        ModelAlias moved = registry.setAlias("deployed", "production", 2, "admin");
        assertThat(moved.previousVersion()).hasValue(1);
        assertThat(registry.resolve(ModelRef.parse("model", "deployed@production"))).isEqualTo(v2);

        registry.setAlias("deployed", "production", 1, "admin"); // roll back
        assertThat(registry.resolve(ModelRef.parse("model", "deployed@production"))).isEqualTo(v1);
        assertThat(registry.resolve(ModelRef.parse("model", "deployed"))).as("latest is unaffected").isEqualTo(v2);
        assertThat(registry.aliases("deployed")).singleElement()
                .satisfies(a -> assertThat(a.previousVersion()).hasValue(2));

        assertThatThrownBy(() -> registry.setAlias("deployed", "production", 9, "admin"))
                .isInstanceOf(NotFound.class);
    }

    @Test
    void deleteVersion_whenAliased_409_andOnceMoved_removesEveryArtifactForGood() {
        registry.register(tabular("retired").build(), List.of(onnx(4), new ModelFile("notes.txt", new byte[] {7})));
        registry.register(tabular("retired").build(), List.of(onnx(5)));
        registry.setAlias("retired", "production", 1, "admin");

        assertThatThrownBy(() -> registry.deleteVersion("retired", 1)).isInstanceOf(Conflict.class)
                .hasMessageContaining("production");
        assertThat(registry.find(ModelRef.parse("model", "retired:1"))).isPresent();

        registry.setAlias("retired", "production", 2, "admin");
        registry.deleteVersion("retired", 1);

        assertThat(registry.find(ModelRef.parse("model", "retired:1"))).isEmpty();
        assertThat(keysUnder("models/retired/files/0000000001/")).isEmpty();
        assertThat(keysUnder("models/retired/manifests/")).containsExactly("models/retired/manifests/0000000002.json");
        assertThatThrownBy(() -> registry.deleteVersion("retired", 1)).isInstanceOf(NotFound.class);
        assertThat(registry.register(tabular("retired").build(), List.of(onnx(4))).version())
                .as("a deleted number is never given out again").isEqualTo(3);
    }

    @Test
    void deleteVersion_whenPending_abandonsTheUpload() throws Exception {
        byte[] model = TestModels.tabular(4, 2);
        PendingUpload pending = registry.reserve(tabular("abandoned").build(), List.of(entry("model.onnx", model)));
        upload(pending, "model.onnx", model);

        registry.deleteVersion("abandoned", 1);

        assertThat(keysUnder("models/abandoned/")).as("the claim of the number and the name's owner stay")
                .containsExactly("models/abandoned/claims/0000000001", "models/abandoned/owner.json");
        assertThatThrownBy(() -> registry.commit("abandoned", 1)).isInstanceOf(NotFound.class);
    }

    @Test
    void readFile_whenTheStoredCopyWasAltered_refusesIt() {
        Manifest m = registry.register(tabular("corrupted").build(), List.of(onnx(4)));
        s3.putObject(r -> r.bucket(bucket).key(RegistryKeys.fileKey("corrupted", 1, "model.onnx")),
                RequestBody.fromBytes(TestModels.tabular(6, 2)));

        assertThatThrownBy(() -> registry.readFile(m, "model.onnx")).isInstanceOf(ServiceUnavailable.class)
                .hasMessageContaining("sha256");
        assertThatThrownBy(() -> registry.readFile(m, "absent.txt")).isInstanceOf(NotFound.class);
    }

    @Test
    void listModels_pagesThroughEveryModelWithACommittedVersionOnce() throws Exception {
        for (String name : List.of("page-a", "page-b", "page-c", "page-d", "page-e")) {
            registry.register(tabular(name).build(), List.of(onnx(4)));
        }
        registry.reserve(tabular("page-pending").build(), List.of(onnx(4).entry()));
        registry.setAlias("page-c", "production", 1, "admin");

        Set<String> seen = new HashSet<>();
        Map<String, Integer> productionOfC = Map.of();
        Optional<String> cursor = Optional.empty();
        int pages = 0;
        do {
            Page<ModelSummary> page = registry.listModels(2, cursor);
            for (ModelSummary s : page.items()) {
                assertThat(seen.add(s.name())).as("seen once: " + s.name()).isTrue();
                if (s.name().equals("page-c")) {
                    productionOfC = s.aliases();
                }
            }
            cursor = page.nextCursor();
            pages++;
        } while (cursor.isPresent());

        assertThat(seen).contains("page-a", "page-b", "page-c", "page-d", "page-e").doesNotContain("page-pending");
        assertThat(productionOfC).containsEntry("production", 1);
        assertThat(pages).isGreaterThan(2);
        assertThatThrownBy(() -> registry.listModels(2, Optional.of("!!"))).isInstanceOf(InvalidInput.class);
    }

    @Test
    void versions_pagesNewestFirst() {
        for (int i = 0; i < 3; i++) {
            registry.register(tabular("history").build(), List.of(onnx(4)));
        }
        Page<Manifest> first = registry.versions("history", 2, Optional.empty());
        assertThat(first.items()).extracting(Manifest::version).containsExactly(3, 2);
        Page<Manifest> second = registry.versions("history", 2, first.nextCursor());
        assertThat(second.items()).extracting(Manifest::version).containsExactly(1);
        assertThat(second.nextCursor()).isEmpty();
        assertThatThrownBy(() -> registry.versions("nothing-here", 2, Optional.empty())).isInstanceOf(NotFound.class);
    }

    @Test
    void downloadUrls_whenFetched_serveTheStoredBytes() throws Exception {
        Manifest m = registry.register(tabular("downloadable").build(), List.of(onnx(4)));
        List<DownloadUrl> urls = registry.downloadUrls(m, Duration.ofMinutes(5));

        assertThat(urls).singleElement().satisfies(u -> assertThat(u.file()).isEqualTo("model.onnx"));
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(urls.get(0).url()).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(onnx(4).data());
    }

    static FileEntry entry(String name, byte[] data) {
        return new ModelFile(name, data).entry();
    }

    /** PUTs {@code data} to the presigned URL of {@code file} with the signed headers, as a client would. */
    static int upload(PendingUpload pending, String file, byte[] data) throws IOException, InterruptedException {
        PendingUpload.UploadUrl target = pending.uploads().stream().filter(u -> u.file().equals(file)).findFirst()
                .orElseThrow();
        HttpRequest.Builder request = HttpRequest.newBuilder(target.url())
                .method(target.method(), HttpRequest.BodyPublishers.ofByteArray(data));
        target.headers().forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void claimOwner_whenUsersRaceForANewName_exactlyOneOwnsIt_andEveryoneIsToldTheSameOwner() throws Exception {
        int callers = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                String user = "user-" + i;
                answers.add(pool.submit(() -> {
                    start.await();
                    return registry.claimOwner("raced-name", user);
                }));
            }
            start.countDown();
            Set<String> owners = new HashSet<>();
            for (Future<String> answer : answers) {
                owners.add(answer.get());
            }

            assertThat(owners).hasSize(1);
            assertThat(registry.owner("raced-name")).contains(owners.iterator().next());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void register_claimsAFreeNameForItsCreator_andAnotherCreatorsVersionDoesNotTakeIt() {
        assertThat(registry.owner("owned-by-alice")).isEmpty();
        registry.register(tabular("owned-by-alice").build(), List.of(onnx(4)));
        registry.register(tabular("owned-by-alice").setCreatedBy("an-admin").build(), List.of(onnx(4)));

        assertThat(registry.owner("owned-by-alice")).contains("alice");
        assertThat(registry.claimOwner("owned-by-alice", "bob")).isEqualTo("alice");
        assertThat(keysUnder("models/owned-by-alice/owner.json")).hasSize(1);
    }

    @Test
    void owner_ofANameFromBeforeOwnerRecords_isTheCreatorOfItsOldestVersion_andAClaimRecordsHim() {
        registry.register(tabular("legacy-name").setCreatedBy("carol").build(), List.of(onnx(4)));
        s3.deleteObject(r -> r.bucket(bucket).key("models/legacy-name/owner.json"));
        registry.register(tabular("legacy-name").setCreatedBy("dave").build(), List.of(onnx(4)));

        assertThat(registry.owner("legacy-name")).contains("carol");
        assertThat(registry.claimOwner("legacy-name", "erin")).isEqualTo("carol");
    }
}
