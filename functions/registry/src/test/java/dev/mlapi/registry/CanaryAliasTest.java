package dev.mlapi.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.AliasTarget.CanaryTarget;
import dev.mlapi.registry.ModelRoute.Served;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Aliases with a canary on the S3 registry (S3Proxy): the split, its checks, and conditional alias writes. */
class CanaryAliasTest {

    static TestStack stack;
    static S3ModelRegistry registry;
    static S3Client s3;
    static S3Presigner presigner;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        RegistrySettings settings = RegistrySettings.from(stack.config());
        s3 = S3Clients.s3(settings);
        presigner = S3Clients.presigner(settings);
        registry = S3ModelRegistry.create(settings, s3, presigner, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        presigner.close();
        s3.close();
        stack.close();
    }

    static Manifest tabular(String name) {
        return registry.register(S3ModelRegistryTest.tabular(name).build(), List.of(S3ModelRegistryTest.onnx(4)));
    }

    static Manifest image(String name) {
        byte[] synset = "n01440764 tench\nn01443537 goldfish\nn01484850 great white shark\n"
                .getBytes(StandardCharsets.UTF_8);
        return registry.register(ModelRegistration.builder().setName(name).setKind(ModelKind.IMAGE_CLASSIFIER)
                .setModelFile("net.onnx").setCreatedBy("alice").build(),
                List.of(new ModelFile("net.onnx", TestModels.tabular(3, 3)), new ModelFile("synset.txt", synset)));
    }

    static AliasTarget canary(int version, int canaryVersion, int weight) {
        return new AliasTarget(version, Optional.of(new CanaryTarget(canaryVersion, weight)));
    }

    static List<String> requestIds() {
        return IntStream.range(0, 1000).mapToObj(i -> "request-%04d".formatted(i)).toList();
    }

    @Test
    void route_whenTheAliasHasATenPercentCanary_sendsTheIdsInItsBucketsThere_theSameWayEveryTime() {
        Manifest v1 = tabular("split");
        Manifest v2 = tabular("split");
        ModelAlias alias = registry.setAlias("split", "production", canary(1, 2, 10), "admin");
        assertThat(alias.canary()).hasValueSatisfying(c -> {
            assertThat(c.version()).isEqualTo(2);
            assertThat(c.weight()).isEqualTo(10);
        });

        ModelRoute route = registry.route(ModelRef.parse("model", "split@production"));
        List<Served> served = requestIds().stream().map(route::choose).toList();
        long toCanary = served.stream().filter(s -> s.role() == Served.Role.CANARY).count();
        // The split is a pure function of the id (SHA-256, modulo 100): these 1000 ids always give
        // this count, in every container and release, so a retry lands where its first attempt did.
        assertThat(toCanary).isEqualTo(109); // as Python computes it: int.from_bytes(sha256(id)[:8], "big") % 100 < 10
        assertThat(served).allSatisfy(s -> assertThat(s.manifest()).isEqualTo(
                s.role() == Served.Role.CANARY ? v2 : v1));
        assertThat(requestIds().stream().map(route::choose).toList()).as("the same ids again").isEqualTo(served);
        assertThat(registry.route(ModelRef.parse("model", "split@production")).choose("request-0007"))
                .as("a retry, read afresh").isEqualTo(served.get(7));
        assertThat(registry.resolve(ModelRef.parse("model", "split@production"))).as("resolve: the stable side")
                .isEqualTo(v1);
        assertThat(registry.route(ModelRef.parse("model", "split:2")).choose("request-0000").role())
                .as("a version named directly is stable").isEqualTo(Served.Role.STABLE);
    }

    @Test
    void bucket_overManyIds_isUniformEnoughThatEachWeightGetsItsShare() {
        for (int weight : new int[] {1, 10, 25, 50}) {
            long hits = IntStream.range(0, 20_000).filter(i -> ModelRoute.bucket("id-" + i) < weight).count();
            assertThat(hits / 200.0).as("weight %d", weight).isBetween(weight * 0.85, weight * 1.15);
        }
    }

    @Test
    void setAlias_withABadCanary_is400NamingTheField_andLeavesTheAliasAsItWas() {
        tabular("checked");
        tabular("checked");
        registry.setAlias("checked", "production", 1, "admin");
        assertField(() -> registry.setAlias("checked", "production", canary(1, 2, 0), "admin"), "canary.weight");
        assertField(() -> registry.setAlias("checked", "production", canary(1, 2, 51), "admin"), "canary.weight");
        assertField(() -> registry.setAlias("checked", "production", canary(1, 1, 10), "admin"), "canary.version");
        assertField(() -> registry.setAlias("checked", "production", canary(1, 9, 10), "admin"), "canary.version");

        image("mixed");
        tabular("mixed");
        assertThatThrownBy(() -> registry.setAlias("mixed", "production", canary(2, 1, 10), "admin"))
                .isInstanceOfSatisfying(InvalidInput.class, e -> {
                    assertThat(e.errors()).extracting(ApiException.FieldError::field).containsExactly("canary.version");
                    assertThat(e.errors().get(0).message()).contains("image_classifier", "tabular");
                });

        assertThat(registry.aliases("checked")).singleElement().satisfies(a -> {
            assertThat(a.version()).isEqualTo(1);
            assertThat(a.canary()).isEmpty();
        });
        assertThatThrownBy(() -> registry.setAlias("checked", "production", canary(9, 1, 10), "admin"))
                .as("an unknown stable version stays a 404").isInstanceOf(NotFound.class);
    }

