package dev.mlapi.train;

import java.time.Instant;
import java.util.Optional;

/**
 * A CSV uploaded for training: reserved ({@code pending}) with its declared size and sha256,
 * {@code ready} once its upload was verified.
 *
 * @param objectKey where the CSV is in the bucket
 * @param expiresAt a pending dataset's upload deadline
 * @param counted   whether its size (and, while pending, its reservation) counts in its owner's usage
 *                  (every dataset reserved since quotas)
 */
public record TrainingDataset(String id, String owner, String name, long size, String sha256, String status,
        String objectKey, Instant createdAt, Optional<Instant> expiresAt, boolean counted) {

    /** A dataset from before quotas: not counted. */
    public TrainingDataset(String id, String owner, String name, long size, String sha256, String status,
            String objectKey, Instant createdAt, Optional<Instant> expiresAt) {
        this(id, owner, name, size, sha256, status, objectKey, createdAt, expiresAt, false);
    }

    public static final String PENDING = "pending";
    public static final String READY = "ready";

    public boolean isReady() {
        return READY.equals(status);
    }
}
