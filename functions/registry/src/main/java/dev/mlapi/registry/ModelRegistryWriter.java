package dev.mlapi.registry;

import java.util.List;
import java.util.Optional;

/**
 * The write side of the model registry: new versions (directly, or by presigned upload and
 * commit), aliases and deletion. The models function administers the registry through it; train
 * registers the models it fits; the local server seeds the default image model.
 *
 * <p>Guarantees of every implementation: version numbers are positive, allocated atomically and
 * never reused, so concurrent registrations to one name never share or overwrite a version; a
 * version becomes resolvable only once every file is stored and verified; a failed registration
 * leaves nothing resolvable behind.
 */
public interface ModelRegistryWriter extends ModelRegistry {

    /**
     * Stores {@code files} as the next version of {@code registration.name()} and returns its
     * manifest. Validation errors (missing model file, unreadable ONNX graph, bad labels file) are
     * a 400 before any version number is taken.
     */
    Manifest register(ModelRegistration registration, List<ModelFile> files);

    /**
     * Reserves the next version for files the caller uploads itself, to the returned presigned
     * URLs; nothing is resolvable until {@link #commit(String, int)}.
     *
     * @param files every file of the version with its exact size and sha256
     */
    PendingUpload reserve(ModelRegistration registration, List<Manifest.FileEntry> files);

    /**
     * Verifies the size and sha256 of every uploaded file of a reserved version and makes it
     * resolvable. Idempotent: committing a committed version returns its manifest.
     */
    Manifest commit(String name, int version);

    /** Points {@code alias} at a committed version (deploy, or roll back by pointing it at an older one). */
    default ModelAlias setAlias(String name, String alias, int version, String updatedBy) {
        return setAlias(name, alias, AliasTarget.of(version), updatedBy);
    }

    /**
     * Points {@code alias} at {@code target}: a stable version (404 if it does not exist) and
     * optionally a canary serving a share of the requests. A canary that does not exist, is the
     * stable version or is of another kind, or a weight outside 1–50, is a 400 naming the field.
     * Concurrent changes of one alias never interleave: each replaces exactly the document it read
     * (its {@code previous_version} is the version that document named).
     */
    ModelAlias setAlias(String name, String alias, AliasTarget target, String updatedBy);

    /**
     * Replaces the alias with {@code target} only if it is still at change {@code expectedChange}
     * ({@link ModelAlias#change()}) and nobody changes it meanwhile: a conditional write, so a change
     * somebody makes at the same time wins. Records {@code decision} (a rollback or promotion) as the
     * change's event. Empty when the alias had moved on or is gone.
     */
    Optional<ModelAlias> replaceAlias(String name, String alias, int expectedChange, AliasTarget target,
            String updatedBy, AliasEvent.Decision decision);

    /**
     * Deletes a version's manifest and every file, or abandons a pending upload. A 409 while an
     * alias points at the version. The number is never given out again.
     */
    void deleteVersion(String name, int version);

    /**
     * Who {@code name} belongs to: the user whose registration, upload or training job claimed it
     * first; for a name registered before owners were recorded, the creator of its oldest
     * committed version. Empty for a free name. The registry records it; callers enforce it
     * (users may write only their own names, admins any).
     */
    Optional<String> owner(String name);

    /**
     * Makes {@code user} the owner of {@code name} if it has none, atomically (the first of
     * concurrent claims wins), and returns the owner: {@code user}, or whoever was first. A name's
     * owner never changes afterwards. {@link #register} and {@link #reserve} claim the name for the
     * registration's creator.
     */
    String claimOwner(String name, String user);
}
