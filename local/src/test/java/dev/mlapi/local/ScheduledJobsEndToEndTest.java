package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.inference.TinyOnnx;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.PendingUpload;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.S3ModelRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The scheduled functions in the running local server: an image object without a record (an
 * upload that crashed between its S3 write and its transaction) and a registry upload whose URLs
 * expired are removed by the image sweeper and the registry clean-up on their timer, with no
 * restart (before the schedules, only the start-up clean-up removed them, so in AWS they stayed).
 */
class ScheduledJobsEndToEndTest {

    /** How long the test waits for a run; the local interval is one second. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path data;

    @Test
    void orphanImageAndExpiredUpload_areRemovedByTheScheduledFunctions_withoutARestart() throws Exception {
        LocalSettings settings = new LocalSettings(0, "127.0.0.1", data, 0, 0).withScheduleInterval(Duration.ofSeconds(1));
        // Anything older than nothing may go: here no write is in flight.
        try (LocalServer server = LocalServer.start(settings, LocalServer.repositoryRoot(),
                Map.of(Env.CLEAN_UP_MIN_AGE_SECONDS, "0"));
                S3Client s3 = S3Clients.s3(RegistrySettings.from(server.wiring().config()));
                S3Presigner presigner = S3Clients.presigner(RegistrySettings.from(server.wiring().config()))) {
            String bucket = RegistrySettings.from(server.wiring().config()).bucket();
            assertThat(server.functions().scheduleSources()).extracting(source -> source.spec().name())
                    .containsExactlyInAnyOrder(FunctionCatalog.IMAGE_SWEEPER.name(), FunctionCatalog.REGISTRY_CLEANUP.name());

            // What a crash after the object's write and before its record leaves.
            String orphan = "images/" + UUID.randomUUID();
            s3.putObject(r -> r.bucket(bucket).key(orphan), RequestBody.fromBytes(new byte[] {1, 2, 3}));
            // A presigned upload reserved two hours ago: its URLs expired an hour ago, nobody can finish it.
            S3ModelRegistry earlier = S3ModelRegistry.create(RegistrySettings.from(server.wiring().config()), s3, presigner,
                    Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)));
            PendingUpload lapsed = earlier.reserve(ModelRegistration.builder().setName("lapsed")
                    .setKind(ModelKind.TABULAR).setModelFile("model.onnx").setCreatedBy("admin")
                    .optFeatureNames(List.of("a", "b", "c", "d")).build(),
                    List.of(new ModelFile("model.onnx", TinyOnnx.logitsModel()).entry()));
            String pendingPrefix = "models/lapsed/pending/";
            assertThat(keys(s3, bucket, pendingPrefix)).as("the lapsed upload's record").hasSize(1);
            assertThat(lapsed.version()).isEqualTo(1);

            awaitTrue(() -> keys(s3, bucket, orphan).isEmpty(), "the image sweeper removes " + orphan);
            awaitTrue(() -> keys(s3, bucket, pendingPrefix).isEmpty(), "the registry clean-up discards the lapsed upload");
            // A run is counted when it returns, just after its deletes.
            awaitTrue(() -> server.functions().scheduleSources().stream().allMatch(source -> source.runs() > 0),
                    "both scheduled functions finish a run");
        }
    }

    @Test
    void theLocalTimersEvent_isShapedAsTheSampleEventAsEventBridgeSendsIt() {
        for (var spec : List.of(FunctionCatalog.IMAGE_SWEEPER, FunctionCatalog.REGISTRY_CLEANUP)) {
            Trigger.Schedule schedule = (Trigger.Schedule) spec.trigger().orElseThrow();
            ScheduleEventSource source = new ScheduleEventSource(spec, schedule, (event, context) -> null, "us-east-1",
                    java.util.Optional.empty(), Clock.systemUTC());
            ScheduledEvent sent = source.event(Instant.parse("2026-12-07T03:15:00Z"));
            ScheduledEvent sample = EventLoader.loadScheduledEvent(LocalServer.repositoryRoot()
                    .resolve("events").resolve(spec.name() + "-schedule.json").toString());
            assertThat(sent.getSource()).isEqualTo(sample.getSource());
            assertThat(sent.getDetailType()).isEqualTo(sample.getDetailType());
            assertThat(sent.getAccount()).isEqualTo(sample.getAccount());
            assertThat(sent.getRegion()).isEqualTo(sample.getRegion());
            assertThat(sent.getResources()).isEqualTo(sample.getResources());
            assertThat(sent.getTime().getMillis()).isEqualTo(sample.getTime().getMillis());
            assertThat(sent.getDetail()).isEqualTo(sample.getDetail());
            source.close();
        }
    }

    private static List<String> keys(S3Client s3, String bucket, String prefix) {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }

    /** Waits for a scheduled run's effect; fails naming it when it does not come. */
    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waited " + PATIENCE.toSeconds() + " s: " + what).isBefore(deadline);
            Thread.sleep(200);
        }
    }
}
