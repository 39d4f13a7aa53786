package dev.mlapi.imagestore;

import dev.mlapi.catalog.Env;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.config.Environment;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.TooManyRequests;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Locale;

/**
 * What one user's images may take: the bytes of their stored images
 * ({@code MAX_IMAGE_BYTES_PER_USER}) and their presigned uploads reserved and not yet committed
 * ({@code MAX_PENDING_IMAGE_UPLOADS_PER_USER}). Admins have {@link #NONE}. The usage is counted
 * in DynamoDB in the same transaction as the images, so concurrent uploads cannot overshoot it.
 */
public record ImageQuota(Optional<Long> maxBytes, Optional<Integer> maxPendingUploads) {

    /** 2 GiB of stored images per user. */
    public static final long DEFAULT_MAX_BYTES = 2L * 1024 * 1024 * 1024;
    /** Twenty presigned uploads waiting for their commit per user. */
    public static final int DEFAULT_MAX_PENDING_UPLOADS = 20;
    /** No limit: admins. */
    public static final ImageQuota NONE = new ImageQuota(Optional.empty(), Optional.empty());

    public static ImageQuota of(long maxBytes, int maxPendingUploads) {
        return new ImageQuota(Optional.of(maxBytes), Optional.of(maxPendingUploads));
    }

    /** The limits the deployment sets, or the defaults. */
    public static ImageQuota from(Environment environment) {
        return of(environment.number(Env.MAX_IMAGE_BYTES_PER_USER, DEFAULT_MAX_BYTES),
                (int) environment.number(Env.MAX_PENDING_IMAGE_UPLOADS_PER_USER, DEFAULT_MAX_PENDING_UPLOADS));
    }

    /** These limits for a user; none for an admin. */
    public ImageQuota forCaller(Principal caller) {
        return caller.isAdmin() ? NONE : this;
    }

    /** 413 when {@code bytes} alone exceed the limit (no usage could make room). */
    void checkFits(long bytes) {
        if (maxBytes.isPresent() && bytes > maxBytes.get()) {
            throw tooManyBytes(0, bytes);
        }
    }

    /** 413 when {@code used} stored bytes plus {@code adding} exceed the limit. */
    void checkRoom(long used, long adding) {
        if (maxBytes.isPresent() && used + adding > maxBytes.get()) {
            throw tooManyBytes(used, adding);
        }
    }

    PayloadTooLarge tooManyBytes(long used, long adding) {
        long max = maxBytes.orElseThrow();
        return new PayloadTooLarge("storing " + adding + " more bytes of images would take yours to " + (used + adding)
                + " bytes; the limit is " + max + " bytes (" + mebibytes(max) + ") per user (MAX_IMAGE_BYTES_PER_USER) and "
                + "your images take " + used + " bytes (" + mebibytes(used) + ") now: delete some to make room");
    }

    /** 429 when {@code live} reservations and {@code adding} more exceed the limit; Retry-After until the first expires. */
    void checkPending(Map<String, Instant> live, int adding, Instant now) {
        if (maxPendingUploads.isEmpty() || live.size() + adding <= maxPendingUploads.get()) {
            return;
        }
        Instant first = live.values().stream().min(Instant::compareTo).orElse(now);
        Duration wait = Duration.between(now, first);
        throw new TooManyRequests("reserving " + adding + " more uploads would leave you " + (live.size() + adding)
                + " presigned image uploads pending; the limit is " + maxPendingUploads.get() + " per user "
                + "(MAX_PENDING_IMAGE_UPLOADS_PER_USER) and you have " + live.size() + " pending now: commit them, or "
                + "wait until they expire (the first at " + first + ")",
                wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait);
    }

    private static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
