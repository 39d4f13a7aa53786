package dev.mlapi.registry;

import static dev.mlapi.registry.RegistryKeys.fileKey;
import static dev.mlapi.registry.RegistryKeys.manifestKey;

import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.registry.RegistryDocuments.ManifestDocument;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versions written in one request and versions deleted. A direct registration validates
 * everything in memory, claims a number, writes the files, then the manifest; on any failure the
 * files and the manifest are deleted and the claim stays as a gap. A delete re-checks after
 * writing that no alias appeared, and puts the version back on a lost race.
 */
final class ModelVersions {

    private static final Logger LOG = LoggerFactory.getLogger(ModelVersions.class);

    private final RegistryObjects objects;
    private final ModelClaims claims;
    private final ModelAliases aliases;
    private final Clock clock;

    ModelVersions(RegistryObjects objects, ModelClaims claims, ModelAliases aliases, Clock clock) {
        this.objects = objects;
        this.claims = claims;
        this.aliases = aliases;
        this.clock = clock;
    }

    Manifest register(ModelRegistration registration, List<ModelFile> files) {
        Map<String, byte[]> contents = new HashMap<>();
        files.forEach(f -> contents.put(f.name(), f.data()));
        List<Manifest.FileEntry> entries = files.stream().map(ModelFile::entry).toList();
        Manifest draft = ManifestFactory.build(registration, 0, entries,
                n -> Optional.ofNullable(contents.get(n)), clock.instant());
        String name = registration.name();
        claims.claimOwner(name, registration.createdBy());
        int version = claims.allocate(name, registration.createdBy(), "direct");
        try {
            for (ModelFile file : files) {
                objects.bucket().putChecked(fileKey(name, version, file.name()), file.data(), file.sha256());
            }
            Manifest manifest = ManifestFactory.withVersion(draft, version, clock.instant());
            if (!objects.putIfAbsent(manifestKey(name, version), RegistryDocuments.write(ManifestDocument.of(manifest)))) {
                throw new IllegalStateException("the manifest of the freshly claimed " + name + ":" + version + " exists");
            }
            LOG.info("registered model {}:{} ({} files) for {}", name, version, files.size(), registration.createdBy());
            return manifest;
        } catch (RuntimeException e) {
            objects.discard(name, version);
            throw e;
        }
    }

    void deleteVersion(String name, int version) {
        ModelRef.requireName("name", name);
        String manifestKey = manifestKey(name, version);
        Optional<byte[]> manifest = objects.bucket().read(manifestKey);
        if (manifest.isEmpty()) {
            if (objects.pendingDocument(name, version).isEmpty()) {
                throw new NotFound("model '" + name + ":" + version + "' not found");
            }
            objects.discard(name, version);
            LOG.info("abandoned the pending upload of model {}:{}", name, version);
            return;
        }
        aliases.requireNoAlias(name, version);
        objects.bucket().delete(manifestKey);
        try {
            aliases.requireNoAlias(name, version);
        } catch (Conflict e) {
            // An alias was set while we deleted: put the version back.
            objects.put(manifestKey, manifest.get());
            throw e;
        }
        objects.discard(name, version);
        LOG.info("deleted model {}:{}", name, version);
    }
}
