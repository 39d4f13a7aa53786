package dev.mlapi.history;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.requestlog.HistoryPosition;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, tamper-evident history cursors: the position of the last entry of a page and the query
 * it belongs to, signed with HMAC-SHA256. A cursor that was altered, or that belongs to another
 * query or another caller, is refused with a 400.
 */
final class HistoryCursor {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final String SEPARATOR = "\n";

    private final byte[] key;

    private HistoryCursor(byte[] key) {
        this.key = key;
    }

    /** Cursors keyed by a key derived from {@code secret}, so the secret itself signs nothing but tokens. */
    static HistoryCursor withSecret(String secret) {
        return new HistoryCursor(hmac(secret.getBytes(StandardCharsets.UTF_8),
                "mlapi history cursor v1".getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code position} of a page of the query described by {@code queryFingerprint}, signed. */
    String encode(HistoryPosition position, String queryFingerprint) {
        String payload = String.join(SEPARATOR, position.day(), position.createdAt(), position.requestId());
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(bytes) + "." + ENCODER.encodeToString(signature(bytes, queryFingerprint));
    }

    /** The position in {@code cursor}, if it was issued by this API for the same query. */
    HistoryPosition decode(String cursor, String queryFingerprint) {
        int dot = cursor.indexOf('.');
        try {
            if (dot > 0) {
                byte[] payload = DECODER.decode(cursor.substring(0, dot));
                byte[] signature = DECODER.decode(cursor.substring(dot + 1));
                String[] parts = new String(payload, StandardCharsets.UTF_8).split(SEPARATOR, -1);
                if (MessageDigest.isEqual(signature, signature(payload, queryFingerprint)) && parts.length == 3) {
                    return new HistoryPosition(parts[0], parts[1], parts[2]);
                }
            }
        } catch (IllegalArgumentException notBase64) {
            // Same answer as a bad signature: the caller learns nothing about the format.
        }
        throw InvalidInput.field("cursor", "is not a cursor this API returned for this query");
    }

    Optional<HistoryPosition> decode(Optional<String> cursor, String queryFingerprint) {
        return cursor.map(c -> decode(c, queryFingerprint));
    }

    private byte[] signature(byte[] payload, String queryFingerprint) {
        byte[] fingerprint = queryFingerprint.getBytes(StandardCharsets.UTF_8);
        byte[] message = new byte[payload.length + 1 + fingerprint.length];
        System.arraycopy(payload, 0, message, 0, payload.length);
        message[payload.length] = 0;
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
