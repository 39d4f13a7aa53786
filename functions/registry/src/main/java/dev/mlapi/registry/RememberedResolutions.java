package dev.mlapi.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ModelRegistry} that remembers what each reference resolved to for a short time, so a
 * warm container serving a model does not read its alias and manifest from S3 on every request
 * (a few milliseconds each). An alias moved (deploy or roll back) or a version deleted takes
 * effect within {@link #TTL}; {@link #forget()} drops everything, e.g. after a SnapStart restore.
 * Only successful resolutions are remembered: a 404 is asked again next time. File reads pass through.
 */
public final class RememberedResolutions implements ModelRegistry {

    /** How long a resolution is served from memory. */
    public static final Duration TTL = Duration.ofSeconds(5);

    private final ModelRegistry registry;
    private final Clock clock;
    private final ConcurrentHashMap<ModelRef, Resolution> resolutions = new ConcurrentHashMap<>();

    public RememberedResolutions(ModelRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public Manifest resolve(ModelRef ref) {
        return route(ref).stable();
    }

    /** Where {@code ref}'s requests go (both sides of a canary alias), remembered as resolutions are. */
    @Override
    public ModelRoute route(ModelRef ref) {
        Instant now = clock.instant();
        Resolution cached = resolutions.get(ref);
        if (cached != null && now.isBefore(cached.expiresAt())) {
            return cached.route();
        }
        ModelRoute route = registry.route(ref);
        resolutions.put(ref, new Resolution(route, now.plus(TTL)));
        return route;
    }

    @Override
    public byte[] readFile(Manifest manifest, String fileName) {
        return registry.readFile(manifest, fileName);
    }

    /** Forgets every resolution: the next request reads the registry again. */
    public void forget() {
        resolutions.clear();
    }

    private record Resolution(ModelRoute route, Instant expiresAt) {
    }
}
