package dev.mlapi.registry.storage;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import java.io.UncheckedIOException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The registry's one translation of S3 SDK failures into domain errors: a missing object is a
 * 404, a concurrent conditional write a 409, a rejected checksum a 400; throttling, a 5xx, a
 * missing or refused bucket and an unreachable endpoint are a 503 worth retrying later. Details
 * name the action, never credentials or the bucket's contents.
 */
public final class S3Failures {

    private static final Logger LOG = LoggerFactory.getLogger(S3Failures.class);

    private S3Failures() {
    }

    /** Runs one S3 operation; any SDK failure leaves as an {@link ApiException}. */
    public static <T> T call(String action, Supplier<T> operation) {
        try {
            return operation.get();
        } catch (AwsServiceException e) {
            throw translate(e, action);
        } catch (SdkClientException e) {
            throw unreachable(e, action);
        } catch (UncheckedIOException e) {
            throw new ServiceUnavailable(action + " failed: " + e.getMessage());
        }
    }

    /** The domain error of an error answer from S3. */
    public static ApiException translate(AwsServiceException e, String action) {
        String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
        if (e instanceof NoSuchKeyException || code.equals("NoSuchKey") || (e.statusCode() == 404
                && !code.equals("NoSuchBucket"))) {
            return new NotFound(action + ": not found");
        }
        if (e.isThrottlingException()) {
            return unavailable(e, "the model registry is throttling requests (" + action + "); retry shortly");
        }
        return switch (code) {
            case "NoSuchBucket" -> unavailable(e, "the model registry bucket does not exist (" + action + ")");
            case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken" ->
                    unavailable(e, "the model registry refused access (" + action + ")");
            case "PreconditionFailed", "ConditionalRequestConflict", "OperationAborted" ->
                    new Conflict(action + ": the object was changed concurrently; retry");
            case "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidRequest", "InvalidArgument" ->
                    new InvalidInput(action + ": storage rejected the request: " + e.awsErrorDetails().errorMessage());
            case "EntityTooLarge" -> new PayloadTooLarge(action + ": the file is too large for one upload");
            default -> unavailable(e, "the model registry failed while " + action + " (HTTP " + e.statusCode()
                    + (code.isEmpty() ? "" : ", " + code) + "); retry later");
        };
    }

    /** The domain error of a call that never got an answer: network, timeout, credentials. */
    public static ServiceUnavailable unreachable(SdkClientException e, String action) {
        LOG.error("S3 unreachable while {}", action, e);
        return new ServiceUnavailable("the model registry is unreachable (" + action + "); retry later");
    }

    /** A read whose stream broke part-way: worth retrying later. */
    public static ServiceUnavailable streamFailed(String action, java.io.IOException e) {
        LOG.error("S3 stream failed while {}", action, e);
        return new ServiceUnavailable(action + " failed: " + e.getMessage());
    }

    private static ServiceUnavailable unavailable(AwsServiceException e, String detail) {
        LOG.error("S3 error: {} (status {}, request id {})", detail, e.statusCode(), e.requestId(), e);
        return new ServiceUnavailable(detail);
    }
}
