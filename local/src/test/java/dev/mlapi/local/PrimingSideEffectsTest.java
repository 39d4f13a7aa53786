package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.catalog.TableSpec;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.local.bench.BenchStack;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Every function's Lambda constructor, initialising for a snapshot, primes (a synthetic request through its pipeline, its
 * services' reads, model loads) and leaves nothing a user could see: each function jar is started
 * in its own JVM through its public no-arg constructor against DynamoDB Local and the S3 server,
 * and afterwards no table has gained an item and the bucket holds the same objects.
 */
class PrimingSideEffectsTest {

    static BenchStack bench;

    @BeforeAll
    static void start() throws Exception {
        bench = BenchStack.start();
    }

    @AfterAll
    static void stop() {
        bench.close();
    }

    @Test
    void everyFunctionsLambdaConstructor_primesWithoutWritingAnything() throws Exception {
        List<FunctionSpec> built = FunctionCatalog.ALL.stream().filter(spec -> Files.isRegularFile(bench.jar(spec)))
                .toList();
        assumeTrue(built.size() == FunctionCatalog.ALL.size(),
                "function jars are not built (run through the reactor's package phase, e.g. ./mvnw verify)");
        Map<String, Integer> itemsBefore = itemCounts();
        Set<String> objectsBefore = objects();

        for (FunctionSpec spec : built) {
            // as Lambda initialises for a snapshot: priming runs only then (and for provisioned concurrency)
            Map<String, String> env = new HashMap<>(bench.environment(spec));
            env.put(Priming.INITIALIZATION_TYPE, "snap-start");
            var probe = bench.probe(bench.jar(spec), spec.handlerClass(), null, env, 0);
            assertThat(probe.get("init_ms")).as(spec.name() + " started").isPositive();
        }

        assertThat(itemCounts()).isEqualTo(itemsBefore);
        assertThat(itemsBefore.get(TableCatalog.REQUEST_LOG.defaultName())).isZero();
        assertThat(itemsBefore.get(TableCatalog.REQUEST_ROLLUPS.defaultName())).isZero();
        assertThat(objects()).isEqualTo(objectsBefore);
    }

    private static Map<String, Integer> itemCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (TableSpec table : TableCatalog.ALL) {
            String name = bench.stack().config().environment().tableName(table);
            counts.put(table.defaultName(), bench.stack().wiring().dynamoDb().scan(r -> r.tableName(name)).count());
        }
        return counts;
    }

    private static Set<String> objects() {
        RegistrySettings settings = RegistrySettings.from(bench.stack().config());
        try (S3Client s3 = S3Clients.s3(settings)) {
            return s3.listObjectsV2Paginator(r -> r.bucket(settings.bucket())).contents().stream()
                    .map(o -> o.key() + "@" + o.eTag()).collect(Collectors.toSet());
        }
    }
}
