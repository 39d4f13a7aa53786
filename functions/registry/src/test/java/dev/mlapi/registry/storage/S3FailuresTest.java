package dev.mlapi.registry.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3 failures as the registry's, the image library's and training's callers see them: domain
 * errors; a misconfigured deployment (refused access, no bucket) or a bug stays a 500.
 */
class S3FailuresTest {

    static S3Exception s3Error(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code + " message").build())
                .build();
    }

    static RuntimeException translated(S3Exception e) {
        return S3Failures.translate(e, "reading models/x");
    }

    static String detail(RuntimeException e) {
        return ((ApiException) e).detail();
    }

    @Test
    void translate_whenObjectMissing_isNotFound() {
        assertThat(translated((S3Exception) NoSuchKeyException.builder().statusCode(404).build())).isInstanceOf(NotFound.class);
        assertThat(translated(s3Error(404, "NoSuchKey"))).isInstanceOf(NotFound.class);
        assertThat(detail(translated(s3Error(404, "")))).isEqualTo("reading models/x: not found");
    }

    @Test
    void translate_whenThrottled_isServiceUnavailableRetryShortly() {
        assertThat(translated(s3Error(503, "SlowDown"))).isInstanceOf(ServiceUnavailable.class)
                .extracting(e -> detail(e)).asString().contains("throttling", "reading models/x");
        assertThat(translated(s3Error(429, "TooManyRequests"))).isInstanceOf(ServiceUnavailable.class)
                .extracting(e -> ((ApiException) e).retryAfter()).isEqualTo(java.util.Optional.of(Duration.ofSeconds(1)));
    }

    @Test
    void translate_whenServerError_isServiceUnavailable() {
        assertThat(translated(s3Error(500, "InternalError"))).isInstanceOf(ServiceUnavailable.class)
                .extracting(e -> detail(e)).asString().contains("HTTP 500", "InternalError");
    }

    /** The decision of issue #21: a role without its grant (or no bucket) is the operator's to fix, a 500, not a 503. */
    @Test
    void translate_whenAccessRefusedOrBucketMissing_isAnInternalErrorNamingTheCause() {
        for (S3Exception e : new S3Exception[] {s3Error(403, "AccessDenied"), s3Error(403, "InvalidAccessKeyId"),
                s3Error(404, "NoSuchBucket")}) {
            RuntimeException translated = translated(e);
            assertThat(translated).isNotInstanceOf(ApiException.class).hasCause(e)
                    .hasMessageContaining("reading models/x").hasMessageContaining("misconfigured");
        }
    }

    @Test
    void translate_whenAnUnknownRefusal_leavesTheBugAsItIs() {
        S3Exception e = s3Error(400, "MalformedXML");
        assertThat(translated(e)).isSameAs(e);
    }

    @Test
    void translate_whenRequestRefused_isTheCallersError() {
        assertThat(translated(s3Error(412, "PreconditionFailed"))).isInstanceOf(Conflict.class);
        assertThat(translated(s3Error(400, "BadDigest"))).isInstanceOf(InvalidInput.class);
        assertThat(translated(s3Error(400, "EntityTooLarge"))).isInstanceOf(PayloadTooLarge.class);
    }

    @Test
    void call_whenUnreachableOrStreamFails_isServiceUnavailable() {
        // As the SDK builds it: the I/O error is the cause.
        assertThatThrownBy(() -> S3Failures.call("listing models/", () -> {
            throw SdkClientException.create("Unable to execute HTTP request", new ConnectException("connection refused"));
        })).isInstanceOf(ServiceUnavailable.class).hasMessageContaining("unreachable (listing models/)");
        assertThatThrownBy(() -> S3Failures.call("reading models/x", () -> {
            throw new UncheckedIOException(new IOException("reset"));
        })).isInstanceOf(ServiceUnavailable.class);
        assertThatThrownBy(() -> S3Failures.call("reading models/x", () -> {
            throw s3Error(503, "SlowDown");
        })).isInstanceOf(ServiceUnavailable.class);
    }
}
