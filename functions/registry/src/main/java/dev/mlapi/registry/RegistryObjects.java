package dev.mlapi.registry;

import static dev.mlapi.registry.RegistryKeys.ROOT;
import static dev.mlapi.registry.RegistryKeys.aliasKey;
import static dev.mlapi.registry.RegistryKeys.aliasesFolder;
import static dev.mlapi.registry.RegistryKeys.claimsFolder;
import static dev.mlapi.registry.RegistryKeys.filesFolder;
import static dev.mlapi.registry.RegistryKeys.manifestKey;
import static dev.mlapi.registry.RegistryKeys.manifestsFolder;
import static dev.mlapi.registry.RegistryKeys.modelFolder;
import static dev.mlapi.registry.RegistryKeys.ownerKey;
import static dev.mlapi.registry.RegistryKeys.pendingFolder;
import static dev.mlapi.registry.RegistryKeys.pendingKey;

import dev.mlapi.registry.RegistryDocuments.AliasDocument;
import dev.mlapi.registry.RegistryDocuments.ManifestDocument;
import dev.mlapi.registry.RegistryDocuments.OwnerDocument;
import dev.mlapi.registry.RegistryDocuments.PendingDocument;
import dev.mlapi.registry.RegistryKeys.Kind;
import dev.mlapi.registry.RegistryKeys.Parsed;
import dev.mlapi.registry.storage.S3Bucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The registry's documents in its bucket, by the key layout of {@link S3ModelRegistry}: reads a
 * model's manifest, owner, alias and pending documents, lists the keys of one kind (reporting
 * anything not of the layout once, see {@link StrayKeys}), and discards a version. The one place
 * the other registry classes reach S3 through, besides the raw {@link #bucket()}.
 */
final class RegistryObjects {

    static final String JSON = "application/json";
    private static final Logger LOG = LoggerFactory.getLogger(RegistryObjects.class);

    private final S3Bucket bucket;
    private final StrayKeys strayKeys;

    RegistryObjects(S3Bucket bucket) {
        this.bucket = bucket;
        this.strayKeys = new StrayKeys(bucket.name());
    }

    S3Bucket bucket() {
        return bucket;
    }

    StrayKeys strayKeys() {
        return strayKeys;
    }

    Optional<Manifest> manifest(String name, int version) {
        String key = manifestKey(name, version);
        return bucket.read(key).map(json -> RegistryDocuments.read(json, ManifestDocument.class, key).toManifest());
    }

    Optional<OwnerDocument> ownerDocument(String name) {
        String key = ownerKey(name);
        return bucket.read(key).map(json -> RegistryDocuments.read(json, OwnerDocument.class, key));
    }

    Optional<AliasDocument> aliasDocument(String name, String alias) {
        String key = aliasKey(name, alias);
        return bucket.read(key).map(json -> RegistryDocuments.read(json, AliasDocument.class, key));
    }

    Optional<PendingDocument> pendingDocument(String name, int version) {
        String key = pendingKey(name, version);
        return bucket.read(key).map(json -> RegistryDocuments.read(json, PendingDocument.class, key));
    }

    /** Writes a JSON document (replacing what is there). */
    void put(String key, byte[] json) {
        bucket.put(key, json, JSON);
    }

    /** Creates a JSON document unless its key exists; see {@link S3Bucket#putIfAbsent}. */
    boolean putIfAbsent(String key, byte[] json) {
        return bucket.putIfAbsent(key, json, JSON);
    }

    OptionalInt latestVersion(String name) {
        return versionsOf(name, Kind.MANIFEST).stream().mapToInt(Integer::intValue).max();
    }

    /** The versions of {@code name} that have a key of {@code kind}, ascending. */
    List<Integer> versionsOf(String name, Kind kind) {
        return listed(name, kind).stream().map(l -> l.key().version()).toList();
    }

    /** A key of the layout, with its listing entry. */
    record Listed(Parsed key, S3Object object) {
    }

    /**
     * The keys of {@code kind} of model {@code name}, parsed strictly by the layout, in key order.
     * Anything else in the folder is ignored and reported once: the registry reads only keys it
     * could have written.
     */
    List<Listed> listed(String name, Kind kind) {
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
        for (S3Object object : bucket.list(folder)) {
            Optional<Parsed> key = RegistryKeys.parse(object.key());
            if (key.isPresent() && key.get().kind() == kind && key.get().model().equals(name)) {
                listed.add(new Listed(key.get(), object));
            } else {
                strayKeys.report(object.key());
            }
        }
        return listed;
    }

    /** Every valid model name in the bucket; other folders under the root are reported. */
    List<String> modelNames() {
        List<String> names = new ArrayList<>();
        bucket.forEachPage(ROOT, "/", page -> {
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
        return names;
    }

    static boolean isName(String name) {
        return ModelRef.NAME.matcher(name).matches() && !name.contains("..");
    }

    /** Best effort: removes everything of a version except its claim (used on failure, abort and delete). */
    void discard(String name, int version) {
        try {
            bucket.delete(manifestKey(name, version));
            bucket.deleteAll(filesFolder(name, version));
            bucket.delete(pendingKey(name, version));
        } catch (RuntimeException e) {
            LOG.error("could not clean up model {}:{}; delete {}, {} and {} by hand", name, version,
                    manifestKey(name, version), filesFolder(name, version), pendingKey(name, version), e);
        }
    }
}
