package dev.mlapi.local;

import dev.mlapi.registry.ModelRoute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rollback latency on the local server: a 10% canary that refuses every request it gets, behind a
 * guardrail; from the first request the canary served to the moment {@code GET} on the alias shows
 * it rolled back, in requests (all, and the canary's) and seconds. Requests are sent one at a
 * time, each followed by a read of the alias. Prints a table; the machine's load average with it.
 *
 * <pre>
 * ./mvnw -q -o -pl local -am -DskipTests package exec:exec -Dexec.classpathScope=test \
 *     -Drun.main=dev.mlapi.local.RollbackLatencyBenchmark [-Drun.args="runs (3) min_requests (10)"]
 * </pre>
 */
public final class RollbackLatencyBenchmark {

    private RollbackLatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        // exec passes -Drun.args as one argument: "runs min_requests".
        String[] parts = String.join(" ", args).trim().split("\\s+");
        int runs = parts[0].isEmpty() ? 3 : Integer.parseInt(parts[0]);
        int minRequests = parts.length > 1 ? Integer.parseInt(parts[1]) : 10;
        Path data = Files.createTempDirectory("rollback-bench");
        String password = "bench-admin-password";
        List<double[]> rows = new ArrayList<>();
        try (LocalServer server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0),
                LocalServer.repositoryRoot(), Map.of("ADMIN_PASSWORD", password))) {
            for (int run = 0; run <= runs; run++) {
                GuardrailScenario scenario = new GuardrailScenario(server, password, "bench-" + run);
                scenario.setAlias(Map.of("version", GuardrailScenario.STABLE, "canary",
                        Map.of("version", GuardrailScenario.FAILING, "weight", 10), "guardrail",
                        Map.of("max_error_rate_increase", 0.05, "min_requests", minRequests, "window_minutes", 5)));
                long firstCanary = 0;
                long enough = 0;
                int sentAtEnough = 0;
                int sentAtFirst = 0;
                int sent = 0;
                int canary = 0;
                while (true) {
                    String id = "bench-%d-%06d".formatted(run, sent);
                    GuardrailScenario.Served served = scenario.predict(id);
                    sent++;
                    if (served.status() != 200 && ModelRoute.bucket(id) < 10) {
                        if (canary++ == 0) {
                            firstCanary = System.nanoTime();
                            sentAtFirst = sent;
                        }
                        if (canary == minRequests) {
                            enough = System.nanoTime();
                            sentAtEnough = sent;
                        }
                    }
                    if (canary > 0 && !scenario.alias().has("canary")) {
                        break;
                    }
                    if (sent > 100_000) {
                        throw new IllegalStateException("no rollback after " + sent + " requests");
                    }
                }
                long rolledBack = System.nanoTime();
                if (run > 0) { // run 0 warms the JVM and the model cache
                    rows.add(new double[] {run, sent - sentAtFirst + 1, canary, (rolledBack - firstCanary) / 1e9,
                        sent - sentAtEnough, (rolledBack - enough) / 1e9});
                }
            }
        }
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf(Locale.ROOT, "rollback latency, local server: canary 10%%, guardrail min_requests %d, "
                + "window 5 min; load average %s, %d cores%n", minRequests, load,
                Runtime.getRuntime().availableProcessors());
        System.out.println("| run | requests, first canary one to rollback | canary requests | seconds |"
                + " requests after the min_requests-th canary one | seconds after it (aggregator lag) |");
        System.out.println("|---:|---:|---:|---:|---:|---:|");
        for (double[] r : rows) {
            System.out.printf(Locale.ROOT, "| %d | %d | %d | %.2f | %d | %.2f |%n", (int) r[0], (int) r[1], (int) r[2],
                    r[3], (int) r[4], r[5]);
        }
        double[] seconds = rows.stream().mapToDouble(r -> r[3]).sorted().toArray();
        System.out.printf(Locale.ROOT, "median %.2f s, min %.2f s, max %.2f s%n", seconds[seconds.length / 2],
                seconds[0], seconds[seconds.length - 1]);
        System.exit(0); // DynamoDB Local's scheduler thread is not a daemon
    }
}
