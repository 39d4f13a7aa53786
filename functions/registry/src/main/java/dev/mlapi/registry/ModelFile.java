package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.registry.storage.Sha256;
import java.util.regex.Pattern;

/**
 * One file of a model version held in memory, for direct registration (request bodies are at
 * most 6 MB; larger files go through presigned uploads).
 *
 * @param name a path-safe file name, see {@link #requireFileName(String, String)}
 */
public record ModelFile(String name, byte[] data) {

    /** File names inside a model: no separators, no {@code ..}, no leading dot, at most 128 characters. */
    public static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public ModelFile {
        requireFileName("file", name);
        if (data == null) {
            throw new IllegalArgumentException("data of " + name + " is null");
        }
    }

    public long size() {
        return data.length;
    }

    public String sha256() {
        return sha256Hex(data);
    }

    public Manifest.FileEntry entry() {
        return new Manifest.FileEntry(name, size(), sha256());
    }

    /** Throws a 400 naming {@code field} unless {@code name} is a path-safe file name. */
    public static String requireFileName(String field, String name) {
        if (name == null || !FILE_NAME.matcher(name).matches() || name.contains("..")) {
            throw InvalidInput.field(field, "file name must match [A-Za-z0-9][A-Za-z0-9._-]{0,127} without '..', got '"
                    + clip(name) + "'");
        }
        return name;
    }

    /** Lower-case hex SHA-256 of {@code data}. */
    public static String sha256Hex(byte[] data) {
        return Sha256.hex(data);
    }

    private static String clip(String value) {
        if (value == null) {
            return "null";
        }
        return value.length() <= 80 ? value : value.substring(0, 80) + "…";
    }
}
