package dev.mlapi.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.bench.ColdStartProbe;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Cold start of each function's own Lambda jar: a fresh JVM per run, {@link ColdStartProbe} as
 * main, the function's jar as the whole classpath, storage embedded in this process. Prints a
 * Markdown table (the one in BENCHMARKS.md).
 *
 * <pre>./mvnw -q -DskipTests package &amp;&amp; ./mvnw -q -pl local exec:exec -Dexec.classpathScope=test \
 *     -Drun.main=dev.mlapi.local.bench.ColdStartBenchmark [-Drun.args="11 /path/to/other/checkout"]</pre>
 */
public final class ColdStartBenchmark {

    /** What each measured function is asked on its first request. */
    record Case(String function, String handler, String event) {
    }

    static final List<Case> CASES = List.of(
            new Case("login", "dev.mlapi.login.LoginHandler", "login-login-json.json"),
            new Case("health", "dev.mlapi.health.CheckHealthHandler", "health-check.json"));

    /** JVM flags as in template.yaml's Globals (JAVA_TOOL_OPTIONS); login overrides to full C2. */
    static final Map<String, String> JVM_FLAGS = Map.of(
            "login", "-XX:+TieredCompilation -XX:TieredStopAtLevel=4",
            "health", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");

    private ColdStartBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        // exec:exec passes -Drun.args as one argument: split it.
        List<String> words = java.util.Arrays.stream(String.join(" ", args).trim().split("\\s+"))
                .filter(w -> !w.isEmpty()).toList();
        int runs = words.isEmpty() ? 5 : Integer.parseInt(words.get(0));
        Path root = Events.repositoryRoot();
        // Optional: another checkout whose jars are measured in the same run, interleaved, for before/after.
        Optional<Path> other = words.size() > 1 ? Optional.of(Path.of(words.get(1))) : Optional.empty();
        try (TestStack stack = TestStack.start()) {
            var hasher = stack.wiring().passwordHasher();
            stack.wiring().userStore().create(new User("bench-alice", "alice", Optional.empty(), Role.USER,
                    hasher.hash("correct-horse-battery"), Instant.now(), 0));
            Map<String, String> env = new HashMap<>(stack.environment());
            env.put(Config.Env.ADMIN_USERNAME, "admin");
            env.put(Config.Env.ADMIN_PASSWORD, "bench-admin-password");
            System.out.printf("%nCold start, %d fresh JVMs per jar, interleaved, the first of each discarded (%s, %d cores)%n%n",
                    runs, System.getProperty("java.vm.name") + " " + Runtime.version(), Runtime.getRuntime().availableProcessors());
            System.out.println("| function | checkout | jar (MB) | JVM start → first response, median (min–max) ms | init ms | first invoke ms | second invoke ms |");
            System.out.println("|---|---|---:|---:|---:|---:|---:|");
            Map<String, Path> checkouts = new java.util.LinkedHashMap<>();
            other.ifPresent(path -> checkouts.put("before: " + path.getFileName(), path));
            checkouts.put("this", root);
            Map<String, List<JsonNode>> samples = new java.util.LinkedHashMap<>();
            for (int i = 0; i <= runs; i++) {
                for (Case c : CASES) {
                    for (var checkout : checkouts.entrySet()) {
                        Path jar = checkout.getValue().resolve("functions/" + c.function() + "/target/" + c.function() + ".jar");
                        JsonNode sample = probe(jar, c, root.resolve("events").resolve(c.event()), env);
                        if (i > 0) {
                            samples.computeIfAbsent(c.function() + "\t" + checkout.getKey(), k -> new ArrayList<>()).add(sample);
                        }
                    }
                }
            }
            for (Case c : CASES) {
                for (var checkout : checkouts.entrySet()) {
                    Path jar = checkout.getValue().resolve("functions/" + c.function() + "/target/" + c.function() + ".jar");
                    List<JsonNode> s = samples.get(c.function() + "\t" + checkout.getKey());
                    System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %d (%d–%d) | %d | %d | %d |%n", c.function(),
                            checkout.getKey(), Files.size(jar) / 1e6, median(s, "jvm_to_first_response_ms"),
                            min(s, "jvm_to_first_response_ms"), max(s, "jvm_to_first_response_ms"),
                            median(s, "init_ms"), median(s, "first_invoke_ms"), median(s, "second_invoke_ms"));
                }
            }
        }
        // DynamoDB Local's scheduler thread is not a daemon: without this the command hangs after printing.
        System.exit(0);
    }

    static JsonNode probe(Path jar, Case c, Path event, Map<String, String> env) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(JVM_FLAGS.getOrDefault(c.function(), "").split(" ")));
        command.addAll(List.of("-cp", jar.toString(), ColdStartProbe.class.getName(), c.handler(), event.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(c.function() + " probe failed: " + output);
        }
        String line = output.lines().filter(l -> l.startsWith("{\"status\"")).reduce((a, b) -> b).orElseThrow(
                () -> new IllegalStateException(c.function() + " printed no result: " + output));
        JsonNode result = Json.mapper().readTree(line);
        if (result.get("status").asInt() >= 400) {
            throw new IllegalStateException(c.function() + " answered " + line);
        }
        return result;
    }

    static long median(List<JsonNode> samples, String field) {
        List<Long> values = samples.stream().map(s -> s.get(field).asLong()).sorted().toList();
        return values.get(values.size() / 2);
    }

    static long min(List<JsonNode> samples, String field) {
        return samples.stream().mapToLong(s -> s.get(field).asLong()).min().orElseThrow();
    }

    static long max(List<JsonNode> samples, String field) {
        return samples.stream().mapToLong(s -> s.get(field).asLong()).max().orElseThrow();
    }
}
