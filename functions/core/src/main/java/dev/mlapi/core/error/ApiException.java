package dev.mlapi.core.error;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A failure the caller can act on, rendered as RFC 9457 problem+json by {@code ProblemMapper}.
 *
 * <p>Storage code translates SDK exceptions into these ({@code SdkErrors}); anything else that
 * escapes a handler is a bug and becomes a 500.
 */
public abstract sealed class ApiException extends RuntimeException
        permits ApiException.InvalidInput, ApiException.Unauthorized, ApiException.Forbidden,
        ApiException.NotFound, ApiException.MethodNotAllowed, ApiException.Conflict,
        ApiException.PayloadTooLarge, ApiException.UnsupportedMediaType, ApiException.Unprocessable,
        ApiException.TooManyRequests, ApiException.ServiceUnavailable {

    private final int status;
    private final String slug;
    private final String title;

    private ApiException(int status, String slug, String title, String detail, Throwable cause) {
        super(detail, cause, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    /** Short machine-readable name, the last part of the problem {@code type}. */
    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }

    /** How long the caller should wait before trying again ({@code Retry-After}); empty unless the failure is temporary. */
    public Optional<Duration> retryAfter() {
        return Optional.empty();
    }

    /** Field-level validation errors; empty unless the input failed validation. */
    public List<FieldError> errors() {
        return List.of();
    }

    /** One invalid field: a JSON-pointer-like name ({@code instances[0][2]}) and what is wrong with it. */
    public record FieldError(String field, String message) {
    }

    /** 400: the request is malformed or a field is invalid. */
    public static final class InvalidInput extends ApiException {
        private final List<FieldError> errors;

        public InvalidInput(String detail) {
            this(detail, List.of());
        }

        public InvalidInput(String detail, List<FieldError> errors) {
            super(400, "invalid-input", "Invalid input", detail, null);
            this.errors = List.copyOf(errors);
        }

        public static InvalidInput field(String field, String message) {
            return new InvalidInput(field + ": " + message, List.of(new FieldError(field, message)));
        }

        @Override
        public List<FieldError> errors() {
            return errors;
        }
    }

    /** 401: no token, or a token that is invalid, expired or revoked; or wrong credentials. */
    public static final class Unauthorized extends ApiException {
        public Unauthorized(String detail) {
            super(401, "unauthorized", "Unauthorized", detail, null);
        }
    }

    /** 403: authenticated, but the role does not allow this. */
    public static final class Forbidden extends ApiException {
        public Forbidden(String detail) {
            super(403, "forbidden", "Forbidden", detail, null);
        }
    }

    /** 404: the resource or route does not exist. */
    public static final class NotFound extends ApiException {
        public NotFound(String detail) {
            super(404, "not-found", "Not found", detail, null);
        }
    }

    /** 405: the path exists, the method does not. */
    public static final class MethodNotAllowed extends ApiException {
        public MethodNotAllowed(String detail) {
            super(405, "method-not-allowed", "Method not allowed", detail, null);
        }
    }

    /** 409: the request conflicts with the current state (name taken, version in use). */
    public static final class Conflict extends ApiException {
        public Conflict(String detail) {
            super(409, "conflict", "Conflict", detail, null);
        }
    }

    /** 413: the body is larger than the limit. */
    public static final class PayloadTooLarge extends ApiException {
        public PayloadTooLarge(String detail) {
            super(413, "payload-too-large", "Payload too large", detail, null);
        }
    }

    /** 415: the content type is not one this route accepts. */
    public static final class UnsupportedMediaType extends ApiException {
        public UnsupportedMediaType(String detail) {
            super(415, "unsupported-media-type", "Unsupported media type", detail, null);
        }
    }

    /** 422: well-formed input the model or service could not process. */
    public static final class Unprocessable extends ApiException {
        public Unprocessable(String detail) {
            super(422, "unprocessable", "Unprocessable input", detail, null);
        }

        public Unprocessable(String detail, Throwable cause) {
            super(422, "unprocessable", "Unprocessable input", detail, cause);
        }
    }

    /** 429: the caller is sending too fast; it may try again after {@link #retryAfter()}. */
    public static final class TooManyRequests extends ApiException {
        public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

        private final Duration retryAfter;

        public TooManyRequests(String detail) {
            this(detail, DEFAULT_RETRY_AFTER);
        }

        public TooManyRequests(String detail, Duration retryAfter) {
            super(429, "too-many-requests", "Too many requests", detail, null);
            this.retryAfter = retryAfter;
        }

        @Override
        public Optional<Duration> retryAfter() {
            return Optional.of(retryAfter);
        }
    }

    /**
     * 503: a dependency is unavailable for now (storage throttling, a 5xx, unreachable); retrying
     * after {@link #retryAfter()} may succeed.
     */
    public static final class ServiceUnavailable extends ApiException {
        public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);

        private final Duration retryAfter;

        public ServiceUnavailable(String detail) {
            this(detail, DEFAULT_RETRY_AFTER, null);
        }

        public ServiceUnavailable(String detail, Duration retryAfter, Throwable cause) {
            super(503, "service-unavailable", "Service unavailable", detail, cause);
            this.retryAfter = retryAfter;
        }

        @Override
        public Optional<Duration> retryAfter() {
            return Optional.of(retryAfter);
        }
    }
}
