package dev.mlapi.registry;

import static dev.mlapi.registry.RegistryKeys.claimKey;
import static dev.mlapi.registry.RegistryKeys.fileKey;
import static dev.mlapi.registry.RegistryKeys.manifestKey;
import static dev.mlapi.registry.RegistryKeys.pendingKey;

import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.RegistryDocuments.ManifestDocument;
import dev.mlapi.registry.RegistryDocuments.PendingDocument;
import dev.mlapi.registry.RegistryDocuments.RegistrationDocument;
import dev.mlapi.registry.RegistryKeys.Kind;
import dev.mlapi.registry.storage.PresignedUploads;
import dev.mlapi.registry.storage.PresignedUploads.DeclaredObject;
import dev.mlapi.registry.storage.PresignedUploads.Differs;
import dev.mlapi.registry.storage.PresignedUploads.Matches;
import dev.mlapi.registry.storage.PresignedUploads.Readback;
import dev.mlapi.registry.storage.PresignedUploads.SignedPut;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Versions uploaded through presigned URLs: reserve (claim a number, write {@code pending/{v}.json}
 * with the declared files and an expiry, presign a PUT per file), commit (read every file back,
 * check size and sha256, write the manifest, delete the pending document), and the pending
 * uploads of a model, of which expired ones are discarded when met: nobody can finish them.
 */
final class ModelUploads {

    private static final Logger LOG = LoggerFactory.getLogger(ModelUploads.class);

    private final RegistryObjects objects;
    private final ModelClaims claims;
    private final PresignedUploads uploads;
    private final Clock clock;
    private final Duration uploadValidity;

    ModelUploads(RegistryObjects objects, ModelClaims claims, Clock clock, Duration uploadValidity) {
        this.objects = objects;
        this.claims = claims;
        this.uploads = new PresignedUploads(objects.bucket());
        this.clock = clock;
        this.uploadValidity = uploadValidity;
    }

    PendingUpload reserve(ModelRegistration registration, List<FileEntry> files) {
        ManifestFactory.checkFiles(registration, files);
        String name = registration.name();
        purgeExpiredUploads(name);
        claims.claimOwner(name, registration.createdBy());
        Instant now = clock.instant();
        Instant expiresAt = now.plus(uploadValidity);
        int version = claims.allocate(name, registration.createdBy(), "upload");
        try {
            PendingDocument pending = new PendingDocument(RegistryDocuments.FORMAT, name, version,
                    RegistrationDocument.of(registration), files, now, expiresAt);
            objects.put(pendingKey(name, version), RegistryDocuments.write(pending));
            List<PendingUpload.UploadUrl> urls = new ArrayList<>();
            for (FileEntry file : files) {
                SignedPut put = uploads.presign(declared(name, version, file), Duration.between(now, expiresAt));
                urls.add(new PendingUpload.UploadUrl(file.name(), "PUT", put.url(), put.headers()));
            }
            LOG.info("reserved model {}:{} for an upload of {} files by {}", name, version, files.size(),
                    registration.createdBy());
            return new PendingUpload(name, version, expiresAt, urls);
        } catch (RuntimeException e) {
            objects.discard(name, version);
            throw e;
        }
    }

    Manifest commit(String name, int version) {
        ModelRef.requireName("name", name);
        Optional<Manifest> committed = objects.manifest(name, version);
        if (committed.isPresent()) {
            return committed.get();
        }
        PendingDocument pending = objects.pendingDocument(name, version).orElseThrow(() -> notPending(name, version));
        if (PresignedUploads.isExpired(pending.expiresAt(), clock.instant())) {
            objects.discard(name, version);
            throw new Conflict("the upload of '" + name + ":" + version + "' expired at " + pending.expiresAt()
                    + " and was discarded; start a new upload");
        }
        ModelRegistration registration = pending.registration().toRegistration(name);
        Map<String, byte[]> contents = verifyUploads(name, version, pending.files(),
                ManifestFactory.filesToRead(registration, pending.files()));
        Manifest manifest;
        try {
            manifest = ManifestFactory.build(registration, version, pending.files(),
                    n -> Optional.ofNullable(contents.get(n)), clock.instant());
        } catch (InvalidInput e) {
            objects.discard(name, version);
            throw new InvalidInput(e.detail() + "; the upload of version " + version + " was discarded", e.errors());
        }
        if (!objects.putIfAbsent(manifestKey(name, version), RegistryDocuments.write(ManifestDocument.of(manifest)))) {
            // A concurrent commit of the same version won; answer with its manifest.
            return objects.manifest(name, version).orElseThrow(() -> notPending(name, version));
        }
        if (objects.pendingDocument(name, version).isEmpty()) {
            // Deleted while we verified: the delete wins, so take the manifest back.
            objects.bucket().delete(manifestKey(name, version));
            throw new Conflict("'" + name + ":" + version + "' was deleted while it was being committed");
        }
        objects.bucket().delete(pendingKey(name, version));
        LOG.info("committed model {}:{}", name, version);
        return manifest;
    }

