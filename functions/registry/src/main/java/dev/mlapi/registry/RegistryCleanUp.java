package dev.mlapi.registry;

import static dev.mlapi.registry.RegistryKeys.manifestKey;
import static dev.mlapi.registry.RegistryKeys.modelFolder;
import static dev.mlapi.registry.RegistryKeys.pendingKey;

import dev.mlapi.registry.RegistryDocuments.PendingDocument;
import dev.mlapi.registry.RegistryKeys.Parsed;
import dev.mlapi.registry.S3ModelRegistry.CleanUp;
import dev.mlapi.registry.storage.S3Bucket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Removes what interrupted writes and abandoned uploads left behind, in every model: partial
 * writes of the local S3 server ({@code manifests/0000000002.json-<uuid>}), files that belong to
 * no manifest and no pending upload (a direct registration killed before its manifest, a stray
 * upload), and pending uploads whose URLs expired. Claims stay: a number is never given out twice.
 */
final class RegistryCleanUp {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryCleanUp.class);

    private final RegistryObjects objects;
    private final S3Bucket bucket;
    private final ModelUploads uploads;
    private final Clock clock;

    RegistryCleanUp(RegistryObjects objects, ModelUploads uploads, Clock clock) {
        this.objects = objects;
        this.bucket = objects.bucket();
        this.uploads = uploads;
        this.clock = clock;
    }

    /** See {@link S3ModelRegistry#cleanUp(Duration)}. */
    CleanUp cleanUp(Duration olderThan) {
        Instant cutoff = clock.instant().minus(olderThan);
        int models = 0;
        int removed = 0;
        int discarded = 0;
        for (String name : objects.modelNames()) {
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
        List<RegistryObjects.Listed> files = new ArrayList<>();
        int removed = 0;
        for (S3Object object : bucket.list(modelFolder(name))) {
            Optional<Parsed> key = RegistryKeys.parse(object.key());
            if (key.isEmpty()) {
                if (RegistryKeys.isPartialWrite(object.key()) && before(object, cutoff)) {
                    bucket.delete(object.key());
                    removed++;
                } else {
                    objects.strayKeys().report(object.key());
                }
                continue;
            }
            switch (key.get().kind()) {
                case MANIFEST -> manifests.add(key.get().version());
                case PENDING -> pending.put(key.get().version(), object);
                case FILE -> files.add(new RegistryObjects.Listed(key.get(), object));
                default -> {
                    // claims stay as gaps in the numbering, the owner record for good; aliases are the admins' to move
                }
            }
        }
        int discarded = 0;
        Map<Integer, Set<String>> declared = new HashMap<>();
        for (int version : pending.keySet()) {
            Optional<PendingDocument> document = objects.pendingDocument(name, version);
            if (document.isPresent() && uploads.isExpired(document.get())) {
                objects.discard(name, version);
                discarded++;
            } else {
                document.ifPresent(d -> declared.put(version, names(d.files())));
            }
        }
        Map<Integer, Optional<Set<String>>> wanted = new HashMap<>();
        for (RegistryObjects.Listed file : files) {
            int version = file.key().version();
            if (before(file.object(), cutoff) && wanted.computeIfAbsent(version,
                    v -> wantedFiles(name, v, manifests, pending.keySet(), declared))
                    .filter(w -> !w.contains(file.key().item())).isPresent()) {
                bucket.delete(file.object().key());
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
            return objects.manifest(name, v).map(m -> names(m.files()));
        }
        if (pending.contains(v) || bucket.exists(manifestKey(name, v)) || bucket.exists(pendingKey(name, v))) {
            return Optional.empty();
        }
        return Optional.of(Set.of());
    }

    private static boolean before(S3Object object, Instant cutoff) {
        return object.lastModified() == null || !object.lastModified().isAfter(cutoff);
    }

    private static Set<String> names(List<Manifest.FileEntry> files) {
        Set<String> names = new HashSet<>();
        files.forEach(f -> names.add(f.name()));
        return names;
    }
}
