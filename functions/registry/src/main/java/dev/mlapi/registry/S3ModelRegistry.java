package dev.mlapi.registry;

import dev.mlapi.core.page.Page;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.storage.S3Bucket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

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
 * Every SDK failure becomes an {@link dev.mlapi.core.error.ApiException} through
 * {@link dev.mlapi.registry.storage.S3Failures}.
 *
 * <h2>Classes</h2>
 * This class only assembles and delegates, one class a job: {@link RegistryReader} (resolve,
 * browse, read files, download links), {@link ModelVersions} (direct registration, delete),
 * {@link ModelUploads} (presigned reserve and commit, pending uploads), {@link ModelAliases},
 * {@link ModelClaims} (owners, version numbers), {@link RegistryCleanUp}, and
 * {@link RegistryObjects} (the layout's documents) over {@link S3Bucket} (raw S3 access).
 */
public final class S3ModelRegistry implements ModelRegistryWriter, ModelCatalog {

    public static final Duration DEFAULT_UPLOAD_VALIDITY = Duration.ofHours(1);

    private final RegistryObjects objects;
    private final RegistryReader reader;
    private final ModelVersions versions;
    private final ModelUploads uploads;
    private final ModelAliases aliases;
    private final ModelClaims claims;
    private final RegistryCleanUp cleanUp;

    public S3ModelRegistry(S3Client s3, S3Presigner presigner, String bucket, Clock clock, Duration uploadValidity) {
        this.objects = new RegistryObjects(new S3Bucket(s3, presigner, bucket));
        this.aliases = new ModelAliases(objects, clock);
        this.claims = new ModelClaims(objects, clock);
        this.reader = new RegistryReader(objects, aliases);
        this.versions = new ModelVersions(objects, claims, aliases, clock);
        this.uploads = new ModelUploads(objects, claims, clock, uploadValidity);
        this.cleanUp = new RegistryCleanUp(objects, uploads, clock);
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
        return reader.resolve(ref);
    }

    /** As {@link #resolve}; an alias with a canary routes to both of its versions. */
    @Override
    public ModelRoute route(ModelRef ref) {
        return reader.route(ref);
    }

    /** A HEAD of the version's manifest: no read, no parse. */
    @Override
    public boolean isRegistered(String name, int version) {
        return reader.isRegistered(name, version);
    }

    @Override
    public byte[] readFile(Manifest manifest, String fileName) {
        return reader.readFile(manifest, fileName);
    }

    @Override
    public Page<ModelSummary> listModels(int limit, Optional<String> cursor) {
        return reader.listModels(limit, cursor);
    }

    @Override
    public Page<Manifest> versions(String name, int limit, Optional<String> cursor) {
        return reader.versions(name, limit, cursor);
    }

    @Override
    public List<DownloadUrl> downloadUrls(Manifest manifest, Duration validFor) {
        return reader.downloadUrls(manifest, validFor);
    }

    @Override
    public List<ModelAlias> aliases(String name) {
        return aliases.aliases(name);
    }

    /** The live uploads of {@code name}; expired ones are discarded on the way (see {@link ModelUploads}). */
    @Override
    public List<PendingVersion> pendingVersions(String name) {
        return uploads.pendingVersions(name);
    }

    // ---------------------------------------------------------------- writing

    @Override
    public Manifest register(ModelRegistration registration, List<ModelFile> files) {
        return versions.register(registration, files);
    }

    @Override
    public PendingUpload reserve(ModelRegistration registration, List<FileEntry> files) {
        return uploads.reserve(registration, files);
    }

    @Override
    public Manifest commit(String name, int version) {
        return uploads.commit(name, version);
    }

    @Override
    public Optional<String> owner(String name) {
        return claims.owner(name);
    }

    @Override
    public String claimOwner(String name, String user) {
        return claims.claimOwner(name, user);
    }

    @Override
    public ModelAlias setAlias(String name, String alias, AliasTarget target, String updatedBy) {
        return aliases.setAlias(name, alias, target, updatedBy);
    }

    @Override
    public Optional<ModelAlias> replaceAlias(String name, String alias, int expectedChange, AliasTarget target,
            String updatedBy, AliasEvent.Decision decision) {
        return aliases.replaceAlias(name, alias, expectedChange, target, updatedBy, decision);
    }

    @Override
    public Page<AliasEvent> aliasEvents(String name, String alias, int limit, Optional<String> cursor) {
        return aliases.aliasEvents(name, alias, limit, cursor);
    }

    @Override
    public void deleteVersion(String name, int version) {
        versions.deleteVersion(name, version);
    }

    // ---------------------------------------------------------------- clean-up

    /** What {@link #cleanUp(Duration)} removed. */
    public record CleanUp(int models, int removedKeys, int discardedUploads) {
    }

    /**
     * Removes what interrupted writes and abandoned uploads left behind, in every model (see
     * {@link RegistryCleanUp}). Only keys last modified more than {@code olderThan} ago are
     * touched, so writes in flight are left alone; the local server runs this at start-up, before
     * anything writes, with zero. Keys that are not of the layout are reported, never deleted.
     * Best effort: a model that fails is logged and skipped.
     */
    public CleanUp cleanUp(Duration olderThan) {
        return cleanUp.cleanUp(olderThan);
    }

    /** The keys reported as not of the layout so far (for tests). */
    Set<String> strayKeys() {
        return objects.strayKeys().reported();
    }
}
