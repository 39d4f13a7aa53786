package dev.mlapi.infra.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The checkout the tests read: tests run in {@code infra-cdk/}, so the root is its parent. */
public final class Repository {

    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    public static final Path OPENAPI = ROOT.resolve("openapi.yaml");
    public static final Path SAM_TEMPLATE = ROOT.resolve("template.yaml");
    public static final Path SAM_ENV = ROOT.resolve("env.json");
    public static final Path CORE_SOURCES = ROOT.resolve("functions/core/src/main/java/dev/mlapi/core");

    /** The shared library module: not a function. */
    public static final String CORE_MODULE = "core";

    private Repository() {
    }

    /** Every function module: a folder under {@code functions/} with a {@code pom.xml}, except core. */
    public static List<String> functionModules() {
        try (Stream<Path> children = Files.list(ROOT.resolve("functions"))) {
            return children
                    .filter(dir -> Files.isRegularFile(dir.resolve("pom.xml")))
                    .map(dir -> dir.getFileName().toString())
                    .filter(name -> !name.equals(CORE_MODULE))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
