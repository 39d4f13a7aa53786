package dev.mlapi.registry;

import static dev.mlapi.registry.RegistryKeys.ROOT;
import static dev.mlapi.registry.RegistryKeys.aliasChangeKey;
import static dev.mlapi.registry.RegistryKeys.aliasKey;
import static dev.mlapi.registry.RegistryKeys.aliasesFolder;
import static dev.mlapi.registry.RegistryKeys.claimKey;
import static dev.mlapi.registry.RegistryKeys.claimsFolder;
import static dev.mlapi.registry.RegistryKeys.fileKey;
import static dev.mlapi.registry.RegistryKeys.filesFolder;
import static dev.mlapi.registry.RegistryKeys.manifestKey;
import static dev.mlapi.registry.RegistryKeys.manifestsFolder;
import static dev.mlapi.registry.RegistryKeys.modelFolder;
import static dev.mlapi.registry.RegistryKeys.ownerKey;
import static dev.mlapi.registry.RegistryKeys.pendingFolder;
import static dev.mlapi.registry.RegistryKeys.pendingKey;
import static dev.mlapi.registry.S3Errors.call;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.page.Page;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.RegistryKeys.Kind;
import dev.mlapi.registry.RegistryKeys.Parsed;
import dev.mlapi.registry.RegistryDocuments.AliasDocument;
import dev.mlapi.registry.RegistryDocuments.ClaimDocument;
import dev.mlapi.registry.RegistryDocuments.ManifestDocument;
import dev.mlapi.registry.RegistryDocuments.OwnerDocument;
import dev.mlapi.registry.RegistryDocuments.PendingDocument;
import dev.mlapi.registry.RegistryDocuments.RegistrationDocument;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * The model registry on one S3 bucket (S3Proxy locally): {@link ModelRegistryWriter} and
 * {@link ModelCatalog} with conditional writes as the only concurrency control — no bucket
 * versioning, no database, no locks.
 *
 * <h2>Key layout</h2>
 * <pre>
 * models/{name}/owner.json              who the name belongs to: created once with If-None-Match: * by the
 *                                        first registration, upload or training job, never replaced.
 * models/{name}/claims/{v}               version claim, created with If-None-Match: * — the atomic allocation.
 *                                        Never deleted, so a number is never given out twice.
 * models/{name}/pending/{v}.json         a presigned upload waiting for its commit: registration,
 *                                        declared files (name, size, sha256), expiry.
 * models/{name}/files/{v}/{file}         the version's files: the ONNX graph and its artifacts.
 * models/{name}/manifests/{v}.json       the manifest, written last with If-None-Match: *. Its existence is
 *                                        what makes a version resolvable.
 * models/{name}/aliases/{alias}.json     {"version": 3, "previous_version": 2, "updated_at": …, "updated_by": …,
 *                                        "canary": {"version": 4, "weight": 10, "since": …}, "change": 7}
 * models/{name}/alias-changes/{alias}/{n}.json  the n-th change of the alias (the same document), created with
 *                                        If-None-Match: * before the alias document is written: the numbering
 *                                        makes concurrent changes apply one after the other.
 * </pre>
 * {@code {v}} is the version zero-padded to ten digits, so that key order is version order;
 * names follow {@link ModelRef#NAME} and file names {@link ModelFile#FILE_NAME}, so no key can
 * escape its model's prefix. Listings read only keys of this layout ({@link RegistryKeys#parse});
 * anything else (a killed store's {@code <key>-<uuid>} temporary file, an object put by hand) is
 * ignored and reported once, and {@link #cleanUp(Duration)} removes what crashes left behind.
 *
 * <h2>Protocols</h2>
 * <ul>
 * <li>Ownership: the first writer of a name creates {@code owner.json} with If-None-Match: *; a
 * concurrent claim gets 412 and reads the winner. Registrations and uploads claim the name for
 * their creator before taking a version number; a name from before owner records is claimed for
 * the creator of its oldest committed version.</li>
 * <li>Allocation: list {@code claims/}, try to create the claim of the next number with
 * If-None-Match: *; on 412 (or 409, a concurrent conditional write) try the number after.</li>
 * <li>Direct registration: validate everything in memory, claim, write the files, write the
 * manifest. On any failure the files and the manifest are deleted; the claim stays as a gap.</li>
 * <li>Presigned registration: claim, write {@code pending/}, hand out PUT URLs that sign the
 * file's {@code x-amz-checksum-sha256}, so storage refuses other bytes. Commit re-reads every
 * file, checks size and sha256, writes the manifest, deletes {@code pending/}.</li>
 * <li>Alias and delete check each other after writing: setting an alias re-checks that the
 * version still exists, deleting a version re-checks that no alias appeared, and each undoes
 * its own write on a lost race, so no alias is left pointing at a deleted version.</li>
 * </ul>
 * Every SDK failure becomes an {@link ApiException} through {@link S3Errors}.
 */
public final class S3ModelRegistry implements ModelRegistryWriter, ModelCatalog {

    public static final Duration DEFAULT_UPLOAD_VALIDITY = Duration.ofHours(1);

    private static final Logger LOG = LoggerFactory.getLogger(S3ModelRegistry.class);
    private static final int MAX_ALLOCATION_ATTEMPTS = 100;
    /** A numbered alias change whose document is still unwritten after this long died: others finish it. */
    private static final Duration ALIAS_CHANGE_STALE = Duration.ofSeconds(5);
    /** Reads of an alias being changed by others, at most (about 20 ms apart): a bound even under a frozen clock. */
    private static final int MAX_ALIAS_ATTEMPTS = 1000;
    private static final String JSON = "application/json";

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final Clock clock;
    private final Duration uploadValidity;
    private final StrayKeys strayKeys;

    public S3ModelRegistry(S3Client s3, S3Presigner presigner, String bucket, Clock clock, Duration uploadValidity) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
        this.clock = clock;
        this.uploadValidity = uploadValidity;
        this.strayKeys = new StrayKeys(bucket);
    }

    /** The registry in the settings' bucket, with clients built once per container (see {@link S3Clients}). */
    public static S3ModelRegistry create(RegistrySettings settings, S3Client s3, S3Presigner presigner, Clock clock) {
        return new S3ModelRegistry(s3, presigner, settings.bucket(), clock, DEFAULT_UPLOAD_VALIDITY);
    }

    /** The registry in the settings' bucket, with S3 clients of its own. */
    public static S3ModelRegistry create(RegistrySettings settings, Clock clock) {
        return create(settings, S3Clients.s3(settings), S3Clients.presigner(settings), clock);
    }

    // ---------------------------------------------------------------- reading

    @Override
    public Manifest resolve(ModelRef ref) {
        String name = ref.name();
        if (ref.version().isPresent()) {
            return manifest(name, ref.version().getAsInt())
                    .orElseThrow(() -> new NotFound("model '" + ref + "' not found"));
        }
        if (ref.alias().isPresent()) {
            AliasDocument alias = aliasDocument(name, ref.alias().get())
                    .orElseThrow(() -> new NotFound("model '" + ref + "' not found: '" + name + "' has no alias '"
                            + ref.alias().get() + "'"));
            return manifest(name, alias.version())
                    .orElseThrow(() -> new NotFound("model '" + ref + "' not found: the alias points at version "
                            + alias.version() + ", which does not exist"));
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            OptionalInt latest = latestVersion(name);
            if (latest.isEmpty()) {
                break;
            }
            Optional<Manifest> manifest = manifest(name, latest.getAsInt());
            if (manifest.isPresent()) {
                return manifest.get();
            }
            // Deleted between the listing and the read: look again.
        }
        throw new NotFound("model '" + ref + "' not found");
    }

    /** As {@link #resolve}; an alias with a canary routes to both of its versions. */
    @Override
    public ModelRoute route(ModelRef ref) {
        if (ref.alias().isEmpty()) {
            return ModelRoute.of(resolve(ref));
        }
        String name = ref.name();
        AliasDocument alias = aliasDocument(name, ref.alias().get())
                .orElseThrow(() -> new NotFound("model '" + ref + "' not found: '" + name + "' has no alias '"
                        + ref.alias().get() + "'"));
        Manifest stable = manifest(name, alias.version())
                .orElseThrow(() -> new NotFound("model '" + ref + "' not found: the alias points at version "
                        + alias.version() + ", which does not exist"));
        // A canary deleted under the alias (deleting refuses that; a hand edit might not) serves nothing.
        ModelRoute route = alias.canary() == null ? ModelRoute.of(stable) : manifest(name, alias.canary().version())
                .map(canary -> new ModelRoute(stable, Optional.of(canary), alias.canary().weight()))
                .orElseGet(() -> ModelRoute.of(stable));
        return alias.shadow() == null ? route : route.withShadow(manifest(name, alias.shadow().version()));
    }

    /** A HEAD of the version's manifest: no read, no parse. */
    @Override
    public boolean isRegistered(String name, int version) {
        return exists(manifestKey(ModelRef.requireName("model", name), version));
    }

    @Override
    public byte[] readFile(Manifest manifest, String fileName) {
        FileEntry entry = manifest.files().stream().filter(f -> f.name().equals(fileName)).findFirst()
                .orElseThrow(() -> new NotFound("model '" + manifest.ref() + "' has no file '" + fileName + "'"));
        String key = fileKey(manifest.name(), manifest.version(), entry.name());
        byte[] data = getBytes(key)
                .orElseThrow(() -> new NotFound("file '" + fileName + "' of model '" + manifest.ref()
                        + "' is no longer stored"));
        String actual = ModelFile.sha256Hex(data);
        if (data.length != entry.size() || !actual.equals(entry.sha256())) {
            LOG.error("integrity check failed for s3://{}/{}: {} bytes sha256 {}, manifest says {} bytes sha256 {}",
                    bucket, key, data.length, actual, entry.size(), entry.sha256());
            throw new ServiceUnavailable("file '" + fileName + "' of model '" + manifest.ref()
                    + "' failed its sha256 check; the stored copy is corrupt");
        }
        return data;
    }

    @Override
    public Page<ModelSummary> listModels(int limit, Optional<String> cursor) {
        // '0' is the character right after '/', so this starts after every key of the cursor's model.
        String startAfter = cursor.map(c -> ROOT + decodeCursor(c) + "0").orElse(null);
        ListObjectsV2Response page = call("listing models", () -> s3.listObjectsV2(ListObjectsV2Request.builder()
                .bucket(bucket).prefix(ROOT).delimiter("/").maxKeys(limit).startAfter(startAfter).build()));
        page.contents().forEach(object -> strayKeys.report(object.key()));
        List<String> names = page.commonPrefixes().stream()
                .map(p -> p.prefix().substring(ROOT.length(), p.prefix().length() - 1))
                .toList();
        List<ModelSummary> items = new ArrayList<>();
        for (String name : names) {
            if (!isName(name)) {
                strayKeys.report(ROOT + name + "/");
                continue;
            }
            OptionalInt latest = latestVersion(name);
            if (latest.isPresent()) {
                Map<String, Integer> aliases = new LinkedHashMap<>();
                aliases(name).forEach(a -> aliases.put(a.alias(), a.version()));
                items.add(new ModelSummary(name, latest.getAsInt(), aliases));
            }
        }
        Optional<String> next = Boolean.TRUE.equals(page.isTruncated()) && !names.isEmpty()
                ? Optional.of(encodeCursor(names.get(names.size() - 1)))
                : Optional.empty();
        return new Page<>(items, next);
    }

    @Override
    public Page<Manifest> versions(String name, int limit, Optional<String> cursor) {
        ModelRef.requireName("name", name);
        int before = cursor.map(c -> ModelRef.parseVersion("cursor", c)).orElse(Integer.MAX_VALUE);
        List<Integer> all = versionsOf(name, Kind.MANIFEST);
        if (all.isEmpty() && versionsOf(name, Kind.PENDING).isEmpty()) {
            throw new NotFound("model '" + name + "' not found");
        }
        List<Integer> newestFirst = all.stream().sorted((a, b) -> Integer.compare(b, a)).filter(v -> v < before)
                .toList();
        List<Integer> page = newestFirst.stream().limit(limit).toList();
        List<Manifest> manifests = page.stream().map(v -> manifest(name, v)).flatMap(Optional::stream).toList();
        Optional<String> next = newestFirst.size() > page.size()
                ? Optional.of(String.valueOf(page.get(page.size() - 1)))
                : Optional.empty();
        return new Page<>(manifests, next);
    }

    @Override
    public List<ModelAlias> aliases(String name) {
        ModelRef.requireName("name", name);
        List<ModelAlias> aliases = new ArrayList<>();
        for (Listed listed : listed(name, Kind.ALIAS)) {
            aliasDocument(name, listed.key().item()).map(AliasDocument::toAlias).ifPresent(aliases::add);
        }
        return aliases;
    }

    @Override
    public List<PendingVersion> pendingVersions(String name) {
        ModelRef.requireName("name", name);
        List<PendingVersion> pending = new ArrayList<>();
        Instant now = clock.instant();
        for (Listed listed : listed(name, Kind.PENDING)) {
            Optional<PendingDocument> document = pendingDocument(name, listed.key().version());
            if (document.isPresent() && now.isAfter(document.get().expiresAt())) {
                // Its URLs expired: nobody can finish this upload any more, so it goes now.
                discard(name, listed.key().version());
                LOG.info("discarded the expired upload of model {}:{}", name, listed.key().version());
            } else {
                document.map(PendingDocument::toPendingVersion).ifPresent(pending::add);
            }
        }
        return pending;
    }

    @Override
    public List<DownloadUrl> downloadUrls(Manifest manifest, Duration validFor) {
        List<DownloadUrl> urls = new ArrayList<>();
        for (FileEntry file : manifest.files()) {
            String key = fileKey(manifest.name(), manifest.version(), file.name());
            PresignedGetObjectRequest presigned = call("presigning a download", () -> presigner.presignGetObject(
                    r -> r.signatureDuration(validFor).getObjectRequest(g -> g.bucket(bucket).key(key))));
            urls.add(new DownloadUrl(file.name(), uri(presigned.url()), presigned.expiration()));
        }
        return urls;
    }

    // ---------------------------------------------------------------- writing

    @Override
    public Manifest register(ModelRegistration registration, List<ModelFile> files) {
        Map<String, byte[]> contents = new HashMap<>();
        files.forEach(f -> contents.put(f.name(), f.data()));
        List<FileEntry> entries = files.stream().map(ModelFile::entry).toList();
        Manifest draft = ManifestFactory.build(registration, 0, entries,
                n -> Optional.ofNullable(contents.get(n)), clock.instant());
        String name = registration.name();
        claimOwner(name, registration.createdBy());
        int version = allocate(name, registration.createdBy(), "direct");
        try {
            for (ModelFile file : files) {
                String key = fileKey(name, version, file.name());
                call("storing " + file.name(), () -> s3.putObject(r -> r.bucket(bucket).key(key)
                        .checksumSHA256(base64(file.sha256())), RequestBody.fromBytes(file.data())));
            }
            Manifest manifest = ManifestFactory.withVersion(draft, version, clock.instant());
            if (!putIfAbsent(manifestKey(name, version), RegistryDocuments.write(ManifestDocument.of(manifest)))) {
                throw new IllegalStateException("the manifest of the freshly claimed " + name + ":" + version + " exists");
            }
            LOG.info("registered model {}:{} ({} files) for {}", name, version, files.size(), registration.createdBy());
            return manifest;
        } catch (RuntimeException e) {
            discard(name, version);
            throw e;
        }
    }

    @Override
    public PendingUpload reserve(ModelRegistration registration, List<FileEntry> files) {
        ManifestFactory.checkFiles(registration, files);
        String name = registration.name();
        purgeExpiredUploads(name);
        claimOwner(name, registration.createdBy());
        Instant now = clock.instant();
        Instant expiresAt = now.plus(uploadValidity);
        int version = allocate(name, registration.createdBy(), "upload");
        try {
            PendingDocument pending = new PendingDocument(RegistryDocuments.FORMAT, name, version,
                    RegistrationDocument.of(registration), files, now, expiresAt);
            put(pendingKey(name, version), RegistryDocuments.write(pending));
            List<PendingUpload.UploadUrl> uploads = new ArrayList<>();
            for (FileEntry file : files) {
                uploads.add(presignUpload(name, version, file, Duration.between(now, expiresAt)));
            }
            LOG.info("reserved model {}:{} for an upload of {} files by {}", name, version, files.size(),
                    registration.createdBy());
            return new PendingUpload(name, version, expiresAt, uploads);
        } catch (RuntimeException e) {
            discard(name, version);
            throw e;
        }
    }

    @Override
    public Manifest commit(String name, int version) {
        ModelRef.requireName("name", name);
        Optional<Manifest> committed = manifest(name, version);
        if (committed.isPresent()) {
            return committed.get();
        }
        PendingDocument pending = pendingDocument(name, version).orElseThrow(() -> notPending(name, version));
        if (clock.instant().isAfter(pending.expiresAt())) {
            discard(name, version);
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
            discard(name, version);
            throw new InvalidInput(e.detail() + "; the upload of version " + version + " was discarded", e.errors());
        }
        if (!putIfAbsent(manifestKey(name, version), RegistryDocuments.write(ManifestDocument.of(manifest)))) {
            // A concurrent commit of the same version won; answer with its manifest.
            return manifest(name, version).orElseThrow(() -> notPending(name, version));
        }
        if (pendingDocument(name, version).isEmpty()) {
            // Deleted while we verified: the delete wins, so take the manifest back.
            delete(manifestKey(name, version));
            throw new Conflict("'" + name + ":" + version + "' was deleted while it was being committed");
        }
        delete(pendingKey(name, version));
        LOG.info("committed model {}:{}", name, version);
        return manifest;
    }

    @Override
    public Optional<String> owner(String name) {
        ModelRef.requireName("name", name);
        return ownerDocument(name).map(OwnerDocument::owner).or(() -> oldestCreator(name));
    }

    @Override
    public String claimOwner(String name, String user) {
        ModelRef.requireName("name", name);
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<OwnerDocument> existing = ownerDocument(name);
            if (existing.isPresent()) {
                return existing.get().owner();
            }
            String owner = oldestCreator(name).orElse(user);
            byte[] document = RegistryDocuments.write(new OwnerDocument(RegistryDocuments.FORMAT, name, owner,
                    clock.instant(), UUID.randomUUID().toString()));
            if (putIfAbsent(ownerKey(name), document)) {
                LOG.info("model name {} belongs to {}", name, owner);
                return owner;
            }
            // Another claim got there first (or is being written): read who won.
        }
        return ownerDocument(name).map(OwnerDocument::owner).orElseThrow(() -> new ServiceUnavailable(
                "could not settle who owns model name '" + name + "'; too many concurrent claims, retry"));
    }

    /** The creator of the oldest committed version: the owner of a name from before owner records. */
    private Optional<String> oldestCreator(String name) {
        for (int version : versionsOf(name, Kind.MANIFEST)) {
            Optional<Manifest> manifest = manifest(name, version);
            if (manifest.isPresent()) {
                return Optional.of(manifest.get().createdBy());
            }
            // Deleted between the listing and the read: the next one is the oldest.
        }
        return Optional.empty();
    }

    /**
     * Changes are numbered: a change that read the document of change {@code n} first creates the
     * record of change {@code n + 1} with If-None-Match: * (so of concurrent changes exactly one
     * takes each number), then writes the alias document. A change that finds record {@code n + 1}
     * already taken waits for its document (or, when its writer died before writing it, writes it
     * itself after {@link #ALIAS_CHANGE_STALE}) and reads again: changes apply one after the other,
     * each replacing the document it read.
     */
    @Override
    public ModelAlias setAlias(String name, String alias, AliasTarget target, String updatedBy) {
        ModelRef.requireName("name", name);
        ModelRef.requireName("alias", alias);
        int version = target.version();
        String manifestKey = manifestKey(name, version);
        Manifest stable = manifest(name, version)
                .orElseThrow(() -> new NotFound("model '" + name + ":" + version + "' not found"));
        target.canary().ifPresent(canary -> requireCanary(stable, canary));
        AliasSettings.requireShadow(stable, target, v -> manifest(name, v));
        String key = aliasKey(name, alias);
        Instant deadline = clock.instant().plus(ALIAS_CHANGE_STALE.multipliedBy(3));
        for (int attempt = 1; ; attempt++) {
            Optional<AliasDocument> previous = aliasDocument(name, alias);
            int change = previous.map(AliasDocument::changeNumber).orElse(0) + 1;
            String changeKey = aliasChangeKey(name, alias, change);
            Instant now = clock.instant();
            if (now.isAfter(deadline) || attempt > MAX_ALIAS_ATTEMPTS) {
                throw new Conflict("alias '" + name + "@" + alias + "' kept changing while it was being set; try again");
            }
            Optional<byte[]> taken = getBytes(changeKey);
            if (taken.isPresent()) {
                AliasDocument next = RegistryDocuments.read(taken.get(), AliasDocument.class, changeKey);
                if (next.updatedAt().plus(ALIAS_CHANGE_STALE).isBefore(now)) {
                    put(key, taken.get()); // its writer died between the record and the document: finish it
                } else {
                    pause();
                }
                continue;
            }
            AliasDocument updated = AliasSettings.next(previous, name, alias, target, now, updatedBy, change,
                    Optional.empty());
            byte[] json = RegistryDocuments.write(updated);
            if (!putIfAbsent(changeKey, json)) {
                continue; // another change took this number: read what it wrote, then go on from there
            }
            put(key, json);
            boolean gone = !exists(manifestKey)
                    || target.canary().map(c -> !exists(manifestKey(name, c.version()))).orElse(false);
            if (gone) {
                // A version was deleted while we wrote: undo (as the next change), so that the alias never dangles.
                undo(name, alias, previous, change + 1);
                throw new Conflict("a version of alias '" + name + "@" + alias
                        + "' was deleted while the alias was being set");
            }
            LOG.info("alias {}@{} -> {} (was {}){} by {}, change {}", name, alias, version, updated.previousVersion(),
                    target.canary().map(c -> ", canary " + c.version() + " at " + c.weight() + "%").orElse(""),
                    updatedBy, change);
            return updated.toAlias();
        }
    }

    /**
     * A conditional change: applied only if the alias is still at change {@code expectedChange} and no
     * other change takes the next number first (If-None-Match: * on its change record), so a change
     * somebody makes meanwhile wins. The versions are the alias's own, so they are not checked again.
     */
    @Override
    public Optional<ModelAlias> replaceAlias(String name, String alias, int expectedChange, AliasTarget target,
            String updatedBy, AliasEvent.Decision decision) {
        Optional<AliasDocument> previous = aliasDocument(name, alias);
        if (previous.isEmpty() || previous.get().changeNumber() != expectedChange) {
            return Optional.empty();
        }
        int change = expectedChange + 1;
        AliasDocument updated = AliasSettings.next(previous, name, alias, target, clock.instant(), updatedBy, change,
                Optional.of(decision));
        byte[] json = RegistryDocuments.write(updated);
        if (!putIfAbsent(aliasChangeKey(name, alias, change), json)) {
            return Optional.empty();
        }
        put(aliasKey(name, alias), json);
        LOG.info("alias {}@{}: {} from {} to {} ({}), change {}", name, alias, decision.kind().value(),
                decision.fromVersion(), decision.toVersion(), decision.reason(), change);
        return Optional.of(updated.toAlias());
    }

    /** The change records of the alias, newest first, read one by one down from the current change. */
    @Override
    public Page<AliasEvent> aliasEvents(String name, String alias, int limit, Optional<String> cursor) {
        ModelRef.requireName("name", name);
        ModelRef.requireName("alias", alias);
        AliasDocument current = aliasDocument(name, alias)
                .orElseThrow(() -> new NotFound("model '" + name + "' has no alias '" + alias + "'"));
        int below = cursor.map(c -> ModelRef.parseVersion("next_token", c)).orElse(current.changeNumber() + 1);
        List<AliasEvent> events = new ArrayList<>();
        int change = Math.min(below, current.changeNumber() + 1) - 1;
        for (; change >= 1 && events.size() < limit; change--) {
            String key = aliasChangeKey(name, alias, change);
            // A record may be missing: an undone first change is removed so the numbering starts over.
            getBytes(key).map(json -> RegistryDocuments.read(json, AliasDocument.class, key).toEvent())
                    .ifPresent(events::add);
        }
        if (current.changeNumber() == 0 && cursor.isEmpty()) {
            events.add(current.toEvent()); // an alias from before changes were numbered: its one known state
        }
        return new Page<>(events, change >= 1 ? Optional.of(String.valueOf(change + 1)) : Optional.empty());
    }

    private void undo(String name, String alias, Optional<AliasDocument> previous, int change) {
        String key = aliasKey(name, alias);
        if (previous.isEmpty()) {
            // The alias is new: remove it and its first change record, so the numbering starts over.
            delete(key);
            delete(aliasChangeKey(name, alias, change - 1));
            return;
        }
        AliasDocument p = previous.get();
        byte[] json = RegistryDocuments.write(p.rewritten(clock.instant(), change));
        if (putIfAbsent(aliasChangeKey(name, alias, change), json)) {
            put(key, json);
        } // else a later change already replaced ours
    }

    private static void pause() {
        try {
            Thread.sleep(10 + (long) (Math.random() * 20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailable("interrupted while waiting for a concurrent change of the alias");
        }
    }

    /** A canary must be another existing version of the same kind, at a weight of 1 to 50 percent. */
    private void requireCanary(Manifest stable, AliasTarget.CanaryTarget canary) {
        if (canary.weight() < ModelAlias.Canary.MIN_WEIGHT || canary.weight() > ModelAlias.Canary.MAX_WEIGHT) {
            throw InvalidInput.field("canary.weight", "must be a percentage from %d to %d, got %d"
                    .formatted(ModelAlias.Canary.MIN_WEIGHT, ModelAlias.Canary.MAX_WEIGHT, canary.weight()));
        }
        if (canary.version() == stable.version()) {
            throw InvalidInput.field("canary.version", "must differ from version (" + stable.version()
                    + "): a canary is another version");
        }
        Manifest manifest = manifest(stable.name(), canary.version())
                .orElseThrow(() -> InvalidInput.field("canary.version", "'" + stable.name() + ":" + canary.version()
                        + "' does not exist"));
        if (manifest.kind() != stable.kind()) {
            throw InvalidInput.field("canary.version", "'" + manifest.ref() + "' is a " + manifest.kind().value()
                    + " model, but version " + stable.version() + " is a " + stable.kind().value()
                    + " model: an alias serves one kind");
        }
    }

    @Override
    public void deleteVersion(String name, int version) {
        ModelRef.requireName("name", name);
        String manifestKey = manifestKey(name, version);
        Optional<byte[]> manifest = getBytes(manifestKey);
        if (manifest.isEmpty()) {
            if (pendingDocument(name, version).isEmpty()) {
                throw new NotFound("model '" + name + ":" + version + "' not found");
            }
            discard(name, version);
            LOG.info("abandoned the pending upload of model {}:{}", name, version);
            return;
        }
        requireNoAlias(name, version);
        delete(manifestKey);
        try {
            requireNoAlias(name, version);
        } catch (Conflict e) {
            // An alias was set while we deleted: put the version back.
            put(manifestKey, manifest.get());
            throw e;
        }
        discard(name, version);
        LOG.info("deleted model {}:{}", name, version);
    }

    /** What {@link #cleanUp(Duration)} removed. */
    public record CleanUp(int models, int removedKeys, int discardedUploads) {
    }

    /**
     * Removes what interrupted writes and abandoned uploads left behind, in every model: partial
     * writes of the local S3 server ({@code manifests/0000000002.json-<uuid>}), files that belong
     * to no manifest and no pending upload (a direct registration killed before its manifest, a
     * stray upload), and pending uploads whose URLs expired. Claims stay: a number is never given
     * out twice. Only keys last modified more than {@code olderThan} ago are touched, so writes in
     * flight are left alone; the local server runs this at start-up, before anything writes, with
     * zero. Other keys that are not of the layout are reported, never deleted. Best effort: a
     * model that fails is logged and skipped.
     */
    public CleanUp cleanUp(Duration olderThan) {
        Instant cutoff = clock.instant().minus(olderThan);
        int models = 0;
        int removed = 0;
        int discarded = 0;
        for (String name : modelNames()) {
            try {
                CleanUp one = cleanUp(name, cutoff);
                models++;
                removed += one.removedKeys();
                discarded += one.discardedUploads();
            } catch (RuntimeException e) {
                LOG.warn("could not clean up model {}", name, e);
            }
        }
        if (removed + discarded > 0) {
            LOG.info("registry clean-up: removed {} leftover keys and {} expired uploads in {} models", removed,
                    discarded, models);
        }
        return new CleanUp(models, removed, discarded);
    }

    private CleanUp cleanUp(String name, Instant cutoff) {
        Set<Integer> manifests = new HashSet<>();
        Map<Integer, S3Object> pending = new TreeMap<>();
        List<Listed> files = new ArrayList<>();
        int removed = 0;
        for (S3Object object : keys(modelFolder(name))) {
            Optional<Parsed> key = RegistryKeys.parse(object.key());
            if (key.isEmpty()) {
                if (RegistryKeys.isPartialWrite(object.key()) && before(object, cutoff)) {
                    delete(object.key());
                    removed++;
                } else {
                    strayKeys.report(object.key());
                }
                continue;
            }
            switch (key.get().kind()) {
                case MANIFEST -> manifests.add(key.get().version());
                case PENDING -> pending.put(key.get().version(), object);
                case FILE -> files.add(new Listed(key.get(), object));
                default -> {
                    // claims stay as gaps in the numbering, the owner record for good; aliases are the admins' to move
                }
            }
        }
        int discarded = 0;
        Map<Integer, Set<String>> declared = new HashMap<>();
        Instant now = clock.instant();
        for (int version : pending.keySet()) {
            Optional<PendingDocument> document = pendingDocument(name, version);
            if (document.isPresent() && now.isAfter(document.get().expiresAt())) {
                discard(name, version);
                discarded++;
            } else {
                document.ifPresent(d -> declared.put(version, names(d.files())));
            }
        }
        Map<Integer, Optional<Set<String>>> wanted = new HashMap<>();
        for (Listed file : files) {
            int version = file.key().version();
            if (before(file.object(), cutoff) && wanted.computeIfAbsent(version,
                    v -> wantedFiles(name, v, manifests, pending.keySet(), declared))
                    .filter(w -> !w.contains(file.key().item())).isPresent()) {
                delete(file.object().key());
                removed++;
            }
        }
        return new CleanUp(1, removed, discarded);
    }

    /**
     * The files version {@code v} may keep: its manifest's, or its live upload's declared files;
     * none if it has neither (its files are orphans); empty (do not touch) when it is unclear,
     * e.g. a commit or delete ran between the listing and now.
     */
    private Optional<Set<String>> wantedFiles(String name, int v, Set<Integer> manifests, Set<Integer> pending,
            Map<Integer, Set<String>> declared) {
        if (declared.containsKey(v)) {
            return Optional.of(declared.get(v));
        }
        if (manifests.contains(v)) {
            return manifest(name, v).map(m -> names(m.files()));
        }
        if (pending.contains(v) || exists(manifestKey(name, v)) || exists(pendingKey(name, v))) {
            return Optional.empty();
        }
        return Optional.of(Set.of());
    }

    private static boolean before(S3Object object, Instant cutoff) {
        return object.lastModified() == null || !object.lastModified().isAfter(cutoff);
    }

    private static Set<String> names(List<FileEntry> files) {
        Set<String> names = new HashSet<>();
        files.forEach(f -> names.add(f.name()));
        return names;
    }

    /** Every valid model name in the bucket; other folders under the root are reported. */
    private List<String> modelNames() {
        List<String> names = new ArrayList<>();
        call("listing models", () -> {
            s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(ROOT).delimiter("/")).forEach(page -> {
                page.contents().forEach(object -> strayKeys.report(object.key()));
                page.commonPrefixes().forEach(p -> {
                    String name = p.prefix().substring(ROOT.length(), p.prefix().length() - 1);
                    if (isName(name)) {
                        names.add(name);
                    } else {
                        strayKeys.report(p.prefix());
                    }
                });
            });
            return null;
        });
        return names;
    }

    /** The keys reported as not of the layout so far (for tests). */
    Set<String> strayKeys() {
        return strayKeys.reported();
    }

    // ---------------------------------------------------------------- protocol steps

    /** Claims the next free version number of {@code name}; see the class comment. */
    private int allocate(String name, String claimedBy, String mode) {
        int candidate = versionsOf(name, Kind.CLAIM).stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        for (int attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++, candidate++) {
            if (candidate <= 0) {
                throw new Conflict("model '" + name + "' has used up its version numbers");
            }
            byte[] claim = RegistryDocuments.write(new ClaimDocument(RegistryDocuments.FORMAT, name, candidate,
                    claimedBy, clock.instant(), mode, UUID.randomUUID().toString()));
            if (putIfAbsent(claimKey(name, candidate), claim)) {
                return candidate;
            }
        }
        throw new ServiceUnavailable("could not allocate a version of '" + name + "' after " + MAX_ALLOCATION_ATTEMPTS
                + " attempts; too many concurrent registrations, retry");
    }

    private PendingUpload.UploadUrl presignUpload(String name, int version, FileEntry file, Duration validFor) {
        String key = fileKey(name, version, file.name());
        PresignedPutObjectRequest presigned = call("presigning an upload", () -> presigner.presignPutObject(
                r -> r.signatureDuration(validFor).putObjectRequest(p -> p.bucket(bucket).key(key)
                        .checksumSHA256(base64(file.sha256())))));
        Map<String, String> headers = new LinkedHashMap<>();
        presigned.signedHeaders().forEach((header, values) -> {
            if (!header.equalsIgnoreCase("host")) {
                headers.put(header, String.join(",", values));
            }
        });
        return new PendingUpload.UploadUrl(file.name(), "PUT", uri(presigned.url()), headers);
    }

    /**
     * Checks every uploaded file's size and sha256; deletes the ones that differ (their URLs can
     * upload them again) and throws a 400 listing every problem.
     *
     * @return the bytes of the files in {@code keep}
     */
    private Map<String, byte[]> verifyUploads(String name, int version, List<FileEntry> files, Set<String> keep) {
        Map<String, byte[]> kept = new HashMap<>();
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            FileEntry file = files.get(i);
            String key = fileKey(name, version, file.name());
            String field = "files[" + i + "]";
            Optional<Verified> verified = readVerifying(key, file.size(), keep.contains(file.name()));
            if (verified.isEmpty()) {
                errors.add(new FieldError(field, "'" + file.name() + "' has not been uploaded"));
                continue;
            }
            Verified v = verified.get();
            if (v.size() != file.size()) {
                errors.add(new FieldError(field, "'" + file.name() + "' has " + v.size() + " bytes, " + file.size()
                        + " were declared; upload it again"));
                delete(key);
            } else if (!v.sha256().equals(file.sha256())) {
                errors.add(new FieldError(field, "'" + file.name() + "' has sha256 " + v.sha256() + ", "
                        + file.sha256() + " was declared; upload it again"));
                delete(key);
            } else if (v.data() != null) {
                kept.put(file.name(), v.data());
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInput(errors.size() + " of " + files.size() + " files of '" + name + ":" + version
                    + "' failed verification; nothing was committed. Upload them to their URLs and commit again",
                    errors);
        }
        return kept;
    }

    private record Verified(long size, String sha256, byte[] data) {
    }

    /** Streams one object through SHA-256; empty if it does not exist. Keeps the bytes if asked. */
    private Optional<Verified> readVerifying(String key, long expectedSize, boolean keepBytes) {
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = call("reading " + key, () -> s3.getObject(r -> r.bucket(bucket).key(key)));
        } catch (NotFound e) {
            return Optional.empty();
        }
        try (in) {
            long size = in.response().contentLength();
            if (size != expectedSize) {
                in.abort();
                return Optional.of(new Verified(size, "", null));
            }
            MessageDigest digest = ModelFile.newSha256Digest();
            ByteArrayOutputStream copy = keepBytes ? new ByteArrayOutputStream((int) size) : null;
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
                if (copy != null) {
                    copy.write(buffer, 0, n);
                }
            }
            return Optional.of(new Verified(size, HexFormat.of().formatHex(digest.digest()),
                    copy == null ? null : copy.toByteArray()));
        } catch (IOException e) {
            throw new ServiceUnavailable("reading " + key + " from the model registry failed: " + e.getMessage());
        }
    }

    private void requireNoAlias(String name, int version) {
        List<String> pointing = aliases(name).stream()
                .filter(a -> a.version() == version || a.canary().filter(c -> c.version() == version).isPresent()
                        || a.shadow().filter(sh -> sh.version() == version).isPresent())
                .map(ModelAlias::alias).toList();
        if (!pointing.isEmpty()) {
            throw new Conflict("'" + name + ":" + version + "' is the target of alias " + String.join(", ", pointing)
                    + "; point the alias at another version first");
        }
    }

    /** Best effort: removes everything of a version except its claim (used on failure, abort and delete). */
    private void discard(String name, int version) {
        try {
            delete(manifestKey(name, version));
            deleteAll(filesFolder(name, version));
            delete(pendingKey(name, version));
        } catch (RuntimeException e) {
            LOG.error("could not clean up model {}:{}; delete {}, {} and {} by hand", name, version,
                    manifestKey(name, version), filesFolder(name, version), pendingKey(name, version), e);
        }
    }

    /** Discards pending uploads of {@code name} that expired, so abandoned uploads do not pile up. */
    private void purgeExpiredUploads(String name) {
        try {
            Instant now = clock.instant();
            for (Listed listed : listed(name, Kind.PENDING)) {
                S3Object object = listed.object();
                if (object.lastModified() != null && object.lastModified().plus(uploadValidity).isAfter(now)) {
                    continue;
                }
                pendingDocument(name, listed.key().version())
                        .filter(p -> now.isAfter(p.expiresAt()))
                        .ifPresent(p -> discard(name, p.version()));
            }
        } catch (RuntimeException e) {
            LOG.warn("could not purge expired uploads of {}", name, e);
        }
    }

    private NotFound notPending(String name, int version) {
        boolean claimed = exists(claimKey(name, version));
        return new NotFound("model '" + name + ":" + version + "' not found" + (claimed
                ? ": the version was deleted, discarded or never committed; start a new upload" : ""));
    }

    // ---------------------------------------------------------------- documents

    private Optional<Manifest> manifest(String name, int version) {
        String key = manifestKey(name, version);
        return getBytes(key).map(json -> RegistryDocuments.read(json, ManifestDocument.class, key).toManifest());
    }

    private Optional<OwnerDocument> ownerDocument(String name) {
        String key = ownerKey(name);
        return getBytes(key).map(json -> RegistryDocuments.read(json, OwnerDocument.class, key));
    }

    private Optional<AliasDocument> aliasDocument(String name, String alias) {
        String key = aliasKey(name, alias);
        return getBytes(key).map(json -> RegistryDocuments.read(json, AliasDocument.class, key));
    }

    private Optional<PendingDocument> pendingDocument(String name, int version) {
        String key = pendingKey(name, version);
        return getBytes(key).map(json -> RegistryDocuments.read(json, PendingDocument.class, key));
    }

    private OptionalInt latestVersion(String name) {
        return versionsOf(name, Kind.MANIFEST).stream().mapToInt(Integer::intValue).max();
    }

    /** The versions of {@code name} that have a key of {@code kind}, ascending. */
    private List<Integer> versionsOf(String name, Kind kind) {
        return listed(name, kind).stream().map(l -> l.key().version()).toList();
    }

    /** A key of the layout, with its listing entry. */
    private record Listed(Parsed key, S3Object object) {
    }

    /**
     * The keys of {@code kind} of model {@code name}, parsed strictly by the layout, in key order.
     * Anything else in the folder is ignored and reported once: the registry reads only keys it
     * could have written.
     */
    private List<Listed> listed(String name, Kind kind) {
        String folder = switch (kind) {
            case CLAIM -> claimsFolder(name);
            case PENDING -> pendingFolder(name);
            case MANIFEST -> manifestsFolder(name);
            case ALIAS -> aliasesFolder(name);
            case FILE -> modelFolder(name) + "files/";
            case OWNER -> throw new IllegalArgumentException("a model has one owner record, not a listing");
            case ALIAS_CHANGE -> throw new IllegalArgumentException("alias changes are read one by one, not listed");
        };
        List<Listed> listed = new ArrayList<>();
        for (S3Object object : keys(folder)) {
            Optional<Parsed> key = RegistryKeys.parse(object.key());
            if (key.isPresent() && key.get().kind() == kind && key.get().model().equals(name)) {
                listed.add(new Listed(key.get(), object));
            } else {
                strayKeys.report(object.key());
            }
        }
        return listed;
    }

    private static boolean isName(String name) {
        return ModelRef.NAME.matcher(name).matches() && !name.contains("..");
    }


    private static String encodeCursor(String name) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(name.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeCursor(String cursor) {
        try {
            String name = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (ModelRef.NAME.matcher(name).matches()) {
                return name;
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw InvalidInput.field("cursor", "is not a cursor this API issued");
    }

    // ---------------------------------------------------------------- S3 primitives

    private Optional<byte[]> getBytes(String key) {
        try {
            return Optional.of(call("reading " + key, () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)))
                    .asByteArray());
        } catch (NotFound e) {
            return Optional.empty();
        }
    }

    private boolean exists(String key) {
        try {
            call("reading " + key, () -> s3.headObject(r -> r.bucket(bucket).key(key)));
            return true;
        } catch (NotFound e) {
            return false;
        }
    }

    private void put(String key, byte[] json) {
        call("writing " + key, () -> s3.putObject(r -> r.bucket(bucket).key(key).contentType(JSON),
                RequestBody.fromBytes(json)));
    }

    /**
     * Creates {@code key} unless it exists (If-None-Match: *); false if it existed. The SDK retries
     * a PUT whose response was lost, and the retry then meets its own first attempt: so on 412 the
     * write counts as ours if the stored bytes are exactly what we sent (every document written
     * this way is unique: claims carry a random token, manifests a timestamp).
     */
    private boolean putIfAbsent(String key, byte[] json) {
        try {
            s3.putObject(r -> r.bucket(bucket).key(key).contentType(JSON).ifNoneMatch("*"),
                    RequestBody.fromBytes(json));
            return true;
        } catch (AwsServiceException e) {
            // 412: the key exists. 409: a concurrent conditional write to it is in flight; either way it is taken.
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return getBytes(key).map(stored -> Arrays.equals(stored, json)).orElse(false);
            }
            throw S3Errors.translate(e, "writing " + key);
        } catch (SdkClientException e) {
            throw S3Errors.unreachable(e, "writing " + key);
        }
    }

    private void delete(String key) {
        call("deleting " + key, () -> s3.deleteObject(r -> r.bucket(bucket).key(key)));
    }

    private void deleteAll(String prefix) {
        List<ObjectIdentifier> batch = new ArrayList<>();
        for (S3Object object : keys(prefix)) {
            batch.add(ObjectIdentifier.builder().key(object.key()).build());
            if (batch.size() == 1000) {
                deleteBatch(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            deleteBatch(batch);
        }
    }

    private void deleteBatch(List<ObjectIdentifier> batch) {
        var response = call("deleting files", () -> s3.deleteObjects(r -> r.bucket(bucket)
                .delete(d -> d.objects(batch).quiet(true))));
        if (response.hasErrors() && !response.errors().isEmpty()) {
            throw new ServiceUnavailable("could not delete " + response.errors().size() + " files, e.g. "
                    + response.errors().get(0).key() + ": " + response.errors().get(0).message());
        }
    }

    /** Every object under {@code prefix}, in key order. */
    private List<S3Object> keys(String prefix) {
        List<S3Object> objects = new ArrayList<>();
        call("listing " + prefix, () -> {
            s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().forEach(objects::add);
            return null;
        });
        return objects;
    }

    private static String base64(String sha256Hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex));
    }

    private static URI uri(URL url) {
        try {
            return url.toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("the SDK presigned an invalid URL", e);
        }
    }
}
