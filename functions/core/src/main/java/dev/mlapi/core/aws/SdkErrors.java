package dev.mlapi.core.aws;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * The one translation of AWS SDK failures (DynamoDB, S3, Secrets Manager) into API errors, by
 * what the SDK itself knows about them rather than by lists of error codes:
 * <ul>
 *   <li>throttled ({@link SdkServiceException#isThrottlingException()}: HTTP 429 or one of the
 *       SDK's throttling codes, e.g. {@code ThrottlingException},
 *       {@code ProvisionedThroughputExceededException}, {@code SlowDown}) → 503, retry after
 *       {@link #THROTTLED_RETRY_AFTER};
 *   <li>the service failed ({@code statusCode() >= 500}) → 503, retry after {@link #FAILED_RETRY_AFTER};
 *   <li>the service was not reached or did not answer in time ({@link SdkClientException} caused
 *       by an I/O error, or an API call (attempt) timeout) → 503, retry after {@link #FAILED_RETRY_AFTER};
 *   <li>anything else (a 4xx the SDK does not call throttling, a request the SDK could not even
 *       build) is a bug in this code: not translated, so it becomes a 500.
 * </ul>
 * A dependency's throttle is a 503, not a 429: it is not this caller's doing (API Gateway already
 * answers 429 to a caller over its own rate), and every caller would get it alike. A refused
 * permission ({@code AccessDenied}, {@code AccessDeniedException}) is deliberately not here: a role
 * without its grant is the operator's to fix, not cured by retrying, so it stays a 500 (see
 * {@code S3Failures}, which adds S3's own answers: 404, 409, checksum 400s, 413).
 */
public final class SdkErrors {

    /** The SDK has already retried with back-off; a second is enough for a throttle to ease. */
    public static final Duration THROTTLED_RETRY_AFTER = Duration.ofSeconds(1);
    public static final Duration FAILED_RETRY_AFTER = Duration.ofSeconds(5);

    private SdkErrors() {
    }

    /** As {@link #transientFailure(SdkException)} for any exception: empty unless it is the SDK's. */
    public static Optional<ApiException> dependencyFailure(RuntimeException e) {
        return e instanceof SdkException sdk ? transientFailure(sdk) : Optional.empty();
    }

    /** The 503 for a failure that retrying later may cure; empty for one that is a bug here. */
    public static Optional<ApiException> transientFailure(SdkException e) {
        return transientFailure(e, null);
    }

    /**
     * As {@link #transientFailure(SdkException)}, the detail naming what was being done, e.g.
     * "reading models/x/manifests/0000000001.json" (the S3 adapters' {@code S3Failures}).
     */
    public static Optional<ApiException> transientFailure(SdkException e, String action) {
        String during = action == null ? "" : " (" + action + ")";
        if (e instanceof SdkServiceException service) {
            String name = serviceName(service);
            if (service.isThrottlingException()) {
                return Optional.of(new ServiceUnavailable(name + " is throttling requests" + during + "; retry shortly",
                        THROTTLED_RETRY_AFTER, e));
            }
            if (service.statusCode() >= 500) {
                return Optional.of(new ServiceUnavailable(name + " failed" + during + " (HTTP " + service.statusCode()
                        + errorCode(service) + "); retry later", FAILED_RETRY_AFTER, e));
            }
            return Optional.empty();
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return Optional.of(new ServiceUnavailable("a storage service did not answer in time" + during
                    + "; retry later", FAILED_RETRY_AFTER, e));
        }
        if (e instanceof SdkClientException && causedByIo(e)) {
            return Optional.of(new ServiceUnavailable(action == null
                    ? "a storage service could not be reached; retry later"
                    : "a storage service is unreachable" + during + "; retry later", FAILED_RETRY_AFTER, e));
        }
        return Optional.empty();
    }

    /** What to throw instead of {@code e}: its 503, or {@code e} itself when it is a bug. */
    public static RuntimeException translate(SdkException e) {
        return transientFailure(e).<RuntimeException>map(failure -> failure).orElse(e);
    }

    private static String serviceName(SdkServiceException e) {
        if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                && aws.awsErrorDetails().serviceName() != null) {
            return aws.awsErrorDetails().serviceName();
        }
        return "a storage service";
    }

    private static String errorCode(SdkServiceException e) {
        if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                && aws.awsErrorDetails().errorCode() != null && !aws.awsErrorDetails().errorCode().isEmpty()) {
            return ", " + aws.awsErrorDetails().errorCode();
        }
        return "";
    }

    private static boolean causedByIo(Throwable e) {
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause instanceof IOException || cause instanceof UncheckedIOException) {
                return true;
            }
        }
        return false;
    }
}
