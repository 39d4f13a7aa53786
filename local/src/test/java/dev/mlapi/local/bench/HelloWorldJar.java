package dev.mlapi.local.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlapi.core.bench.ColdStartProbe;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Packages {@link HelloWorldHandler} as a Lambda jar would carry it: the handler, the Lambda core
 * and events libraries, and (for {@link ColdStartProbe}, which every function jar also carries)
 * Jackson. Built by the benchmark in the same run as it measures the function jars.
 */
final class HelloWorldJar {

    private HelloWorldJar() {
    }

    static Path build(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Set<String> written = new HashSet<>();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Class<?> library : List.of(RequestHandler.class, APIGatewayV2HTTPEvent.class, ObjectMapper.class,
                    JsonParser.class, JsonProperty.class)) {
                copyJar(source(library), out, written);
            }
            copyClasses(HelloWorldHandler.class, out, written);
            copyClasses(ColdStartProbe.class, out, written);
        }
        return jar;
    }

    private static Path source(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyJar(Path source, JarOutputStream out, Set<String> written) throws IOException {
        try (JarFile jar = new JarFile(source.toFile())) {
            for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                String name = entry.getName();
                if (entry.isDirectory() || name.startsWith("META-INF/") || name.endsWith("module-info.class")
                        || !written.add(name)) {
                    continue;
                }
                out.putNextEntry(new JarEntry(name));
                try (InputStream in = jar.getInputStream(entry)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
    }

    /** The class and its nested classes, from wherever the build put them (a classes folder or a jar). */
    private static void copyClasses(Class<?> type, JarOutputStream out, Set<String> written) throws IOException {
        Path source = source(type);
        String folder = type.getPackageName().replace('.', '/');
        String prefix = type.getSimpleName();
        if (Files.isDirectory(source)) {
            try (Stream<Path> files = Files.list(source.resolve(folder))) {
                for (Path file : files.toList()) {
                    String name = file.getFileName().toString();
                    if (name.equals(prefix + ".class") || name.startsWith(prefix + "$")) {
                        add(folder + "/" + name, Files.readAllBytes(file), out, written);
                    }
                }
            }
            return;
        }
        try (JarFile jar = new JarFile(source.toFile())) {
            for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                String name = entry.getName();
                if (name.equals(folder + "/" + prefix + ".class") || name.startsWith(folder + "/" + prefix + "$")) {
                    try (InputStream in = jar.getInputStream(entry)) {
                        add(name, in.readAllBytes(), out, written);
                    }
                }
            }
        }
    }

    private static void add(String name, byte[] bytes, JarOutputStream out, Set<String> written) throws IOException {
        if (!written.add(name)) {
            return;
        }
        out.putNextEntry(new JarEntry(name));
        OutputStream entry = out;
        entry.write(bytes);
        out.closeEntry();
    }
}
