package dev.mlapi.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ModelRegistry} that remembers what each reference resolved to, so a warm container
 * serving a model does not read its alias and manifest from S3 on every request (a few
 * milliseconds each). An alias moved (deploy or roll back), a newer latest version or a version
 * deleted takes effect within {@link #TTL}; {@link #forget()} drops everything, e.g. after a
 * SnapStart restore.
 *
 * <p>A reference naming a version ({@code iris:3}) resolves to an immutable manifest: it is kept
 * for as long as it is asked for, and once its TTL has passed only whether the version still
 * exists is asked again ({@link ModelRegistry#isRegistered}, a HEAD in S3), not the manifest
 * itself. Only successful resolutions are remembered: a 404 is asked again next time. At most
 * {@link #MAX_REMEMBERED} references are remembered. File reads pass through.
 */
public final class RememberedResolutions implements ModelRegistry {

    /** How long a resolution is served from memory before the registry is asked again. */
    public static final Duration TTL = Duration.ofSeconds(5);

    /** The most references remembered at once; beyond it the expired ones, then all, are dropped. */
    static final int MAX_REMEMBERED = 1024;

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
        if (cached != null && ref.version().isPresent()) {
            Manifest manifest = cached.route().stable();
            if (registry.isRegistered(manifest.name(), manifest.version())) {
                resolutions.put(ref, new Resolution(cached.route(), now.plus(TTL)));
                return cached.route();
            }
            resolutions.remove(ref, cached);
        }
        ModelRoute route = registry.route(ref);
        remember(ref, new Resolution(route, now.plus(TTL)), now);
        return route;
    }

    @Override
    public boolean isRegistered(String name, int version) {
        return registry.isRegistered(name, version);
    }

    @Override
    public byte[] readFile(Manifest manifest, String fileName) {
        return registry.readFile(manifest, fileName);
    }

    /** Forgets every resolution: the next request reads the registry again. */
    public void forget() {
        resolutions.clear();
    }

    private void remember(ModelRef ref, Resolution resolution, Instant now) {
        if (resolutions.size() >= MAX_REMEMBERED && !resolutions.containsKey(ref)) {
            resolutions.values().removeIf(r -> !now.isBefore(r.expiresAt()));
            if (resolutions.size() >= MAX_REMEMBERED) {
                resolutions.clear();
            }
        }
        resolutions.put(ref, resolution);
    }

    private record Resolution(ModelRoute route, Instant expiresAt) {
    }
}
