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

    private Repository() {
    }
}
