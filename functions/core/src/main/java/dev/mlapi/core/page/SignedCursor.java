package dev.mlapi.core.page;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, tamper-evident listing cursors: the position of a page's last item (a few text parts)
 * and the query it belongs to, signed with HMAC-SHA256 under a key derived from the signing secret
 * for one purpose. A cursor that was altered, or that belongs to another query, caller or listing,
 * is a 400 that says nothing of the format. The form is {@code base64url(parts joined by \n) "."
 * base64url(HMAC(key, payload 0x00 query))}.
 */
public final class SignedCursor {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final String SEPARATOR = "\n";

    private final byte[] key;
    private final String refusal;

    private SignedCursor(byte[] key, String refusal) {
        this.key = key;
        this.refusal = refusal;
    }

    /**
     * Cursors keyed by HMAC({@code secret}, {@code purpose}), so the secret itself signs nothing but
     * tokens and a cursor of one listing is no cursor of another.
     *
     * @param purpose what the key is for, versioned, e.g. {@code "mlapi history cursor v1"}
     * @param noun    what a cursor belongs to in the 400's words ("query", "listing")
     */
    public static SignedCursor withSecret(String secret, String purpose, String noun) {
        return new SignedCursor(hmac(secret.getBytes(StandardCharsets.UTF_8), purpose.getBytes(StandardCharsets.UTF_8)),
                "is not a cursor this API returned for this " + noun);
    }

    /** The position {@code parts} of a page of {@code query}, signed. */
    public String encode(List<String> parts, String query) {
        byte[] payload = String.join(SEPARATOR, parts).getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(payload) + "." + ENCODER.encodeToString(signature(payload, query));
    }

    /**
     * The {@code partCount} position parts of {@code cursor}, if this API issued it for {@code query};
     * else a 400 on {@code cursor}. With one part the payload is returned whole.
     */
    public List<String> decode(String cursor, String query, int partCount) {
        int dot = cursor.indexOf('.');
        try {
            if (dot > 0) {
                byte[] payload = DECODER.decode(cursor.substring(0, dot));
                byte[] signature = DECODER.decode(cursor.substring(dot + 1));
                String text = new String(payload, StandardCharsets.UTF_8);
                List<String> parts = partCount == 1 ? List.of(text) : Arrays.asList(text.split(SEPARATOR, -1));
                if (MessageDigest.isEqual(signature, signature(payload, query)) && parts.size() == partCount) {
                    return List.copyOf(parts);
                }
            }
        } catch (IllegalArgumentException notBase64) {
            // Same answer as a bad signature: the caller learns nothing about the format.
        }
        throw InvalidInput.field("cursor", refusal);
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