    /** The live uploads of {@code name}; an expired one is discarded on the way. */
    List<PendingVersion> pendingVersions(String name) {
        ModelRef.requireName("name", name);
        List<PendingVersion> pending = new ArrayList<>();
        for (RegistryObjects.Listed listed : objects.listed(name, Kind.PENDING)) {
            Optional<PendingDocument> document = objects.pendingDocument(name, listed.key().version());
            if (document.isPresent() && isExpired(document.get())) {
                // Its URLs expired: nobody can finish this upload any more, so it goes now.
                objects.discard(name, listed.key().version());
                LOG.info("discarded the expired upload of model {}:{}", name, listed.key().version());
            } else {
                document.map(PendingDocument::toPendingVersion).ifPresent(pending::add);
            }
        }
        return pending;
    }

    /** Whether a pending upload expired: its URLs no longer work and nobody can commit it. */
    boolean isExpired(PendingDocument pending) {
        return PresignedUploads.isExpired(pending.expiresAt(), clock.instant());
    }

    /** Discards pending uploads of {@code name} that expired, so abandoned uploads do not pile up. */
    private void purgeExpiredUploads(String name) {
        try {
            Instant now = clock.instant();
            for (RegistryObjects.Listed listed : objects.listed(name, Kind.PENDING)) {
                S3Object object = listed.object();
                if (object.lastModified() != null && object.lastModified().plus(uploadValidity).isAfter(now)) {
                    continue;
                }
                objects.pendingDocument(name, listed.key().version())
                        .filter(this::isExpired)
                        .ifPresent(p -> objects.discard(name, p.version()));
            }
        } catch (RuntimeException e) {
            LOG.warn("could not purge expired uploads of {}", name, e);
        }
    }

    /**
     * Checks every uploaded file's size and sha256; the ones that differ are deleted (their URLs
     * can upload them again) and a 400 lists every problem.
     *
     * @return the bytes of the files in {@code keep}
     */
    private Map<String, byte[]> verifyUploads(String name, int version, List<FileEntry> files, Set<String> keep) {
        Map<String, byte[]> kept = new HashMap<>();
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            FileEntry file = files.get(i);
            String field = "files[" + i + "]";
            Readback readback = uploads.readBack(declared(name, version, file), keep.contains(file.name()));
            if (readback instanceof Matches matches) {
                matches.data().ifPresent(data -> kept.put(file.name(), data));
            } else if (readback instanceof Differs differs && differs.size() != file.size()) {
                errors.add(new FieldError(field, "'" + file.name() + "' has " + differs.size() + " bytes, "
                        + file.size() + " were declared; upload it again"));
            } else if (readback instanceof Differs differs) {
                errors.add(new FieldError(field, "'" + file.name() + "' has sha256 " + differs.sha256().orElse("")
                        + ", " + file.sha256() + " was declared; upload it again"));
            } else {
                errors.add(new FieldError(field, "'" + file.name() + "' has not been uploaded"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInput(errors.size() + " of " + files.size() + " files of '" + name + ":" + version
                    + "' failed verification; nothing was committed. Upload them to their URLs and commit again",
                    errors);
        }
        return kept;
    }

    private static DeclaredObject declared(String name, int version, FileEntry file) {
        return new DeclaredObject(fileKey(name, version, file.name()), file.size(), file.sha256());
    }

    private NotFound notPending(String name, int version) {
        boolean claimed = objects.bucket().exists(claimKey(name, version));
        return new NotFound("model '" + name + ":" + version + "' not found" + (claimed
                ? ": the version was deleted, discarded or never committed; start a new upload" : ""));
    }
}
