package dev.mlapi.registry.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.S3ModelRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The raw S3 access against S3Proxy: a missing object is an empty answer, and a bucket that is not
 * there (a misconfigured deployment) is a 500 naming the misconfiguration for every user of the
 * layer, the registry included (it answered 503 before issue #21 decided it once).
 */
class S3BucketTest {

    static StorageStack storage;
    static S3Bucket bucket;

    @BeforeAll
    static void start() {
        storage = StorageStack.start();
        bucket = storage.bucket;
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    @Test
    void read_whenTheObjectIsMissing_isEmpty() {
        String key = "bucket-test/" + UUID.randomUUID();

        assertThat(bucket.read(key)).isEmpty();
        assertThat(bucket.open(key)).isEmpty();
        assertThat(bucket.exists(key)).isFalse();
        bucket.put(key, "x".getBytes(StandardCharsets.UTF_8), "text/plain");
        assertThat(bucket.read(key)).hasValueSatisfying(data -> assertThat(data).containsExactly('x'));
        assertThat(bucket.putIfAbsent(key, "y".getBytes(StandardCharsets.UTF_8), "text/plain")).isFalse();
    }

    @Test
    void read_whenTheBucketDoesNotExist_isAnInternalErrorNamingTheMisconfiguration() {
        S3Bucket missing = new S3Bucket(storage.s3, storage.presigner, "no-such-bucket-" + UUID.randomUUID());

        assertThatThrownBy(() -> missing.read("models/x/owner.json"))
                .isNotInstanceOf(ApiException.class)
                .hasMessageContaining("NoSuchBucket").hasMessageContaining("misconfigured");
    }

    @Test
    void registryResolve_whenTheBucketDoesNotExist_isAnInternalErrorNotA503() {
        S3ModelRegistry registry = new S3ModelRegistry(storage.s3, storage.presigner, "no-such-bucket-" + UUID.randomUUID(),
                Clock.systemUTC(), Duration.ofHours(1));

        assertThatThrownBy(() -> registry.resolve(new ModelRef("iris", OptionalInt.of(1), Optional.empty())))
                .isNotInstanceOf(ApiException.class)
                .hasMessageContaining("misconfigured");
    }
}
