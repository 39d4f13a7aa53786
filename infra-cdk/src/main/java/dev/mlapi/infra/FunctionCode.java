package dev.mlapi.infra;

import dev.mlapi.catalog.FunctionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a function's code comes from: its module's shaded jar. A test run that comes before the
 * jars are packaged may name a placeholder instead; a real synth never does, and fails with what
 * to build.
 */
public final class FunctionCode {

    private FunctionCode() {
    }

    public static Path locate(FunctionSpec spec, Path repositoryRoot, Optional<Path> missingJarPlaceholder) {
        Path jar = repositoryRoot.resolve(spec.jarPath()).normalize();
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        return missingJarPlaceholder
                .map(placeholder -> placeholder.toAbsolutePath().normalize())
                .orElseThrow(() -> new IllegalStateException(jar + " does not exist: build the functions first"
                        + " (./mvnw -DskipTests package at the repository root)"));
    }
}
