package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.registry.RegistryDocuments.AliasDocument;
import dev.mlapi.registry.RegistryDocuments.CanaryDocument;
import dev.mlapi.registry.RegistryDocuments.EventDocument;
import dev.mlapi.registry.RegistryDocuments.ShadowDocument;
import java.time.Instant;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * The settings of an alias beyond its stable version and canary: the shadow's checks, and the
 * next alias document built from a target (a canary or shadow kept at the same version keeps its
 * {@code since}, so its figures go on counting).
 */
final class AliasSettings {

    private AliasSettings() {
    }

    /** A shadow must be another existing version of the stable one's kind, neither stable nor canary. */
    static void requireShadow(Manifest stable, AliasTarget target, IntFunction<Optional<Manifest>> manifests) {
        if (target.shadow().isEmpty()) {
            return;
        }
        int shadow = target.shadow().getAsInt();
        if (shadow == stable.version()) {
            throw InvalidInput.field("shadow.version", "must differ from version (" + stable.version()
                    + "): a shadow is compared with the stable answer");
        }
        if (target.canary().map(c -> c.version() == shadow).orElse(false)) {
            throw InvalidInput.field("shadow.version", "must differ from canary.version (" + shadow
                    + "): the canary already serves real requests");
        }
        Manifest manifest = manifests.apply(shadow).orElseThrow(() -> InvalidInput.field("shadow.version",
                "'" + stable.name() + ":" + shadow + "' does not exist"));
        if (manifest.kind() != stable.kind()) {
            throw InvalidInput.field("shadow.version", "'" + manifest.ref() + "' is a " + manifest.kind().value()
                    + " model, but version " + stable.version() + " is a " + stable.kind().value()
                    + " model: an alias serves one kind");
        }
    }

    /** The document of change {@code change}: {@code target} replacing {@code previous}, with the decision behind it if automatic. */
    static AliasDocument next(Optional<AliasDocument> previous, String name, String alias, AliasTarget target,
            Instant now, String updatedBy, int change, Optional<AliasEvent.Decision> decision) {
        int version = target.version();
        CanaryDocument canary = target.canary().map(c -> new CanaryDocument(c.version(), c.weight(), previous
                .filter(p -> p.version() == version && p.canary() != null && p.canary().version() == c.version()
                        && p.canary().weight() == c.weight())
                .map(p -> p.canary().since()).orElse(now))).orElse(null);
        ShadowDocument shadow = target.shadow().isPresent()
                ? new ShadowDocument(target.shadow().getAsInt(), previous
                        .filter(p -> p.version() == version && p.shadow() != null
                                && p.shadow().version() == target.shadow().getAsInt())
                        .map(p -> p.shadow().since()).orElse(now))
                : null;
        return new AliasDocument(RegistryDocuments.FORMAT, name, alias, version,
                previous.map(AliasDocument::version).orElse(null), now, updatedBy, canary, change, shadow,
                target.guardrail().orElse(null), target.promoteAfter().orElse(null),
                decision.map(EventDocument::of).orElse(null));
    }
}
