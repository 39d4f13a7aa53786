package dev.mlapi.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.json.Json;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.Manifest.ImagePreprocessing;
import dev.mlapi.registry.Manifest.TensorSpec;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON documents the S3 registry stores, and their mapping to the domain records. The stored
 * format is its own (snake_case, nulls left out, unknown fields ignored so that older code reads
 * newer documents), independent of the API's views.
 */
final class RegistryDocuments {

    /** Written into every document; bump when a change is not backward compatible. */
    static final int FORMAT = 1;

    private static final Logger LOG = LoggerFactory.getLogger(RegistryDocuments.class);
    private static final ObjectReader LENIENT = Json.mapper().reader()
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private RegistryDocuments() {
    }

    static byte[] write(Object document) {
        return Json.write(document);
    }

    static <T> T read(byte[] json, Class<T> type, String key) {
        try {
            return LENIENT.readValue(json, type);
        } catch (IOException e) {
            // A key of the layout whose bytes are not its document: storage was damaged, not the request.
            LOG.error("the registry document {} is not readable as {}: {}", key, type.getSimpleName(), e.toString());
            throw new ServiceUnavailable("a stored document of the model registry is unreadable; an administrator "
                    + "has to repair or delete it");
        }
    }

    /** {@code models/{name}/manifests/{v}.json}. */
    record ManifestDocument(int format, String name, int version, String kind, String description, String modelFile,
            List<FileEntry> files, List<TensorSpec> inputs, List<TensorSpec> outputs, ImagePreprocessing preprocessing,
            List<String> labels, List<String> featureNames, String target, Map<String, Object> metrics,
            Map<String, Object> parameters, String createdBy, Instant createdAt) {

        static ManifestDocument of(Manifest m) {
            return new ManifestDocument(FORMAT, m.name(), m.version(), m.kind().value(), m.description(), m.modelFile(),
                    m.files(), m.inputs(), m.outputs(), m.preprocessing().orElse(null), m.labels(), m.featureNames(),
                    m.target().orElse(null), m.metrics(), m.parameters(), m.createdBy(), m.createdAt());
        }

        Manifest toManifest() {
            return new Manifest(name, version, ModelKind.parse(kind), orEmpty(description), modelFile, list(files),
                    list(inputs), list(outputs), Optional.ofNullable(preprocessing), list(labels), list(featureNames),
                    Optional.ofNullable(target), map(metrics), map(parameters), createdBy, createdAt);
        }
    }

    /** A registration as kept in a pending upload until its commit. */
    record RegistrationDocument(String kind, String description, String modelFile, List<TensorSpec> inputs,
            List<TensorSpec> outputs, ImagePreprocessing preprocessing, List<String> labels, String labelsFile,
            List<String> featureNames, String target, Map<String, Object> metrics, Map<String, Object> parameters,
            String createdBy) {

        static RegistrationDocument of(ModelRegistration r) {
            return new RegistrationDocument(r.kind().value(), r.description(), r.modelFile(), r.inputs(), r.outputs(),
                    r.preprocessing().orElse(null), r.labels(), r.labelsFile().orElse(null), r.featureNames(),
                    r.target().orElse(null), r.metrics(), r.parameters(), r.createdBy());
        }

        ModelRegistration toRegistration(String name) {
            return new ModelRegistration(name, ModelKind.parse(kind), orEmpty(description), modelFile, list(inputs),
                    list(outputs), Optional.ofNullable(preprocessing), list(labels), Optional.ofNullable(labelsFile),
                    list(featureNames), Optional.ofNullable(target), map(metrics), map(parameters), createdBy);
        }
    }

    /** {@code models/{name}/pending/{v}.json}: a reserved version waiting for its uploads. */
    record PendingDocument(int format, String name, int version, RegistrationDocument registration,
            List<FileEntry> files, Instant createdAt, Instant expiresAt) {

        PendingVersion toPendingVersion() {
            return new PendingVersion(name, version, list(files), registration.createdBy(), createdAt, expiresAt);
        }
    }

