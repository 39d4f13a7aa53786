package dev.mlapi.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the benchmarks that compare with scikit-learn share: their script found above the working
 * directory, run with {@code -Dbench.python} (python3 by default), and the JSON objects it prints
 * one a line; the load average they print beside their figures.
 */
final class PythonScripts {

    private PythonScripts() {
    }

    /** The interpreter to run: {@code -Dbench.python}, or python3. */
    static String python() {
        return System.getProperty("bench.python", "python3");
    }

    /** {@code relative} in the nearest folder above the working directory that has it. */
    static Optional<Path> findUp(Path relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(relative))) {
                return Optional.of(dir.resolve(relative));
            }
        }
        return Optional.empty();
    }

    /** What a script printed: its JSON lines (other lines are passed over) and its exit code. */
    record Output(List<JsonNode> lines, int exit) {

        /** The lines by their {@code id} field. */
        Map<String, JsonNode> byId() {
            Map<String, JsonNode> byId = new LinkedHashMap<>();
            lines.forEach(line -> byId.put(line.get("id").asText(), line));
            return byId;
        }
    }

    /** Runs {@code python script args…} to its end, its errors passed to ours. */
    static Output run(String python, Path script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python, script.toString()));
        command.addAll(Arrays.asList(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("{")) {
                lines.add(Json.readTree(line.getBytes(StandardCharsets.UTF_8)));
            }
        }
        return new Output(lines, process.waitFor());
    }

    /** The machine's load averages (1, 5, 15 minutes), or "unknown". */
    static String loadAverage() {
        try {
            return Arrays.stream(Files.readString(Path.of("/proc/loadavg")).split(" ")).limit(3).toList().toString();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
