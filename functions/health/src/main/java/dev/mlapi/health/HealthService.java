package dev.mlapi.health;

import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.core.runtime.ProcessInfo;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/** What {@code GET /health} reports: liveness for everyone, runtime details for admins. */
public final class HealthService {

    private final String version;
    private final Clock clock;
    private final AtomicBoolean coldStart = new AtomicBoolean(true);

    public HealthService(String version, Clock clock) {
        this.version = version;
        this.clock = clock;
    }

    public Map<String, Object> report(Optional<Principal> caller) {
        // priming's synthetic request is not the container's first
        boolean cold = Priming.inProgress() ? coldStart.get() : coldStart.getAndSet(false);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("status", "ok");
        report.put("version", version);
        report.put("time", clock.instant().toString());
        if (caller.map(Principal::isAdmin).orElse(false)) {
            report.put("cold_start", cold);
            report.put("uptime_seconds", ProcessInfo.uptime().toMillis() / 1000.0);
            report.put("java_version", Runtime.version().toString());
            report.put("memory", ProcessInfo.memory());
            report.put("cpu", ProcessInfo.cpu());
            report.put("tmp_disk", ProcessInfo.tmpDisk());
            report.put("loaded_models", loadedModels());
        }
        return report;
    }

    /**
     * {@code name:version} of each model in this process's memory, as {@code openapi.yaml}
     * declares them: none in a health-only Lambda container, classify's in the local server.
     */
    private static List<String> loadedModels() {
        return ProcessInfo.loadedModels().stream().map(m -> m.name() + ":" + m.version()).distinct().toList();
    }
}
