package dev.mlapi.core.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Class priming for SnapStart: loads and initialises, during init, the classes a function's first
 * request would otherwise load (SDK response types and their unmarshallers, Jackson deserialisers,
 * locale data…), so that the snapshot holds them. The list is a resource of the function's jar,
 * {@value #LIST}, one binary class name per line, written from a real first request by
 * {@code dev.mlapi.local.bench.PrimingClassList} (run it again when a function's request path
 * changes; a stale name is skipped, never an error).
 *
 * <p>It complements the invoke priming of the other {@link Primer}s: they run the code (and so
 * compile it), this one reaches the classes of paths priming cannot take without a side effect
 * (a successful S3 read of an object that may not exist yet, a 200 answer).
 */
public final class ClassPriming implements Primer {

    /** Where a function jar lists the classes its first request loads. */
    public static final String LIST = "META-INF/mlapi/priming-classes.txt";

    private static final Logger LOG = LoggerFactory.getLogger(ClassPriming.class);

    private final ClassLoader loader;
    private final List<String> names;

    ClassPriming(ClassLoader loader, List<String> names) {
        this.loader = loader;
        this.names = names;
    }

    /**
     * The list in this jar, or nothing to do when the jar has none or the JVM runs with
     * {@code -Dmlapi.classPriming=false} (how the cold-start benchmark measures what it saves).
     */
    public static ClassPriming fromClasspath() {
        ClassLoader loader = ClassPriming.class.getClassLoader();
        if (!Boolean.parseBoolean(System.getProperty("mlapi.classPriming", "true"))) {
            return new ClassPriming(loader, List.of());
        }
        try (InputStream in = loader.getResourceAsStream(LIST)) {
            return new ClassPriming(loader, in == null ? List.of() : read(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> read(InputStream in) throws IOException {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return lines.lines().map(String::trim).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        }
    }

    /** How many of the listed classes were loaded; the others are missing from this jar or failed to initialise. */
    int loadAll() {
        int loaded = 0;
        for (String name : names) {
            try {
                Class.forName(name, true, loader);
                loaded++;
            } catch (ClassNotFoundException | LinkageError e) {
                // a stale entry (renamed, or a class this jar does not carry): its first use loads it as before
                LOG.debug("class priming skipped {}: {}", name, e.toString());
            }
        }
        return loaded;
    }

    @Override
    public void prime() {
        if (names.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        int loaded = loadAll();
        LOG.info("class priming loaded {} of {} listed classes in {} ms", loaded, names.size(),
                (System.nanoTime() - started) / 1_000_000);
    }
}