    private static void assertField(Runnable call, String field) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.errors())
                .extracting(ApiException.FieldError::field).containsExactly(field));
    }

    @Test
    void setAlias_plainVersion_endsTheCanary_andTheCanaryIsProtectedFromDeletion() {
        tabular("ended");
        tabular("ended");
        registry.setAlias("ended", "production", canary(1, 2, 20), "admin");
        assertThatThrownBy(() -> registry.deleteVersion("ended", 2)).as("the canary is served").isInstanceOf(Conflict.class)
                .hasMessageContaining("production");

        ModelAlias plain = registry.setAlias("ended", "production", 1, "admin");
        assertThat(plain.canary()).isEmpty();
        assertThat(registry.route(ModelRef.parse("model", "ended@production")).canary()).isEmpty();
        registry.deleteVersion("ended", 2);
    }

    @Test
    void setAlias_sameCanaryAgain_keepsWhenItBegan_anotherWeightStartsAgain() throws Exception {
        tabular("since");
        tabular("since");
        ModelAlias first = registry.setAlias("since", "production", canary(1, 2, 10), "admin");
        Thread.sleep(5);
        ModelAlias again = registry.setAlias("since", "production", canary(1, 2, 10), "admin");
        assertThat(again.canary().orElseThrow().since()).isEqualTo(first.canary().orElseThrow().since());
        Thread.sleep(5);
        ModelAlias heavier = registry.setAlias("since", "production", canary(1, 2, 30), "admin");
        assertThat(heavier.canary().orElseThrow().since()).isAfter(first.canary().orElseThrow().since());
    }

    /**
     * Eight admins move one alias at once. Each write is conditional on the document it read, so
     * every change replaces a different predecessor: the previous versions the answers report are
     * the first pointing plus seven of the eight targets, each once (unconditional writes let two
     * changes read the same document and both report its version).
     *
     * <p>They race on a registry whose clock stands still, so only the conditional writes decide the
     * outcome, not how fast the machine is: a change gives up (409) once others have kept it waiting
     * 15 s, and takes over a change record left unfinished for 5 s, and a loaded machine reaches
     * both (the race takes about 2.5 s at a load of 9 on two cores; with the clock running 8 times
     * as fast, five of the eight changes answered 409). A frozen clock leaves the attempt bound.
     */
    @Test
    void setAlias_whenEightChangesRace_noneInterleaves_eachReplacesADifferentDocument() throws Exception {
        int changes = 8;
        for (int i = 0; i <= changes; i++) {
            tabular("raced");
        }
        registry.setAlias("raced", "production", changes + 1, "admin");
        S3ModelRegistry frozen = S3ModelRegistry.create(RegistrySettings.from(stack.config()), s3, presigner,
                Clock.fixed(Instant.now(), ZoneOffset.UTC));
        ExecutorService pool = Executors.newFixedThreadPool(changes);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<ModelAlias>> futures = new ArrayList<>();
            for (int v = 1; v <= changes; v++) {
                int version = v;
                futures.add(pool.submit(() -> {
                    start.await();
                    return frozen.setAlias("raced", "production", version, "admin-" + version);
                }));
            }
            start.countDown();
            List<ModelAlias> answers = new ArrayList<>();
            for (Future<ModelAlias> future : futures) {
                answers.add(future.get());
            }
            Set<Integer> previous = new HashSet<>();
            answers.forEach(a -> previous.add(a.previousVersion().orElseThrow()));
            assertThat(previous).as("each change replaced a different document").hasSize(changes);
            assertThat(previous).contains(changes + 1);
            int last = registry.aliases("raced").get(0).version();
            Set<Integer> targets = new HashSet<>(IntStream.rangeClosed(1, changes).boxed().toList());
            targets.add(changes + 1);
            targets.remove(last);
            assertThat(previous).as("a chain: every version but the last one written was replaced once")
                    .isEqualTo(targets);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A change that died after numbering itself (its record written, the alias document not): the
     * next change finds the record stale, finishes it, and goes on from there; nothing waits for good.
     */
    @Test
    void setAlias_afterAChangeDiedHalfway_finishesIt_thenApplies() {
        tabular("crashed");
        tabular("crashed");
        tabular("crashed");
        ModelAlias first = registry.setAlias("crashed", "production", 1, "admin");
        String died = """
                {"format":1,"model":"crashed","alias":"production","version":2,"previous_version":1,
                 "updated_at":"2026-01-01T00:00:00Z","updated_by":"died","change":2}""";
        s3.putObject(r -> r.bucket(RegistrySettings.from(stack.config()).bucket())
                .key("models/crashed/alias-changes/production/0000000002.json"),
                software.amazon.awssdk.core.sync.RequestBody.fromString(died));
        assertThat(registry.resolve(ModelRef.parse("model", "crashed@production")).version()).isEqualTo(1);

        ModelAlias next = registry.setAlias("crashed", "production", 3, "admin");

        assertThat(next.previousVersion()).as("it replaced the change that died").hasValue(2);
        assertThat(registry.resolve(ModelRef.parse("model", "crashed@production")).version()).isEqualTo(3);
        assertThat(first.previousVersion()).isEmpty();
    }

    @Test
    void aliasDocument_writtenBeforeCanaries_readsAsAnAliasWithout() {
        tabular("older");
        ModelAlias plain = registry.setAlias("older", "production", 1, "admin");
        assertThat(plain.canary()).isEmpty();
        assertThat(plain.previousVersion()).isEqualTo(OptionalInt.empty());
        assertThat(registry.route(ModelRef.parse("model", "older@production")).choose("x-1").role())
                .isEqualTo(Served.Role.STABLE);
    }
}
