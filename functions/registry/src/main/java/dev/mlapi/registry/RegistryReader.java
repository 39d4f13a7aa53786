package dev.mlapi.registry;

import static dev.mlapi.registry.RegistryKeys.ROOT;
import static dev.mlapi.registry.RegistryKeys.fileKey;
import static dev.mlapi.registry.RegistryKeys.manifestKey;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.page.Page;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.RegistryDocuments.AliasDocument;
import dev.mlapi.registry.RegistryKeys.Kind;
import dev.mlapi.registry.storage.S3Bucket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * The registry's read side: resolving a reference (version, alias with its canary, or latest),
 * reading a version's files against their sha256, browsing models and versions, and download
 * links. It never writes.
 */
final class RegistryReader {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryReader.class);

    private final RegistryObjects objects;
    private final S3Bucket bucket;
    private final ModelAliases aliases;

    RegistryReader(RegistryObjects objects, ModelAliases aliases) {
        this.objects = objects;
        this.bucket = objects.bucket();
        this.aliases = aliases;
    }

    Manifest resolve(ModelRef ref) {
        String name = ref.name();
        if (ref.version().isPresent()) {
            return objects.manifest(name, ref.version().getAsInt())
                    .orElseThrow(() -> new NotFound("model '" + ref + "' not found"));
        }
        if (ref.alias().isPresent()) {
            AliasDocument alias = aliasOf(ref);
            return objects.manifest(name, alias.version())
                    .orElseThrow(() -> new NotFound("model '" + ref + "' not found: the alias points at version "
                            + alias.version() + ", which does not exist"));
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            OptionalInt latest = objects.latestVersion(name);
            if (latest.isEmpty()) {
                break;
            }
            Optional<Manifest> manifest = objects.manifest(name, latest.getAsInt());
            if (manifest.isPresent()) {
                return manifest.get();
            }
            // Deleted between the listing and the read: look again.
        }
        throw new NotFound("model '" + ref + "' not found");
    }

    /** As {@link #resolve}; an alias with a canary routes to both of its versions. */
    ModelRoute route(ModelRef ref) {
        if (ref.alias().isEmpty()) {
            return ModelRoute.of(resolve(ref));
        }
        String name = ref.name();
        AliasDocument alias = aliasOf(ref);
        Manifest stable = objects.manifest(name, alias.version())
                .orElseThrow(() -> new NotFound("model '" + ref + "' not found: the alias points at version "
                        + alias.version() + ", which does not exist"));
        // A canary deleted under the alias (deleting refuses that; a hand edit might not) serves nothing.
        ModelRoute route = alias.canary() == null ? ModelRoute.of(stable) : objects.manifest(name, alias.canary().version())
                .map(canary -> new ModelRoute(stable, Optional.of(canary), alias.canary().weight()))
                .orElseGet(() -> ModelRoute.of(stable));
        return alias.shadow() == null ? route : route.withShadow(objects.manifest(name, alias.shadow().version()));
    }

    private AliasDocument aliasOf(ModelRef ref) {
        String name = ref.name();
        return objects.aliasDocument(name, ref.alias().get())
                .orElseThrow(() -> new NotFound("model '" + ref + "' not found: '" + name + "' has no alias '"
                        + ref.alias().get() + "'"));
    }

    /** A HEAD of the version's manifest: no read, no parse. */
    boolean isRegistered(String name, int version) {
        return bucket.exists(manifestKey(ModelRef.requireName("model", name), version));
    }

    byte[] readFile(Manifest manifest, String fileName) {
        FileEntry entry = manifest.files().stream().filter(f -> f.name().equals(fileName)).findFirst()
                .orElseThrow(() -> new NotFound("model '" + manifest.ref() + "' has no file '" + fileName + "'"));
        String key = fileKey(manifest.name(), manifest.version(), entry.name());
        byte[] data = bucket.read(key)
                .orElseThrow(() -> new NotFound("file '" + fileName + "' of model '" + manifest.ref()
                        + "' is no longer stored"));
        String actual = ModelFile.sha256Hex(data);
        if (data.length != entry.size() || !actual.equals(entry.sha256())) {
            LOG.error("integrity check failed for s3://{}/{}: {} bytes sha256 {}, manifest says {} bytes sha256 {}",
                    bucket.name(), key, data.length, actual, entry.size(), entry.sha256());
            throw new ServiceUnavailable("file '" + fileName + "' of model '" + manifest.ref()
                    + "' failed its sha256 check; the stored copy is corrupt");
        }
        return data;
    }

    Page<ModelSummary> listModels(int limit, Optional<String> cursor) {
        // '0' is the character right after '/', so this starts after every key of the cursor's model.
        String startAfter = cursor.map(c -> ROOT + decodeCursor(c) + "0").orElse(null);
        ListObjectsV2Response page = bucket.listPage(ROOT, "/", limit, startAfter);
        page.contents().forEach(object -> objects.strayKeys().report(object.key()));
        List<String> names = page.commonPrefixes().stream()
                .map(p -> p.prefix().substring(ROOT.length(), p.prefix().length() - 1))
                .toList();
        List<ModelSummary> items = new ArrayList<>();
        for (String name : names) {
            if (!RegistryObjects.isName(name)) {
                objects.strayKeys().report(ROOT + name + "/");
                continue;
            }
            OptionalInt latest = objects.latestVersion(name);
            if (latest.isPresent()) {
                Map<String, Integer> byAlias = new LinkedHashMap<>();
                aliases.aliases(name).forEach(a -> byAlias.put(a.alias(), a.version()));
                items.add(new ModelSummary(name, latest.getAsInt(), byAlias));
            }
        }
        Optional<String> next = Boolean.TRUE.equals(page.isTruncated()) && !names.isEmpty()
                ? Optional.of(encodeCursor(names.get(names.size() - 1)))
                : Optional.empty();
        return new Page<>(items, next);
    }

    Page<Manifest> versions(String name, int limit, Optional<String> cursor) {
        ModelRef.requireName("name", name);
        int before = cursor.map(c -> ModelRef.parseVersion("cursor", c)).orElse(Integer.MAX_VALUE);
        List<Integer> all = objects.versionsOf(name, Kind.MANIFEST);
        if (all.isEmpty() && objects.versionsOf(name, Kind.PENDING).isEmpty()) {
            throw new NotFound("model '" + name + "' not found");
        }
        List<Integer> newestFirst = all.stream().sorted((a, b) -> Integer.compare(b, a)).filter(v -> v < before)
                .toList();
        List<Integer> page = newestFirst.stream().limit(limit).toList();
        List<Manifest> manifests = page.stream().map(v -> objects.manifest(name, v)).flatMap(Optional::stream)
                .toList();
        Optional<String> next = newestFirst.size() > page.size()
                ? Optional.of(String.valueOf(page.get(page.size() - 1)))
                : Optional.empty();
        return new Page<>(manifests, next);
    }

    List<DownloadUrl> downloadUrls(Manifest manifest, Duration validFor) {
        List<DownloadUrl> urls = new ArrayList<>();
        for (FileEntry file : manifest.files()) {
            String key = fileKey(manifest.name(), manifest.version(), file.name());
            S3Bucket.PresignedGet presigned = bucket.presignGet(key, validFor, g -> {
            });
            urls.add(new DownloadUrl(file.name(), presigned.url(), presigned.expiresAt()));
        }
        return urls;
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
}
