package dev.mlapi.infra.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** The checkout the tests read: tests run in {@code infra-cdk/}, so the root is its parent. */
public final class Repository {

    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    public static final Path OPENAPI = ROOT.resolve("openapi.yaml");
    public static final Path SAM_TEMPLATE = ROOT.resolve("template.yaml");
    public static final Path SAM_ENV = ROOT.resolve("env.json");
    public static final Path CORE_SOURCES = ROOT.resolve("functions/core/src/main/java/dev/mlapi/core");

    /** The library modules under {@code functions/}: shared code, not functions. */
    public static final Set<String> LIBRARY_MODULES = Set.of("core", "registry", "inference");

    private Repository() {
    }

    /** Every function module: a folder under {@code functions/} with a {@code pom.xml}, except the libraries. */
    public static List<String> functionModules() {
        try (Stream<Path> children = Files.list(ROOT.resolve("functions"))) {
            return children
                    .filter(dir -> Files.isRegularFile(dir.resolve("pom.xml")))
                    .map(dir -> dir.getFileName().toString())
                    .filter(name -> !LIBRARY_MODULES.contains(name))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
