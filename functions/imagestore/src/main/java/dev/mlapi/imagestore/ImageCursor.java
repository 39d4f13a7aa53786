package dev.mlapi.imagestore;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, tamper-evident listing cursors: a position in an index and the query it belongs to,
 * signed with HMAC-SHA256 under a key derived from the signing secret. A cursor that was altered
 * or belongs to another query is a 400.
 */
final class ImageCursor {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final byte[] key;

    private ImageCursor(byte[] key) {
        this.key = key;
    }

    static ImageCursor withSecret(String secret) {
        return new ImageCursor(hmac(secret.getBytes(StandardCharsets.UTF_8),
                "mlapi image cursor v1".getBytes(StandardCharsets.UTF_8)));
    }

    String encode(String position, String query) {
        byte[] payload = position.getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(payload) + "." + ENCODER.encodeToString(signature(payload, query));
    }

    String decode(String cursor, String query) {
        int dot = cursor.indexOf('.');
        try {
            if (dot > 0) {
                byte[] payload = DECODER.decode(cursor.substring(0, dot));
                byte[] signature = DECODER.decode(cursor.substring(dot + 1));
                if (MessageDigest.isEqual(signature, signature(payload, query))) {
                    return new String(payload, StandardCharsets.UTF_8);
                }
            }
        } catch (IllegalArgumentException notBase64) {
            // Same answer as a bad signature.
        }
        throw InvalidInput.field("cursor", "is not a cursor this API returned for this query");
    }

    private byte[] signature(byte[] payload, String query) {
        byte[] fingerprint = query.getBytes(StandardCharsets.UTF_8);
        byte[] message = new byte[payload.length + 1 + fingerprint.length];
        System.arraycopy(payload, 0, message, 0, payload.length);
        System.arraycopy(fingerprint, 0, message, payload.length + 1, fingerprint.length);
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
