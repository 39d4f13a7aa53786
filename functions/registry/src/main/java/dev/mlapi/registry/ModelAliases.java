package dev.mlapi.registry;

import static dev.mlapi.registry.RegistryKeys.aliasChangeKey;
import static dev.mlapi.registry.RegistryKeys.aliasKey;
import static dev.mlapi.registry.RegistryKeys.manifestKey;

import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.page.Page;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.registry.RegistryDocuments.AliasDocument;
import dev.mlapi.registry.RegistryKeys.Kind;
import dev.mlapi.registry.storage.S3Bucket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's aliases: reading them, and setting one (with an optional canary) by numbered changes
 * so that concurrent changes apply one after the other; a version deleted meanwhile undoes the
 * change, so no alias is left pointing at a deleted version.
 */
final class ModelAliases {

    private static final Logger LOG = LoggerFactory.getLogger(ModelAliases.class);
    /** A numbered alias change whose document is still unwritten after this long died: others finish it. */
    private static final Duration ALIAS_CHANGE_STALE = Duration.ofSeconds(5);
    /** Reads of an alias being changed by others, at most (about 20 ms apart): a bound even under a frozen clock. */
    private static final int MAX_ALIAS_ATTEMPTS = 1000;

    private final RegistryObjects objects;
    private final S3Bucket bucket;
    private final Clock clock;

    ModelAliases(RegistryObjects objects, Clock clock) {
        this.objects = objects;
        this.bucket = objects.bucket();
        this.clock = clock;
    }

    List<ModelAlias> aliases(String name) {
        ModelRef.requireName("name", name);
        List<ModelAlias> aliases = new ArrayList<>();
        for (RegistryObjects.Listed listed : objects.listed(name, Kind.ALIAS)) {
            objects.aliasDocument(name, listed.key().item()).map(AliasDocument::toAlias).ifPresent(aliases::add);
        }
        return aliases;
    }

    /**
     * Changes are numbered: a change that read the document of change {@code n} first creates the
     * record of change {@code n + 1} with If-None-Match: * (so of concurrent changes exactly one
     * takes each number), then writes the alias document. A change that finds record {@code n + 1}
     * already taken waits for its document (or, when its writer died before writing it, writes it
     * itself after {@link #ALIAS_CHANGE_STALE}) and reads again: changes apply one after the other,
     * each replacing the document it read.
     */
    ModelAlias setAlias(String name, String alias, AliasTarget target, String updatedBy) {
        ModelRef.requireName("name", name);
        ModelRef.requireName("alias", alias);
        int version = target.version();
        String manifestKey = manifestKey(name, version);
        Manifest stable = objects.manifest(name, version)
                .orElseThrow(() -> new NotFound("model '" + name + ":" + version + "' not found"));
        target.canary().ifPresent(canary -> requireCanary(stable, canary));
        AliasSettings.requireShadow(stable, target, v -> objects.manifest(name, v));
        String key = aliasKey(name, alias);
        Instant deadline = clock.instant().plus(ALIAS_CHANGE_STALE.multipliedBy(3));
        for (int attempt = 1; ; attempt++) {
            Optional<AliasDocument> previous = objects.aliasDocument(name, alias);
            int change = previous.map(AliasDocument::changeNumber).orElse(0) + 1;
            String changeKey = aliasChangeKey(name, alias, change);
            Instant now = clock.instant();
            if (now.isAfter(deadline) || attempt > MAX_ALIAS_ATTEMPTS) {
                throw new Conflict("alias '" + name + "@" + alias + "' kept changing while it was being set; try again");
            }
            Optional<byte[]> taken = bucket.read(changeKey);
            if (taken.isPresent()) {
                AliasDocument next = RegistryDocuments.read(taken.get(), AliasDocument.class, changeKey);
                if (next.updatedAt().plus(ALIAS_CHANGE_STALE).isBefore(now)) {
                    objects.put(key, taken.get()); // its writer died between the record and the document: finish it
                } else {
                    pause();
                }
                continue;
            }
            AliasDocument updated = AliasSettings.next(previous, name, alias, target, now, updatedBy, change,
                    Optional.empty());
            byte[] json = RegistryDocuments.write(updated);
            if (!objects.putIfAbsent(changeKey, json)) {
                continue; // another change took this number: read what it wrote, then go on from there
            }
            objects.put(key, json);
            boolean gone = !bucket.exists(manifestKey)
                    || target.canary().map(c -> !bucket.exists(manifestKey(name, c.version()))).orElse(false);
            if (gone) {
                // A version was deleted while we wrote: undo (as the next change), so that the alias never dangles.
                undo(name, alias, previous, change + 1);
                throw new Conflict("a version of alias '" + name + "@" + alias
                        + "' was deleted while the alias was being set");
            }
            LOG.info("alias {}@{} -> {} (was {}){} by {}, change {}", name, alias, version, updated.previousVersion(),
                    target.canary().map(c -> ", canary " + c.version() + " at " + c.weight() + "%").orElse(""),
                    updatedBy, change);
            return updated.toAlias();
        }
    }

