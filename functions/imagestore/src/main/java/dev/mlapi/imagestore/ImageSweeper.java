package dev.mlapi.imagestore;

import dev.mlapi.core.Wiring;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Removes what the image library left behind: objects {@code images/<id>} with no image record
 * (a crash between an upload's S3 write and its transaction), uploads under
 * {@code images/pending/} with no live reservation, and expired reservations. One listing of the
 * {@code images/} prefix and a batch read of records per 100 keys: cheap enough to run at start-up.
 * In AWS the bucket's lifecycle rule expires {@code images/pending/} as well.
 */
public final class ImageSweeper {

    private static final Logger LOG = LoggerFactory.getLogger(ImageSweeper.class);
    private static final int BATCH = 100;

    /** What one sweep removed. */
    public record Sweep(int orphanedImages, int abandonedUploads, int expiredReservations) {
    }

    private final DynamoDbImageTables tables;
    private final ImageObjects objects;
    private final Clock clock;

    ImageSweeper(DynamoDbImageTables tables, ImageObjects objects, Clock clock) {
        this.tables = tables;
        this.objects = objects;
        this.clock = clock;
    }

    public static ImageSweeper create(Wiring wiring) {
        return ImageLibrary.create(wiring).sweeper();
    }

    /**
     * Sweeps objects last modified at least {@code minAge} ago (younger ones may belong to a write
     * in progress; {@link Duration#ZERO} when nothing writes, as at start-up) and reservations
     * older than {@link PresignedImageUploads#UPLOAD_VALIDITY}.
     */
    public Sweep sweep(Duration minAge) {
        Instant now = clock.instant();
        int expired = 0;
        Optional<String> after = Optional.empty();
        do {
            DynamoDbImageTables.IndexPage page = tables.pendingCreatedBefore(
                    now.minus(PresignedImageUploads.UPLOAD_VALIDITY), after, BATCH);
            for (String key : page.createdKeys()) {
                String id = CreatedKey.imageId(key);
                tables.deletePending(id);
                objects.deletePendingQuietly(id);
                expired++;
            }
            // Page by position, not by re-querying: an index may still show what was just deleted.
            after = page.more() && !page.createdKeys().isEmpty()
                    ? Optional.of(page.createdKeys().get(page.createdKeys().size() - 1))
                    : Optional.empty();
        } while (after.isPresent());
        Instant cutoff = now.minus(minAge);
        List<String> images = new ArrayList<>();
        List<String> uploads = new ArrayList<>();
        objects.listAll().filter(object -> !object.lastModified().isAfter(cutoff)).map(S3Object::key).forEach(key -> {
            Optional<String> image = ImageObjects.imageId(key);
            Optional<String> upload = ImageObjects.uploadId(key);
            image.ifPresent(images::add);
            upload.ifPresent(uploads::add);
            if (image.isEmpty() && upload.isEmpty()) {
                LOG.warn("object {} under the image library's prefix is none of its own; left alone", key);
            }
        });
        int orphaned = 0;
        for (int start = 0; start < images.size(); start += BATCH) {
            List<String> batch = images.subList(start, Math.min(images.size(), start + BATCH));
            Set<String> recorded = new HashSet<>();
            tables.images(batch).forEach(image -> recorded.add(image.id()));
            for (String id : batch) {
                if (!recorded.contains(id)) {
                    objects.deleteQuietly(id);
                    orphaned++;
                }
            }
        }
        int abandoned = 0;
        for (String id : uploads) {
            if (tables.pending(id).isEmpty()) {
                objects.deletePendingQuietly(id);
                abandoned++;
            }
        }
        Sweep sweep = new Sweep(orphaned, abandoned, expired);
        if (orphaned + abandoned + expired > 0) {
            LOG.info("image sweep removed {} objects without a record, {} abandoned uploads, {} expired reservations",
                    orphaned, abandoned, expired);
        }
        return sweep;
    }
}
