package dev.mlapi.models;

import dev.mlapi.registry.DownloadUrl;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.Manifest.ImagePreprocessing;
import dev.mlapi.registry.Manifest.TensorSpec;
import dev.mlapi.core.rollup.ShadowAgreements;
import dev.mlapi.registry.AliasEvent;
import dev.mlapi.registry.AliasGuardrail;
import dev.mlapi.registry.ModelAlias;
import dev.mlapi.registry.PromoteAfter;
import dev.mlapi.registry.ModelSummary;
import dev.mlapi.registry.PendingUpload;
import dev.mlapi.registry.PendingVersion;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The JSON answers of the models function (snake_case through the project's mapper; null fields left out). */
final class ModelViews {

    private ModelViews() {
    }

    static String versionPath(String name, int version) {
        return "/models/" + name + "/versions/" + version;
    }

    /** {@code GET /models}. */
    record ModelPage(List<ModelItem> items, String nextCursor) {
    }

    /** One model of the listing. */
    record ModelItem(String name, int latestVersion, Map<String, Integer> aliases) {
        static ModelItem of(ModelSummary summary) {
            return new ModelItem(summary.name(), summary.latestVersion(), summary.aliases());
        }
    }

    /** {@code GET /models/{name}}: aliases, committed versions newest first, pending uploads. */
    record ModelDetail(String name, Integer latestVersion, Map<String, Integer> aliases, List<VersionSummary> versions,
            List<PendingView> pendingVersions, String nextCursor) {
    }

    /** A version in a model's history: its metadata without the label list and the download links. */
    record VersionSummary(int version, String ref, String kind, String description, String modelFile, long sizeBytes,
            List<TensorSpec> inputs, List<TensorSpec> outputs, int labelsCount, List<String> featureNames,
            String target, Map<String, Object> metrics, Map<String, Object> parameters, List<String> aliases,
            String createdBy, Instant createdAt) {

        static VersionSummary of(Manifest m, List<String> aliases) {
            return new VersionSummary(m.version(), m.ref(), m.kind().value(), m.description(), m.modelFile(),
                    m.files().stream().mapToLong(FileEntry::size).sum(), m.inputs(), m.outputs(), m.labels().size(),
                    m.featureNames(), m.target().orElse(null), m.metrics(), m.parameters(), aliases, m.createdBy(),
                    m.createdAt());
        }
    }

    /** A reserved version still waiting for its commit. */
    record PendingView(int version, List<FileEntry> files, String createdBy, Instant createdAt, Instant expiresAt,
            String commitUrl) {
        static PendingView of(PendingVersion p) {
            return new PendingView(p.version(), p.files(), p.createdBy(), p.createdAt(), p.expiresAt(),
                    versionPath(p.name(), p.version()) + "/commit");
        }
    }

    /** One version's full manifest, its aliases and, when asked for, presigned download URLs. */
    record VersionView(String name, int version, String ref, String kind, String description, String modelFile,
            List<FileEntry> files, List<TensorSpec> inputs, List<TensorSpec> outputs, ImagePreprocessing preprocessing,
            List<String> labels, List<String> featureNames, String target, Map<String, Object> metrics,
            Map<String, Object> parameters, String createdBy, Instant createdAt, List<String> aliases,
            List<DownloadView> downloads) {

        static VersionView of(Manifest m, List<String> aliases, List<DownloadUrl> downloads) {
            return new VersionView(m.name(), m.version(), m.ref(), m.kind().value(), m.description(), m.modelFile(),
                    m.files(), m.inputs(), m.outputs(), m.preprocessing().orElse(null), m.labels(), m.featureNames(),
                    m.target().orElse(null), m.metrics(), m.parameters(), m.createdBy(), m.createdAt(), aliases,
                    downloads == null ? null : downloads.stream().map(DownloadView::of).toList());
        }

        String location() {
            return versionPath(name, version);
        }
    }

    /** A presigned GET URL of one file. */
    record DownloadView(String file, URI url, Instant expiresAt) {
        static DownloadView of(DownloadUrl url) {
            return new DownloadView(url.file(), url.url(), url.expiresAt());
        }
    }

    /** {@code 202} answer of a presigned registration: where to PUT each file, then what to POST. */
    record UploadView(String name, int version, String status, Instant expiresAt, List<UploadTarget> uploads,
            String commitUrl) {
        static UploadView of(PendingUpload pending) {
            return new UploadView(pending.name(), pending.version(), "pending", pending.expiresAt(),
                    pending.uploads().stream().map(UploadTarget::of).toList(),
                    versionPath(pending.name(), pending.version()) + "/commit");
        }
    }

    /** One presigned PUT: send exactly these headers (they are signed). */
    record UploadTarget(String file, String method, URI url, Map<String, String> headers) {
        static UploadTarget of(PendingUpload.UploadUrl url) {
            return new UploadTarget(url.file(), url.method(), url.url(), url.headers());
        }
    }

    /** {@code PUT /models/{name}/aliases/{alias}}; {@code canary} only for an alias that has one. */
    record AliasView(String name, String alias, int version, Integer previousVersion, Instant updatedAt,
            String updatedBy, CanaryView canary, ShadowView shadow, AliasGuardrail guardrail,
            PromoteAfter promoteAfter) {
        static AliasView of(ModelAlias alias) {
            return new AliasView(alias.model(), alias.alias(), alias.version(),
                    alias.previousVersion().isPresent() ? alias.previousVersion().getAsInt() : null,
                    alias.updatedAt(), alias.updatedBy(), alias.canary().map(CanaryView::of).orElse(null),
                    alias.shadow().map(s -> ShadowView.of(s, null)).orElse(null), alias.guardrail().orElse(null),
                    alias.promoteAfter().orElse(null));
        }

        AliasView withShadow(ShadowView shadow) {
            return new AliasView(name, alias, version, previousVersion, updatedAt, updatedBy, canary, shadow,
                    guardrail, promoteAfter);
        }
    }

    /** An alias's shadow: its version, since when it scores copies, and (GET) how often it agreed since. */
    record ShadowView(int version, Instant since, AgreementView agreement) {
        static ShadowView of(ModelAlias.Shadow shadow, ShadowAgreements.Agreement agreement) {
            return new ShadowView(shadow.version(), shadow.since(), agreement == null ? null
                    : new AgreementView(agreement.requests(), agreement.agreed(), agreement.rate()));
        }
    }

    /** Requests the shadow scored, answers that agreed with the stable one, and their ratio. */
    record AgreementView(long requests, long agreed, double rate) {
    }

    /** {@code GET /models/{name}/aliases/{alias}/events}: newest first, {@code next_token} for the next page. */
    record EventsView(List<EventView> items, String nextToken) {
    }

    /** One change of an alias. */
    record EventView(Instant at, String kind, Integer fromVersion, int toVersion, String reason, String by,
            Map<String, Object> figures) {
        static EventView of(AliasEvent e) {
            return new EventView(e.at(), e.kind().value(), e.fromVersion(), e.toVersion(), e.reason(), e.by(),
                    e.figures());
        }
    }

    /** An alias's canary: its version, the percentage of requests it serves, since when. */
    record CanaryView(int version, int weight, Instant since) {
        static CanaryView of(ModelAlias.Canary canary) {
            return new CanaryView(canary.version(), canary.weight(), canary.since());
        }
    }

    /**
     * {@code GET /models/{name}/aliases/{alias}}: the alias, how its requests split (percent per
     * side) and what each side served since the split began (the stable side alone: since the alias
     * last changed), from the per-version rollups.
     */
    record AliasDetail(String name, String alias, int version, Integer previousVersion, Instant updatedAt,
            String updatedBy, CanaryView canary, ShadowView shadow, AliasGuardrail guardrail,
            PromoteAfter promoteAfter, Map<String, Integer> split, FiguresView figures) {
        static AliasDetail of(AliasView view, Map<String, Integer> split, FiguresView figures) {
            return new AliasDetail(view.name(), view.alias(), view.version(), view.previousVersion(),
                    view.updatedAt(), view.updatedBy(), view.canary(), view.shadow(), view.guardrail(),
                    view.promoteAfter(), split, figures);
        }
    }

    /** The window the figures cover and each side's figures ({@code stable}, {@code canary}), with its version. */
    record FiguresView(Instant from, Instant to, Map<String, Map<String, Object>> sides) {
    }
}
