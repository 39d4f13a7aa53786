package dev.mlapi.registry.storage;

import dev.mlapi.core.aws.SdkErrors;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The one translation of S3 SDK failures into domain errors, for the model registry, the image
 * library and training alike ({@link S3Bucket} calls every operation through it):
 * <ul>
 *   <li>a missing object is a 404 (callers that expect it get an empty answer from {@link S3Bucket});
 *   <li>a concurrent conditional write is a 409; a rejected checksum or argument a 400; a body
 *       over S3's single-PUT limit a 413;
 *   <li>throttling, a 5xx, a timeout and an unreachable endpoint are a 503 with Retry-After, as
 *       {@link SdkErrors} decides for every AWS service;
 *   <li>a refused permission or a missing bucket ({@link #MISCONFIGURED}) is a <b>500</b> with an
 *       error log naming the action and the code: the function's role or the bucket is
 *       misconfigured, which only the operator can fix and no retry cures (docs/DEPLOY.md,
 *       "Operating it");
 *   <li>anything else the SDK throws (a 4xx it does not call throttling, a request it could not
 *       build) is a bug in this code and left as it is: a 500.
 * </ul>
 * Details name the action, never credentials or the bucket's contents.
 */
public final class S3Failures {

    /** S3's answers for a deployment that is wrong: a missing grant, bad credentials, no bucket. */
    static final Set<String> MISCONFIGURED = Set.of("AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId",
            "SignatureDoesNotMatch", "NoSuchBucket", "AccountProblem");
    private static final Set<String> CONCURRENT_WRITE = Set.of("PreconditionFailed", "ConditionalRequestConflict",
            "OperationAborted");
    private static final Set<String> REFUSED_REQUEST = Set.of("BadDigest", "InvalidDigest",
            "XAmzContentSHA256Mismatch", "InvalidRequest", "InvalidArgument");
    private static final Logger LOG = LoggerFactory.getLogger(S3Failures.class);

    private S3Failures() {
    }

    /** Runs one S3 operation; any SDK failure leaves as {@link #translate translated}. */
    public static <T> T call(String action, Supplier<T> operation) {
        try {
            return operation.get();
        } catch (SdkException e) {
            throw translate(e, action);
        } catch (UncheckedIOException e) {
            throw streamFailed(action, e.getCause());
        }
    }

    /** What to throw instead of {@code e}, which S3 (or the SDK on its way to S3) threw while doing {@code action}. */
    public static RuntimeException translate(SdkException e, String action) {
        if (e instanceof AwsServiceException aws) {
            Optional<RuntimeException> answer = s3Answer(aws, action);
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        Optional<ApiException> temporary = SdkErrors.transientFailure(e, action);
        if (temporary.isPresent()) {
            LOG.error("S3 failed while {}: {}", action, temporary.get().detail(), e);
            return temporary.get();
        }
        return e;
    }

    /** The domain error of an answer S3 gives about this request (not about its own health), if it is one. */
    private static Optional<RuntimeException> s3Answer(AwsServiceException e, String action) {
        String code = e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
                ? "" : e.awsErrorDetails().errorCode();
        if (e instanceof NoSuchKeyException || code.equals("NoSuchKey") || (e.statusCode() == 404
                && !code.equals("NoSuchBucket"))) {
            return Optional.of(new NotFound(action + ": not found"));
        }
        if (MISCONFIGURED.contains(code)) {
            LOG.error("S3 refused {} with {} (HTTP {}, request id {}): the function's role, its credentials or the"
                    + " bucket is misconfigured; see docs/DEPLOY.md", action, code, e.statusCode(), e.requestId(), e);
            return Optional.of(new IllegalStateException("S3 refused " + action + " (" + code
                    + "): the deployment is misconfigured", e));
        }
        if (CONCURRENT_WRITE.contains(code)) {
            return Optional.of(new Conflict(action + ": the object was changed concurrently; retry"));
        }
        if (REFUSED_REQUEST.contains(code)) {
            return Optional.of(new InvalidInput(action + ": storage rejected the request: "
                    + e.awsErrorDetails().errorMessage()));
        }
        if (code.equals("EntityTooLarge")) {
            return Optional.of(new PayloadTooLarge(action + ": the file is too large for one upload"));
        }
        return Optional.empty();
    }

    /** A read whose stream broke part-way: worth retrying later. */
    public static ServiceUnavailable streamFailed(String action, IOException e) {
        LOG.error("S3 stream failed while {}", action, e);
        return new ServiceUnavailable(action + " failed: " + e.getMessage(), SdkErrors.FAILED_RETRY_AFTER, e);
    }
}
