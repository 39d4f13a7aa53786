package dev.mlapi.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Datasets kept on the worker's disk by their sha256 (Lambda's {@code /tmp}, which outlives one
 * invocation of a warm container), so the tasks of one job after the first read the CSV from
 * disk instead of S3. Bounded: once the files pass {@code maxBytes}, the least recently used go.
 * A file is written under a temporary name and moved into place, so a reader never sees half of one.
 */
final class DatasetCache {

    /** Lambda's /tmp is 512 MB by default; datasets take up to half of it. */
    static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;
    private static final String SUFFIX = ".csv";

    private final Path directory;
    private final long maxBytes;

    DatasetCache(Path directory, long maxBytes) {
        this.directory = directory;
        this.maxBytes = maxBytes;
    }

    /** Under {@code java.io.tmpdir} ({@code /tmp} on Lambda). */
    static DatasetCache inTempDirectory() {
        return new DatasetCache(Path.of(System.getProperty("java.io.tmpdir"), "mlapi-datasets"), DEFAULT_MAX_BYTES);
    }

    /**
     * Where to read the dataset whose digest is {@code sha256}: its file on disk, copied from
     * {@code source} first when missing. A dataset with no digest to name it by, or one that does
     * not fit ({@code maxBytes}, or a full disk), is read from {@code source} each time instead.
     */
    Supplier<InputStream> get(String sha256, Supplier<InputStream> source) {
        if (!sha256.matches("[0-9a-f]{64}")) {
            return source;
        }
        Path file = directory.resolve(sha256 + SUFFIX);
        try {
            if (Files.exists(file)) {
                Files.setLastModifiedTime(file, FileTime.from(Instant.now())); // recently used
                return opener(file, source);
            }
            Files.createDirectories(directory);
            Path partial = Files.createTempFile(directory, sha256, ".part");
            try (InputStream in = source.get()) {
                long copied = Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                if (copied > maxBytes) {
                    Files.deleteIfExists(partial);
                    return source;
                }
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(partial);
                if (e instanceof RuntimeException runtime) {
                    throw runtime; // the source's own failure (the dataset is gone, S3 is down)
                }
                return source; // the disk is full or failing: read from the source
            }
            evict();
            return opener(file, source);
        } catch (IOException e) {
            return source;
        }
    }

    /** Opens {@code file}; if it was evicted meanwhile (another job's dataset), the source. */
    private static Supplier<InputStream> opener(Path file, Supplier<InputStream> source) {
        return () -> {
            try {
                return Files.newInputStream(file);
            } catch (IOException e) {
                return source.get();
            }
        };
    }

    /** Removes the least recently used files until the rest fit in {@code maxBytes}. */
    private void evict() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
                    .sorted(Comparator.comparing(DatasetCache::lastModified).reversed()).toList();
        }
        long kept = 0;
        for (Path file : files) {
            long size = Files.size(file);
            if (kept + size > maxBytes && kept > 0) {
                Files.deleteIfExists(file);
            } else {
                kept += size;
            }
        }
    }

    private static FileTime lastModified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
