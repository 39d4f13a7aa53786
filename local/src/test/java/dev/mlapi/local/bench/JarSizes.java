package dev.mlapi.local.bench;

import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.core.testkit.Events;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The size of every function jar the reactor built (each module's jar once, with the functions
 * deployed from it): zipped, unzipped (the sum of the entries' sizes, what Lambda's 250 MB limit
 * counts), and the unzipped share of the AWS SDK and of native libraries. Prints the table of
 * BENCHMARKS.md:
 * <pre>./mvnw -q -o -pl local -am -DskipTests package exec:exec -Dexec.classpathScope=test \
 *     -Drun.main=dev.mlapi.local.bench.JarSizes</pre>
 */
public final class JarSizes {

    private JarSizes() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Events.repositoryRoot();
        Map<String, List<String>> modules = new LinkedHashMap<>();
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            modules.computeIfAbsent(spec.module(), m -> new java.util.ArrayList<>()).add(spec.name());
        }
        System.out.println("| jar | functions | zipped (MB) | unzipped (MB) | AWS SDK (MB) | native libraries (MB) | entries |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (var module : modules.entrySet()) {
            Path jar = root.resolve("functions/" + module.getKey() + "/target/" + module.getKey() + ".jar");
            if (!Files.isRegularFile(jar)) {
                System.out.printf("| %s | %s | not built | | | | |%n", module.getKey(), String.join(", ", module.getValue()));
                continue;
            }
            long unzipped = 0;
            long sdk = 0;
            long natives = 0;
            int entries = 0;
            try (JarFile file = new JarFile(jar.toFile())) {
                for (ZipEntry entry : java.util.Collections.list(file.entries())) {
                    long size = entry.getSize();
                    unzipped += size;
                    entries++;
                    String name = entry.getName();
                    if (name.startsWith("software/amazon/awssdk/")) {
                        sdk += size;
                    }
                    if (name.endsWith(".so") || name.endsWith(".dll") || name.endsWith(".dylib") || name.endsWith(".jnilib")) {
                        natives += size;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %.1f | %,d |%n", module.getKey(),
                    String.join(", ", module.getValue()), Files.size(jar) / 1e6, unzipped / 1e6, sdk / 1e6,
                    natives / 1e6, entries);
        }
        System.exit(0);
    }
}
