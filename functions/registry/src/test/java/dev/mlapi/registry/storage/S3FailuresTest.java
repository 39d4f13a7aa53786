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
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** S3 failures as the registry's callers see them: domain errors, never SDK exceptions. */
class S3FailuresTest {

    static S3Exception s3Error(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code + " message").build())
                .build();
    }

    static ApiException translated(S3Exception e) {
        return S3Failures.translate(e, "reading models/x");
    }

    @Test
    void translate_whenObjectMissing_isNotFound() {
        assertThat(translated((S3Exception) NoSuchKeyException.builder().statusCode(404).build())).isInstanceOf(NotFound.class);
        assertThat(translated(s3Error(404, "NoSuchKey"))).isInstanceOf(NotFound.class);
        assertThat(translated(s3Error(404, "")).detail()).isEqualTo("reading models/x: not found");
    }

    @Test
    void translate_whenThrottled_isServiceUnavailable() {
        assertThat(translated(s3Error(503, "SlowDown"))).isInstanceOf(ServiceUnavailable.class)
                .extracting(ApiException::detail).asString().contains("throttling");
        assertThat(translated(s3Error(429, "TooManyRequests"))).isInstanceOf(ServiceUnavailable.class)
                .extracting(ApiException::detail).asString().contains("throttling");
    }

    @Test
    void translate_whenServerErrorOrBucketProblem_isServiceUnavailable() {
        assertThat(translated(s3Error(500, "InternalError"))).isInstanceOf(ServiceUnavailable.class)
                .extracting(ApiException::detail).asString().contains("HTTP 500", "InternalError");
        assertThat(translated(s3Error(404, "NoSuchBucket"))).isInstanceOf(ServiceUnavailable.class);
        assertThat(translated(s3Error(403, "AccessDenied"))).isInstanceOf(ServiceUnavailable.class);
    }

    @Test
    void translate_whenRequestRefused_isTheCallersError() {
        assertThat(translated(s3Error(412, "PreconditionFailed"))).isInstanceOf(Conflict.class);
        assertThat(translated(s3Error(400, "BadDigest"))).isInstanceOf(InvalidInput.class);
        assertThat(translated(s3Error(400, "EntityTooLarge"))).isInstanceOf(PayloadTooLarge.class);
    }

    @Test
    void call_whenUnreachableOrStreamFails_isServiceUnavailable() {
        assertThatThrownBy(() -> S3Failures.call("listing models/", () -> {
            throw SdkClientException.create("connection refused");
        })).isInstanceOf(ServiceUnavailable.class).hasMessageContaining("unreachable (listing models/)");
        assertThatThrownBy(() -> S3Failures.call("reading models/x", () -> {
            throw new UncheckedIOException(new IOException("reset"));
        })).isInstanceOf(ServiceUnavailable.class);
        assertThatThrownBy(() -> S3Failures.call("reading models/x", () -> {
            throw s3Error(503, "SlowDown");
        })).isInstanceOf(ServiceUnavailable.class);
    }
}
