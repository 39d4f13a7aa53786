package dev.mlapi.imagestore;

import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.registry.storage.PresignedUploads.Differs;
import dev.mlapi.registry.storage.PresignedUploads.Matches;
import dev.mlapi.registry.storage.PresignedUploads.Readback;
import dev.mlapi.registry.storage.PresignedUploads.SignedPut;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Large images through presigned PUTs, the way datasets and model files are uploaded: the client
 * declares each file's size and sha256 (and the existing tags), gets one upload id and presigned
 * PUT per file (S3 refuses bytes whose sha256 differs), PUTs the bytes, then commits each upload.
 * The commit reads the object back, checks its size and sha256, decodes it with the bounded
 * decoder, then records the image and its tag links in one transaction. A failed check removes the
 * upload and its reservation: nothing is half-written.
 *
 * <p>Uploads land under {@code images/pending/}, which the bucket's lifecycle rule expires (and
 * {@link ImageSweeper} cleans where there is no lifecycle); a committed upload is copied to
 * {@code images/<id>} inside S3 and the pending object deleted.
 */
public final class PresignedImageUploads {

    /** How long an upload URL works; a commit after this is refused (409). */
    public static final Duration UPLOAD_VALIDITY = Duration.ofHours(1);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    /**
     * What a presigned upload may be.
     *
     * @param maxBytes per file (read back whole and decoded by the images function)
     * @param maxFiles per request
     */
    public record Limits(long maxBytes, int maxFiles) {
        /** 50 MB a file (the multipart limit is the 6 MB request), 20 files a request. */
        public static final Limits DEFAULT = new Limits(50L * 1024 * 1024, 20);
    }

    /** One file as the client declares it; {@code contentType} is checked to be an image type, never stored. */
    public record DeclaredFile(String name, Long size, String sha256, String contentType) {
    }

    /** {@code POST /images} (JSON)'s 202: one upload per declared file, in order. */
    public record Reservation(String status, Instant expiresAt, List<Upload> uploads) {
    }

    /** Where to PUT one file (sending exactly {@code headers}) and where to commit it. */
    public record Upload(String uploadId, String file, long size, String method, URI url, Map<String, String> headers,
            Instant expiresAt, String commitUrl) {
    }

    /** A committed image; {@code created} false when an earlier commit of the same upload made it. */
    public record Committed(ImageView image, boolean created) {
    }

    private final ImageLibrary library;
    private final DynamoDbImageTables tables;
    private final ImageObjects objects;
    private final ImageSniffer sniffer;
    private final Clock clock;
    private final Limits limits;

    PresignedImageUploads(ImageLibrary library, DynamoDbImageTables tables, ImageObjects objects, ImageSniffer sniffer,
            Clock clock, Limits limits) {
        this.library = library;
        this.tables = tables;
        this.objects = objects;
        this.sniffer = sniffer;
        this.clock = clock;
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Reserves one upload per file, after checking every declaration and that every tag exists
     * (400 naming what is wrong, 413 for a file over the size limit or more bytes than the caller's
     * quota has room for, 429 when they would have more reservations pending than their quota
     * allows): nothing is reserved or presigned unless all are good.
     */
    public Reservation reserve(Principal caller, List<DeclaredFile> files, List<String> tagNames) {
        if (files == null || files.isEmpty()) {
            throw InvalidInput.field("files", "declare at least one file: [{\"name\", \"size\", \"sha256\"}]");
        }
        if (files.size() > limits.maxFiles()) {
            throw InvalidInput.field("files", "at most " + limits.maxFiles() + " files per request, got " + files.size());
        }
        List<DeclaredFile> checked = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            checked.add(check("files[" + i + "]", files.get(i)));
        }
        Set<String> tagIds = new TreeSet<>();
        library.existingTags(caller, "tags", tagNames).values().forEach(tag -> tagIds.add(tag.id()));
        ImageQuota quota = library.quota().forCaller(caller);
        quota.checkRoom(tables.usage(caller.username()).storedBytes(),
                checked.stream().mapToLong(DeclaredFile::size).sum());
        Instant now = clock.instant();
        Instant expiresAt = now.plus(UPLOAD_VALIDITY);
        List<PendingImage> reservations = new ArrayList<>();
        for (DeclaredFile file : checked) {
            reservations.add(new PendingImage(UUID.randomUUID().toString(), caller.username(), file.name(), file.size(),
                    file.sha256(), tagIds, now, expiresAt));
        }
        tables.reserve(reservations, quota, now);
        List<Upload> uploads = new ArrayList<>();
        for (PendingImage reserved : reservations) {
            String id = reserved.uploadId();
            SignedPut put = objects.presignUpload(reserved, UPLOAD_VALIDITY);
            uploads.add(new Upload(id, reserved.filename(), reserved.size(), "PUT", put.url(), put.headers(), expiresAt,
                    "/images/uploads/" + id + "/commit"));
        }
        return new Reservation("pending", expiresAt, uploads);
    }

