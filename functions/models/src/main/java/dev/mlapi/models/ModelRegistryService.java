package dev.mlapi.models;

import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.rollup.ReadBudgetExceeded;
import dev.mlapi.core.rollup.RequestRollups;
import dev.mlapi.core.rollup.ShadowAgreements;
import dev.mlapi.models.ModelViews.EventView;
import dev.mlapi.models.ModelViews.EventsView;
import dev.mlapi.models.ModelViews.ShadowView;
import dev.mlapi.registry.AliasEvent;
import dev.mlapi.models.ModelViews.AliasDetail;
import dev.mlapi.models.ModelViews.FiguresView;
import dev.mlapi.core.page.Page;
import dev.mlapi.core.page.SignedCursor;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.models.ModelRequests.AliasRequest;
import dev.mlapi.models.ModelRequests.DirectUpload;
import dev.mlapi.models.ModelRequests.UploadRequest;
import dev.mlapi.models.ModelViews.AliasView;
import dev.mlapi.models.ModelViews.ModelDetail;
import dev.mlapi.models.ModelViews.ModelItem;
import dev.mlapi.models.ModelViews.ModelPage;
import dev.mlapi.models.ModelViews.PendingView;
import dev.mlapi.models.ModelViews.UploadView;
import dev.mlapi.models.ModelViews.VersionSummary;
import dev.mlapi.models.ModelViews.VersionView;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.ModelAlias;
import dev.mlapi.registry.ModelCatalog;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.ModelRegistryWriter;
import dev.mlapi.registry.ModelSummary;
import dev.mlapi.registry.S3ModelRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/** What the models function does: browse the registry, register versions, move aliases, delete versions. */
public final class ModelRegistryService implements Primer {

    static final Duration DOWNLOAD_URL_VALIDITY = Duration.ofMinutes(15);

    private final ModelRegistryWriter registry;
    private final ModelCatalog catalog;
    private final Supplier<SignedCursor> cursors;
    private final AliasFigures figures;

    /**
     * @param cursors the signer of the listings' cursors (built on first use: it needs the signing secret)
     * @param figures what each version served, for an alias's figures
     */
    ModelRegistryService(ModelRegistryWriter registry, ModelCatalog catalog, Supplier<SignedCursor> cursors,
            AliasFigures figures) {
        this.registry = registry;
        this.catalog = catalog;
        this.cursors = cursors;
        this.figures = figures;
    }

    /** The service over one S3 registry, which is both its writer and its catalog. */
    public static ModelRegistryService create(S3ModelRegistry registry, Supplier<SignedCursor> cursors,
            Supplier<RequestRollups> rollups, Clock clock, Duration retention) {
        return new ModelRegistryService(registry, registry, cursors, new AliasFigures(rollups, clock, retention));
    }

    /** As above, with the shadows' agreement counts for an alias's shadow. */
    public static ModelRegistryService create(S3ModelRegistry registry, Supplier<SignedCursor> cursors,
            Supplier<RequestRollups> rollups, Supplier<ShadowAgreements> agreements, Clock clock, Duration retention) {
        return new ModelRegistryService(registry, registry, cursors,
                new AliasFigures(rollups, clock, retention, agreements));
    }

    /** The model listings' cursors, keyed by the signing secret: an altered cursor, or one of another listing, is a 400. */
    public static SignedCursor cursorsWithSecret(String secret) {
        return SignedCursor.withSecret(secret, "mlapi models cursor v1", "listing");
    }

    /** Lists one model of the registry and writes the page as JSON: the S3 client's first call, read only. */
    @Override
    public void prime() {
        Json.write(list(1, Optional.empty()));
    }

    ModelPage list(int limit, Optional<String> signedCursor) {
        Optional<String> cursor = unsigned(signedCursor, MODEL_LISTING);
        Page<ModelSummary> page = catalog.listModels(limit, cursor);
        return new ModelPage(page.items().stream().map(ModelItem::of).toList(),
                signed(page.nextCursor(), MODEL_LISTING).orElse(null));
    }

    ModelDetail describe(String name, int limit, Optional<String> signedCursor) {
        String listing = VERSION_LISTING + name;
        Optional<String> cursor = unsigned(signedCursor, listing);
        Page<Manifest> versions = catalog.versions(name, limit, cursor);
        Map<String, Integer> aliases = aliasMap(name);
        Integer latest = cursor.isEmpty() && !versions.items().isEmpty()
                ? Integer.valueOf(versions.items().get(0).version())
                : registry.find(ModelRef.parse("name", name)).map(Manifest::version).orElse(null);
        return new ModelDetail(name, latest, aliases,
                versions.items().stream().map(m -> VersionSummary.of(m, aliasesOf(aliases, m.version()))).toList(),
                catalog.pendingVersions(name).stream().map(PendingView::of).toList(),
                signed(versions.nextCursor(), listing).orElse(null));
    }

    private static final String MODEL_LISTING = "GET /models";
    private static final String VERSION_LISTING = "GET /models/";

