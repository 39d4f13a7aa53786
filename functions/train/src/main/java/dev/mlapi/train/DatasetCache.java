package dev.mlapi.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
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

    /** The bytes of the dataset whose digest is {@code sha256}: from disk, or from {@code source} (then kept). */
    byte[] get(String sha256, Supplier<byte[]> source) {
        if (!sha256.matches("[0-9a-f]{64}")) {
            return source.get(); // no digest to name it by: not cached
        }
        Path file = directory.resolve(sha256 + SUFFIX);
        try {
            Optional<byte[]> cached = read(file);
            if (cached.isPresent()) {
                return cached.get();
            }
            byte[] bytes = source.get();
            Files.createDirectories(directory);
            Path partial = Files.createTempFile(directory, sha256, ".part");
            Files.write(partial, bytes);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            evict();
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("the dataset cache in " + directory + " failed", e);
        }
    }

    private static Optional<byte[]> read(Path file) throws IOException {
        try {
            byte[] bytes = Files.readAllBytes(file);
            Files.setLastModifiedTime(file, FileTime.from(Instant.now())); // recently used
            return Optional.of(bytes);
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
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
