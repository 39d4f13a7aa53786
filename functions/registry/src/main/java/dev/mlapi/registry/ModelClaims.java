package dev.mlapi.registry;

import static dev.mlapi.registry.RegistryKeys.claimKey;
import static dev.mlapi.registry.RegistryKeys.ownerKey;

import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.registry.RegistryDocuments.ClaimDocument;
import dev.mlapi.registry.RegistryDocuments.OwnerDocument;
import dev.mlapi.registry.RegistryKeys.Kind;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who owns a model name and which version number comes next, both settled by creating a key with
 * If-None-Match: * (the first writer wins): {@code owner.json} once per name, {@code claims/{v}}
 * once per number, never deleted, so a number is never given out twice.
 */
final class ModelClaims {

    private static final Logger LOG = LoggerFactory.getLogger(ModelClaims.class);
    private static final int MAX_ALLOCATION_ATTEMPTS = 100;

    private final RegistryObjects objects;
    private final Clock clock;

    ModelClaims(RegistryObjects objects, Clock clock) {
        this.objects = objects;
        this.clock = clock;
    }

    Optional<String> owner(String name) {
        ModelRef.requireName("name", name);
        return objects.ownerDocument(name).map(OwnerDocument::owner).or(() -> oldestCreator(name));
    }

    String claimOwner(String name, String user) {
        ModelRef.requireName("name", name);
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<OwnerDocument> existing = objects.ownerDocument(name);
            if (existing.isPresent()) {
                return existing.get().owner();
            }
            String owner = oldestCreator(name).orElse(user);
            byte[] document = RegistryDocuments.write(new OwnerDocument(RegistryDocuments.FORMAT, name, owner,
                    clock.instant(), UUID.randomUUID().toString()));
            if (objects.putIfAbsent(ownerKey(name), document)) {
                LOG.info("model name {} belongs to {}", name, owner);
                return owner;
            }
            // Another claim got there first (or is being written): read who won.
        }
        return objects.ownerDocument(name).map(OwnerDocument::owner).orElseThrow(() -> new ServiceUnavailable(
                "could not settle who owns model name '" + name + "'; too many concurrent claims, retry"));
    }

    /** The creator of the oldest committed version: the owner of a name from before owner records. */
    private Optional<String> oldestCreator(String name) {
        for (int version : objects.versionsOf(name, Kind.MANIFEST)) {
            Optional<Manifest> manifest = objects.manifest(name, version);
            if (manifest.isPresent()) {
                return Optional.of(manifest.get().createdBy());
            }
            // Deleted between the listing and the read: the next one is the oldest.
        }
        return Optional.empty();
    }

    /**
     * Claims the next free version number of {@code name}: list {@code claims/}, try to create the
     * claim of the next number with If-None-Match: *; on 412 (or 409, a concurrent conditional
     * write) try the number after.
     */
    int allocate(String name, String claimedBy, String mode) {
        int candidate = objects.versionsOf(name, Kind.CLAIM).stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        for (int attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++, candidate++) {
            if (candidate <= 0) {
                throw new Conflict("model '" + name + "' has used up its version numbers");
            }
            byte[] claim = RegistryDocuments.write(new ClaimDocument(RegistryDocuments.FORMAT, name, candidate,
                    claimedBy, clock.instant(), mode, UUID.randomUUID().toString()));
            if (objects.putIfAbsent(claimKey(name, candidate), claim)) {
                return candidate;
            }
        }
        throw new ServiceUnavailable("could not allocate a version of '" + name + "' after " + MAX_ALLOCATION_ATTEMPTS
                + " attempts; too many concurrent registrations, retry");
    }
}
