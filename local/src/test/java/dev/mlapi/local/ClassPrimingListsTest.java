package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.core.runtime.ClassPriming;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * Every function jar carries its class-priming list, and the list still names the jar's classes:
 * a refactor that renames most of what the first request loads makes the list stale (priming then
 * silently does less), which this catches; run {@code PrimingClassList} again to refresh it.
 */
class ClassPrimingListsTest {

    /** How a module's list is written (what {@code PrimingClassList}'s javadoc says). */
    static final String PRIMING_CLASS_LIST = "./mvnw -q -o -pl local -am -DskipTests package exec:exec "
            + "-Dexec.classpathScope=test -Drun.main=dev.mlapi.local.bench.PrimingClassList";

    @Test
    void everyFunctionJar_carriesAClassPrimingList_whoseNamesItsJarCanLoad() throws Exception {
        Path root = LocalServer.repositoryRoot();
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            Path jarPath = root.resolve(spec.jarPath());
            List<String> names;
            try (JarFile jar = new JarFile(jarPath.toFile())) {
                ZipEntry entry = jar.getEntry(ClassPriming.LIST);
                assertThat(entry).as(spec.jarPath() + " has no " + ClassPriming.LIST + ": a new function needs "
                        + "functions/" + spec.module() + "/src/main/resources/" + ClassPriming.LIST + " ("
                        + FunctionContract.Step.PRIMING_LIST.label() + "): build, run " + PRIMING_CLASS_LIST
                        + ", build again").isNotNull();
                try (BufferedReader lines = new BufferedReader(
                        new InputStreamReader(jar.getInputStream(entry), StandardCharsets.UTF_8))) {
                    names = lines.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
                }
            }
            assertThat(names).as(spec.name() + "'s list").hasSizeGreaterThan(5);
            // the jar alone, on the JDK's own classes: as Lambda runs it
            try (URLClassLoader loader = new URLClassLoader(new URL[] {jarPath.toUri().toURL()},
                    ClassLoader.getPlatformClassLoader())) {
                List<String> missing = names.stream().filter(name -> !loadable(name, loader)).toList();
                assertThat(missing.size()).as(spec.name() + ": listed classes its jar cannot load (the list is stale: run "
                        + PRIMING_CLASS_LIST + "): " + missing)
                        .isLessThanOrEqualTo(names.size() / 20);
            }
        }
    }

    private static boolean loadable(String name, ClassLoader loader) {
        try {
            Class.forName(name, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
