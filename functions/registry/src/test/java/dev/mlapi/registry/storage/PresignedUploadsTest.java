package dev.mlapi.registry.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.registry.storage.PresignedUploads.DeclaredObject;
import dev.mlapi.registry.storage.PresignedUploads.Differs;
import dev.mlapi.registry.storage.PresignedUploads.Matches;
import dev.mlapi.registry.storage.PresignedUploads.NotUploaded;
import dev.mlapi.registry.storage.PresignedUploads.Readback;
import dev.mlapi.registry.storage.PresignedUploads.SignedPut;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one presigned upload protocol against S3Proxy, as models, datasets and images use it: a
 * PUT signed with the declared sha256 stores exactly those bytes, and the commit's read-back tells
 * a missing, a differing (then deleted) and a matching upload apart.
 */
class PresignedUploadsTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    static StorageStack storage;
    static S3Bucket bucket;
    static PresignedUploads uploads;

    @BeforeAll
    static void start() {
        storage = StorageStack.start();
        bucket = storage.bucket;
        uploads = new PresignedUploads(bucket);
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    static DeclaredObject declared(byte[] data) {
        return new DeclaredObject("uploads-test/" + UUID.randomUUID(), data.length, Sha256.hex(data));
    }

    static int put(SignedPut target, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.url()).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        target.headers().forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void readBack_whenTheDeclaredBytesWereUploaded_matchesAndKeepsThem() throws Exception {
        byte[] data = "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8);
        DeclaredObject object = declared(data);
        SignedPut target = uploads.presign(object, Duration.ofMinutes(5));

        assertThat(target.headers()).doesNotContainKeys("host", "content-length");
        assertThat(put(target, data)).isEqualTo(200);

        Readback back = uploads.readBack(object, true);
        assertThat(back).isInstanceOf(Matches.class);
        assertThat(((Matches) back).data()).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(data));
        assertThat(((Matches) uploads.readBack(object, false)).data()).isEmpty();
    }

    @Test
    void presignedPut_whenTheBytesDifferFromTheSignedChecksum_isRefusedByStorage() throws Exception {
        byte[] data = "declared".getBytes(StandardCharsets.UTF_8);
        DeclaredObject object = declared(data);

        int status = put(uploads.presign(object, Duration.ofMinutes(5)), "tampered".getBytes(StandardCharsets.UTF_8));

        assertThat(status).isBetween(400, 499);
        assertThat(uploads.readBack(object, false)).isInstanceOf(NotUploaded.class);
    }

    @Test
    void readBack_whenNothingWasUploaded_isNotUploaded() {
        assertThat(uploads.readBack(declared(new byte[] {1}), true)).isInstanceOf(NotUploaded.class);
    }

    @Test
    void readBack_whenTheStoredBytesDiffer_reportsThemAndDeletesTheObject() {
        byte[] data = "declared".getBytes(StandardCharsets.UTF_8);
        DeclaredObject sameSize = declared(data);
        bucket.put(sameSize.key(), "tampered".getBytes(StandardCharsets.UTF_8), "text/plain");
        DeclaredObject otherSize = declared(data);
        bucket.put(otherSize.key(), "longer than declared".getBytes(StandardCharsets.UTF_8), "text/plain");

        assertThat(uploads.readBack(sameSize, true)).isEqualTo(new Differs(8,
                Optional.of(Sha256.hex("tampered".getBytes(StandardCharsets.UTF_8)))));
        assertThat(uploads.readBack(otherSize, true)).isEqualTo(new Differs(20, Optional.empty()));
        assertThat(bucket.exists(sameSize.key())).isFalse();
        assertThat(bucket.exists(otherSize.key())).isFalse();
    }

    @Test
    void isExpired_onlyAfterTheExpiry() {
        Instant at = Instant.parse("2026-12-07T09:00:00Z");
        assertThat(PresignedUploads.isExpired(at, at)).isFalse();
        assertThat(PresignedUploads.isExpired(at, at.plusMillis(1))).isTrue();
    }
}