    /**
     * {@code models/{name}/claims/{v}}: who took a version number, when, and for what kind of
     * registration; {@code token} makes every claim attempt's bytes unique.
     */
    record ClaimDocument(int format, String name, int version, String claimedBy, Instant claimedAt, String mode,
            String token) {
    }

    /**
     * {@code models/{name}/owner.json}: the user the name belongs to, created once with
     * If-None-Match: * by the first registration, upload or training job for the name and never
     * replaced; {@code token} makes every attempt's bytes unique.
     */
    record OwnerDocument(int format, String name, String owner, Instant claimedAt, String token) {
    }

    /**
     * {@code models/{name}/aliases/{alias}.json}, and the same document as change record
     * {@code alias-changes/{alias}/{change}.json}; {@code canary}, {@code shadow}, {@code guardrail},
     * {@code promote_after} and {@code event} are absent where unset (and in every document written
     * before them), which older code ignores. {@code event} says why an automatic change was made.
     */
    record AliasDocument(int format, String model, String alias, int version, Integer previousVersion,
            Instant updatedAt, String updatedBy, CanaryDocument canary, Integer change, ShadowDocument shadow,
            AliasGuardrail guardrail, PromoteAfter promoteAfter, EventDocument event) {

        /** A document of the fields from before shadows and guardrails. */
        AliasDocument(int format, String model, String alias, int version, Integer previousVersion,
                Instant updatedAt, String updatedBy, CanaryDocument canary, Integer change) {
            this(format, model, alias, version, previousVersion, updatedAt, updatedBy, canary, change, null, null,
                    null, null);
        }

        /** The number of the change that wrote this document; 0 for one written before changes were numbered. */
        int changeNumber() {
            return change == null ? 0 : change;
        }

        /** This alias written again as change {@code next}: the same settings, no event. */
        AliasDocument rewritten(Instant at, int next) {
            return new AliasDocument(format, model, alias, version, previousVersion, at, updatedBy, canary, next,
                    shadow, guardrail, promoteAfter, null);
        }

        ModelAlias toAlias() {
            return new ModelAlias(model, alias, version,
                    previousVersion == null ? OptionalInt.empty() : OptionalInt.of(previousVersion), updatedAt,
                    updatedBy, Optional.ofNullable(canary).map(c -> new ModelAlias.Canary(c.version(), c.weight(),
                            c.since())),
                    Optional.ofNullable(shadow).map(s -> new ModelAlias.Shadow(s.version(), s.since())),
                    Optional.ofNullable(guardrail), Optional.ofNullable(promoteAfter), changeNumber());
        }

        AliasEvent toEvent() {
            if (event != null) {
                return new AliasEvent(changeNumber(), updatedAt, AliasEvent.Kind.parse(event.kind()),
                        event.fromVersion(), event.toVersion(), event.reason(), updatedBy, map(event.figures()));
            }
            return new AliasEvent(changeNumber(), updatedAt, AliasEvent.Kind.CHANGE, previousVersion, version,
                    canary == null ? "set by " + updatedBy
                            : "set by " + updatedBy + ", canary " + canary.version() + " at " + canary.weight() + "%",
                    updatedBy, Map.of());
        }
    }

    /** The canary of an alias document: its version, weight (percent) and since when it serves at it. */
    record CanaryDocument(int version, int weight, Instant since) {
    }

    /** The shadow of an alias document: its version and since when it scores copies. */
    record ShadowDocument(int version, Instant since) {
    }

    /** Why the aggregator changed an alias: a rollback or a promotion, and the figures it decided on. */
    record EventDocument(String kind, Integer fromVersion, int toVersion, String reason, Map<String, Object> figures) {

        static EventDocument of(AliasEvent.Decision d) {
            return new EventDocument(d.kind().value(), d.fromVersion(), d.toVersion(), d.reason(), d.figures());
        }
    }

    private static <T> List<T> list(List<T> values) {
        return values == null ? List.of() : values;
    }

    private static Map<String, Object> map(Map<String, Object> values) {
        return values == null ? Map.of() : values;
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