    /** The catalog's own cursor inside a {@code next_cursor} this API signed for {@code listing}; else a 400. */
    private Optional<String> unsigned(Optional<String> cursor, String listing) {
        return cursor.map(c -> cursors.get().decode(c, listing, 1).get(0));
    }

    private Optional<String> signed(Optional<String> cursor, String listing) {
        return cursor.map(c -> cursors.get().encode(List.of(c), listing));
    }

    VersionView version(String name, int version) {
        Manifest manifest = registry.resolve(versionRef(name, version));
        return VersionView.of(manifest, aliasesOf(aliasMap(name), version),
                catalog.downloadUrls(manifest, DOWNLOAD_URL_VALIDITY));
    }

    /** The manifest of one version: a 404 when there is none. */
    Manifest manifest(String name, int version) {
        return registry.resolve(versionRef(name, version));
    }

    VersionView register(String name, DirectUpload upload, String createdBy) {
        List<ModelFile> files = upload.files();
        ModelRegistration registration = ModelRequests.registration(name, upload.kind(), upload.description(),
                Optional.of(upload.modelFile().name()), files.stream().map(ModelFile::name).toList(),
                upload.metadata(), createdBy);
        return VersionView.of(registry.register(registration, files), List.of(), null);
    }

    UploadView reserve(String name, UploadRequest request, String createdBy) {
        List<FileEntry> files = ModelRequests.declaredFiles(request);
        ModelRegistration registration = ModelRequests.registration(name, request.kind(), request.description(),
                Optional.ofNullable(request.modelFile()), files.stream().map(FileEntry::name).toList(),
                request.metadata(), createdBy);
        return UploadView.of(registry.reserve(registration, files));
    }

    VersionView commit(String name, int version) {
        Manifest manifest = registry.commit(name, version);
        return VersionView.of(manifest, aliasesOf(aliasMap(name), version), null);
    }

    AliasView setAlias(String name, String alias, AliasRequest body, String updatedBy) {
        return AliasView.of(registry.setAlias(name, alias, ModelRequests.aliasTarget(body), updatedBy));
    }

    /**
     * One alias, its split, and each side's figures since the split began (the canary's
     * {@code since}; without a canary, since the alias last changed). 404 for an unknown alias.
     */
    AliasDetail alias(String name, String alias) {
        ModelRef.requireName("name", name);
        ModelRef.requireName("alias", alias);
        ModelAlias found = catalog.aliases(name).stream().filter(a -> a.alias().equals(alias)).findFirst()
                .orElseThrow(() -> new NotFound("model '" + name + "' has no alias '" + alias + "'"));
        Map<String, Integer> split = new LinkedHashMap<>();
        split.put("stable", 100 - found.canary().map(ModelAlias.Canary::weight).orElse(0));
        found.canary().ifPresent(c -> split.put("canary", c.weight()));
        AliasFigures.Window window;
        try {
            window = figures.since(found.canary().map(ModelAlias.Canary::since).orElse(found.updatedAt()));
        } catch (ReadBudgetExceeded e) {
            throw new ServiceUnavailable("the figures of alias '" + name + "@" + alias + "' took too long to read");
        }
        Map<String, Map<String, Object>> sides = new LinkedHashMap<>();
        sides.put("stable", side(window, name, found.version()));
        found.canary().ifPresent(c -> sides.put("canary", side(window, name, c.version())));
        AliasView view = AliasView.of(found);
        if (found.shadow().isPresent()) {
            ModelAlias.Shadow shadow = found.shadow().get();
            view = view.withShadow(ShadowView.of(shadow, figures.agreement(name + "@" + alias, shadow.version(),
                    shadow.since())));
        }
        return AliasDetail.of(view, split, new FiguresView(window.from(), window.to(), sides));
    }

    /** The changes of one alias, newest first: by people, rollbacks and promotions. 404 for an unknown alias. */
    EventsView events(String name, String alias, int limit, Optional<String> nextToken) {
        ModelRef.requireName("name", name);
        ModelRef.requireName("alias", alias);
        Page<AliasEvent> page = catalog.aliasEvents(name, alias, limit, nextToken);
        return new EventsView(page.items().stream().map(EventView::of).toList(), page.nextCursor().orElse(null));
    }

    private static Map<String, Object> side(AliasFigures.Window window, String name, int version) {
        Map<String, Object> side = new LinkedHashMap<>();
        side.put("version", version);
        side.putAll(AliasFigures.figures(window.of(name, version)));
        return side;
    }

    void delete(String name, int version) {
        registry.deleteVersion(name, version);
    }

    private Map<String, Integer> aliasMap(String name) {
        Map<String, Integer> aliases = new LinkedHashMap<>();
        for (ModelAlias alias : catalog.aliases(name)) {
            aliases.put(alias.alias(), alias.version());
        }
        return aliases;
    }

    private static List<String> aliasesOf(Map<String, Integer> aliases, int version) {
        return aliases.entrySet().stream().filter(e -> e.getValue() == version).map(Map.Entry::getKey).toList();
    }

    private static ModelRef versionRef(String name, int version) {
        return new ModelRef(name, OptionalInt.of(version), Optional.empty());
    }
}