    /** A 409 naming the aliases (stable or canary) that point at {@code name:version}, if any do. */
    void requireNoAlias(String name, int version) {
        List<String> pointing = aliases(name).stream()
                .filter(a -> a.version() == version || a.canary().filter(c -> c.version() == version).isPresent()
                        || a.shadow().filter(sh -> sh.version() == version).isPresent())
                .map(ModelAlias::alias).toList();
        if (!pointing.isEmpty()) {
            throw new Conflict("'" + name + ":" + version + "' is the target of alias " + String.join(", ", pointing)
                    + "; point the alias at another version first");
        }
    }

    /**
     * A conditional change: applied only if the alias is still at change {@code expectedChange} and no
     * other change takes the next number first (If-None-Match: * on its change record), so a change
     * somebody makes meanwhile wins. The versions are the alias's own, so they are not checked again.
     */
    Optional<ModelAlias> replaceAlias(String name, String alias, int expectedChange, AliasTarget target,
            String updatedBy, AliasEvent.Decision decision) {
        Optional<AliasDocument> previous = objects.aliasDocument(name, alias);
        if (previous.isEmpty() || previous.get().changeNumber() != expectedChange) {
            return Optional.empty();
        }
        int change = expectedChange + 1;
        AliasDocument updated = AliasSettings.next(previous, name, alias, target, clock.instant(), updatedBy, change,
                Optional.of(decision));
        byte[] json = RegistryDocuments.write(updated);
        if (!objects.putIfAbsent(aliasChangeKey(name, alias, change), json)) {
            return Optional.empty();
        }
        objects.put(aliasKey(name, alias), json);
        LOG.info("alias {}@{}: {} from {} to {} ({}), change {}", name, alias, decision.kind().value(),
                decision.fromVersion(), decision.toVersion(), decision.reason(), change);
        return Optional.of(updated.toAlias());
    }

    /** The change records of the alias, newest first, read one by one down from the current change. */
    Page<AliasEvent> aliasEvents(String name, String alias, int limit, Optional<String> cursor) {
        ModelRef.requireName("name", name);
        ModelRef.requireName("alias", alias);
        AliasDocument current = objects.aliasDocument(name, alias)
                .orElseThrow(() -> new NotFound("model '" + name + "' has no alias '" + alias + "'"));
        int below = cursor.map(c -> ModelRef.parseVersion("next_token", c)).orElse(current.changeNumber() + 1);
        List<AliasEvent> events = new ArrayList<>();
        int change = Math.min(below, current.changeNumber() + 1) - 1;
        for (; change >= 1 && events.size() < limit; change--) {
            String key = aliasChangeKey(name, alias, change);
            // A record may be missing: an undone first change is removed so the numbering starts over.
            bucket.read(key).map(json -> RegistryDocuments.read(json, AliasDocument.class, key).toEvent())
                    .ifPresent(events::add);
        }
        if (current.changeNumber() == 0 && cursor.isEmpty()) {
            events.add(current.toEvent()); // an alias from before changes were numbered: its one known state
        }
        return new Page<>(events, change >= 1 ? Optional.of(String.valueOf(change + 1)) : Optional.empty());
    }

    private void undo(String name, String alias, Optional<AliasDocument> previous, int change) {
        String key = aliasKey(name, alias);
        if (previous.isEmpty()) {
            // The alias is new: remove it and its first change record, so the numbering starts over.
            bucket.delete(key);
            bucket.delete(aliasChangeKey(name, alias, change - 1));
            return;
        }
        AliasDocument p = previous.get();
        byte[] json = RegistryDocuments.write(p.rewritten(clock.instant(), change));
        if (objects.putIfAbsent(aliasChangeKey(name, alias, change), json)) {
            objects.put(key, json);
        } // else a later change already replaced ours
    }

    private static void pause() {
        try {
            Thread.sleep(10 + (long) (Math.random() * 20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailable("interrupted while waiting for a concurrent change of the alias");
        }
    }

    /** A canary must be another existing version of the same kind, at a weight of 1 to 50 percent. */
    private void requireCanary(Manifest stable, AliasTarget.CanaryTarget canary) {
        if (canary.weight() < ModelAlias.Canary.MIN_WEIGHT || canary.weight() > ModelAlias.Canary.MAX_WEIGHT) {
            throw InvalidInput.field("canary.weight", "must be a percentage from %d to %d, got %d"
                    .formatted(ModelAlias.Canary.MIN_WEIGHT, ModelAlias.Canary.MAX_WEIGHT, canary.weight()));
        }
        if (canary.version() == stable.version()) {
            throw InvalidInput.field("canary.version", "must differ from version (" + stable.version()
                    + "): a canary is another version");
        }
        Manifest manifest = objects.manifest(stable.name(), canary.version())
                .orElseThrow(() -> InvalidInput.field("canary.version", "'" + stable.name() + ":" + canary.version()
                        + "' does not exist"));
        if (manifest.kind() != stable.kind()) {
            throw InvalidInput.field("canary.version", "'" + manifest.ref() + "' is a " + manifest.kind().value()
                    + " model, but version " + stable.version() + " is a " + stable.kind().value()
                    + " model: an alias serves one kind");
        }
    }
}
