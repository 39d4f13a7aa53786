package dev.mlapi.train;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, tamper-evident cursors of the job and dataset listings (as history's): the last item's
 * position and the listing it belongs to, signed with HMAC-SHA256 under a key derived from the
 * signing secret. An altered cursor, or one of another listing or caller, is a 400.
 */
final class ListCursor {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final byte[] key;

    private ListCursor(byte[] key) {
        this.key = key;
    }

    static ListCursor withSecret(String secret) {
        return new ListCursor(hmac(secret.getBytes(StandardCharsets.UTF_8),
                "mlapi training cursor v1".getBytes(StandardCharsets.UTF_8)));
    }

    String encode(TrainingTable.Position position, String listing) {
        byte[] payload = (position.createdAt() + "\n" + position.id()).getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(payload) + "." + ENCODER.encodeToString(signature(payload, listing));
    }

    Optional<TrainingTable.Position> decode(Optional<String> cursor, String listing) {
        return cursor.map(c -> decode(c, listing));
    }

    private TrainingTable.Position decode(String cursor, String listing) {
        int dot = cursor.indexOf('.');
        try {
            if (dot > 0) {
                byte[] payload = DECODER.decode(cursor.substring(0, dot));
                byte[] signature = DECODER.decode(cursor.substring(dot + 1));
                String[] parts = new String(payload, StandardCharsets.UTF_8).split("\n", -1);
                if (MessageDigest.isEqual(signature, signature(payload, listing)) && parts.length == 2) {
                    return new TrainingTable.Position(parts[0], parts[1]);
                }
            }
        } catch (IllegalArgumentException notBase64) {
            // Same answer as a bad signature.
        }
        throw InvalidInput.field("cursor", "is not a cursor this API returned for this listing");
    }

    private byte[] signature(byte[] payload, String listing) {
        byte[] name = listing.getBytes(StandardCharsets.UTF_8);
        byte[] message = new byte[payload.length + 1 + name.length];
        System.arraycopy(payload, 0, message, 0, payload.length);
        System.arraycopy(name, 0, message, payload.length + 1, name.length);
        return hmac(key, message);
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
