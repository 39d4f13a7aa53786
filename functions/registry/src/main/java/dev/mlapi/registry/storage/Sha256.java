package dev.mlapi.registry.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/** SHA-256 as the API declares it (lower-case hex), of bytes in memory or streamed through it. */
public final class Sha256 {

    private static final int BUFFER = 64 * 1024;

    private Sha256() {
    }

    /** The size and sha256 of a stream read to its end; {@code data} holds the bytes when asked to keep them. */
    public record Digest(long size, String sha256, Optional<byte[]> data) {
    }

    /** Lower-case hex SHA-256 of {@code data}. */
    public static String hex(byte[] data) {
        return HexFormat.of().formatHex(newDigest().digest(data));
    }

    /**
     * Streams {@code in} to its end through SHA-256, 64 KB at a time, keeping the bytes if asked
     * ({@code sizeHint} sizes the copy). The caller closes the stream.
     */
    public static Digest of(InputStream in, boolean keepBytes, long sizeHint) throws IOException {
        MessageDigest digest = newDigest();
        ByteArrayOutputStream copy = keepBytes
                ? new ByteArrayOutputStream((int) Math.max(32, Math.min(sizeHint, 1 << 20)))
                : null;
        byte[] buffer = new byte[BUFFER];
        long size = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            digest.update(buffer, 0, n);
            size += n;
            if (copy != null) {
                copy.write(buffer, 0, n);
            }
        }
        return new Digest(size, HexFormat.of().formatHex(digest.digest()),
                copy == null ? Optional.empty() : Optional.of(copy.toByteArray()));
    }

    /** A fresh SHA-256 digest (every JDK has one). */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
