package dev.mlapi.inference;

/**
 * Which model a {@link ModelCache} entry holds: name and version, plus the model file's checksum,
 * so that the same version in another registry (another bucket) is not mistaken for this one.
 */
public record ModelKey(String name, int version, String checksum) {

    /** {@code name:version#checksum}, the checksum shortened to twelve characters. */
    @Override
    public String toString() {
        return name + ":" + version + (checksum.isEmpty() ? "" : "#" + checksum.substring(0, Math.min(12, checksum.length())));
    }
}
