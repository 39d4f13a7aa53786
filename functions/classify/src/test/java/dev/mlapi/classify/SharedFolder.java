package dev.mlapi.classify;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code shared/} folder beside the checkout (real models and photos): from the system
 * property {@code mlapi.shared.dir}, else {@code ../../../shared} from this module. It exists on
 * developer machines and CI, not on a user's clone; tests that need it skip with a message.
 */
public final class SharedFolder {

    public static final String PROPERTY = "mlapi.shared.dir";

    private SharedFolder() {
    }

    public static Optional<Path> find() {
        String configured = System.getProperty(PROPERTY);
        Path dir = configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of("").toAbsolutePath().resolve("../../../shared").normalize();
        return Files.isDirectory(dir.resolve("models")) && Files.isDirectory(dir.resolve("images"))
                ? Optional.of(dir) : Optional.empty();
    }

    /** The folder, or skips the calling test with a message saying how to provide it. */
    public static Path require() {
        Optional<Path> dir = find();
        assumeTrue(dir.isPresent(), "skipped: no shared/ folder with models/ and images/ found at ../../../shared"
                + " (or -D" + PROPERTY + "=...); real-model tests need it");
        return dir.get();
    }
}