    /**
     * Verifies upload {@code uploadId} (size, sha256, an image) and records it as an image with
     * the reserved tags. Idempotent: committing a committed upload answers its image. 404 for an
     * unknown upload or another user's; 400 when nothing was uploaded yet (the reservation stays);
     * 409 when it expired; 400/413/422 when the bytes differ or are not an image (the upload and
     * its reservation are removed: reserve again).
     */
    public Committed commit(Principal caller, String uploadId) {
        if (uploadId == null || !ImageLibrary.isImageId(uploadId)) {
            throw InvalidInput.field("upload_id", "is not an upload id (a lower-case UUID)");
        }
        Optional<PendingImage> found = tables.pending(uploadId)
                .filter(p -> caller.isAdmin() || p.owner().equals(caller.username()));
        if (found.isEmpty()) {
            return tables.image(uploadId).filter(image -> caller.isAdmin() || image.owner().equals(caller.username()))
                    .map(image -> new Committed(library.view(image), false))
                    .orElseThrow(() -> new NotFound("no upload " + uploadId));
        }
        PendingImage pending = found.get();
        String what = "upload " + uploadId + " (" + pending.filename() + ")";
        if (pending.isExpired(clock.instant())) {
            discard(pending);
            throw new Conflict(what + " expired at " + pending.expiresAt() + "; reserve a new one with POST /images");
        }
        Readback back = objects.readBack(pending);
        if (back instanceof Differs differs) {
            discard(pending);
            throw InvalidInput.field("upload_id", what + " has " + differs.size() + " bytes"
                    + differs.sha256().map(sha256 -> " and sha256 " + sha256).orElse("") + "; " + pending.size()
                    + " bytes and sha256 " + pending.sha256() + " were declared. It was removed: reserve and upload again");
        }
        if (!(back instanceof Matches matches)) {
            throw InvalidInput.field("upload_id", what + " has not been uploaded yet; PUT the file to its url first");
        }
        NewImage image;
        try {
            image = sniffer.sniff(what, pending.filename(), matches.data().orElseThrow());
        } catch (ApiException e) {
            discard(pending);
            throw e;
        }
        StoredImage record = new StoredImage(uploadId, pending.owner(), pending.filename(), image.contentType(),
                matches.size(), image.width(), image.height(), pending.sha256(), Optional.empty(), pending.tagIds(),
                List.of(), clock.instant(), 1);
        objects.copyPendingToImage(uploadId, uploadId, image.contentType());
        try {
            tables.commit(record, library.quota().forCaller(caller));
        } catch (RuntimeException e) {
            Optional<StoredImage> raced = tables.image(uploadId);
            if (raced.isPresent()) {
                objects.deletePendingQuietly(uploadId);
                return new Committed(library.view(raced.get()), false);
            }
            objects.deleteQuietly(uploadId);
            if (e instanceof Conflict) {
                // A tag was deleted since the reservation: this upload can never commit as reserved.
                discard(pending);
            }
            throw e;
        }
        objects.deletePendingQuietly(uploadId);
        return new Committed(library.view(record), true);
    }

    private DeclaredFile check(String field, DeclaredFile file) {
        if (file == null) {
            throw InvalidInput.field(field, "must be an object {\"name\", \"size\", \"sha256\"}");
        }
        String name = ImageSniffer.filename(file.name() == null ? "" : file.name());
        if (file.size() == null || file.size() < 1) {
            throw InvalidInput.field(field + ".size", "is required: the file's size in bytes (at least 1)");
        }
        if (file.size() > limits.maxBytes()) {
            throw new PayloadTooLarge(field + " (" + name + ") declares " + file.size() + " bytes; the limit is "
                    + limits.maxBytes() + " bytes (" + limits.maxBytes() / (1024 * 1024) + " MB) per file");
        }
        if (file.sha256() == null || !SHA256.matcher(file.sha256()).matches()) {
            throw InvalidInput.field(field + ".sha256", "is required: the file's SHA-256 as 64 hex digits");
        }
        if (file.contentType() != null && !file.contentType().toLowerCase(Locale.ROOT).startsWith("image/")) {
            throw InvalidInput.field(field + ".content_type", "must be an image type such as image/jpeg, got '"
                    + file.contentType() + "' (the stored type is sniffed from the bytes in any case)");
        }
        return new DeclaredFile(name, file.size(), file.sha256().toLowerCase(Locale.ROOT), file.contentType());
    }

    /** Removes a failed upload: its object and its reservation. */
    private void discard(PendingImage pending) {
        objects.deletePendingQuietly(pending.uploadId());
        tables.deletePending(pending.uploadId());
        tables.releasePending(pending.owner(), pending.uploadId());
    }
}
