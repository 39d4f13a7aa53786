package dev.mlapi.core.http;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one format of request ids: 16 URL-safe base64 characters (12 random bytes) when the
 * server makes one. A caller's own {@code X-Request-Id} of a safe shape ({@value #SAFE_SHAPE}) is
 * kept, so a client can follow its request through answers, logs and history; anything else is
 * replaced. The id keys the request log; another request under an id already logged is logged
 * under that id with a random suffix (a caller cannot keep a request out of the log).
 */
public final class RequestIds {

    public static final String HEADER = "x-request-id";
    public static final String SAFE_SHAPE = "[A-Za-z0-9_-]{8,64}";
    private static final Pattern SAFE = Pattern.compile(SAFE_SHAPE);
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestIds() {
    }

    /** A new id, like API Gateway's own: base64 of random bytes, here URL-safe and unpadded. */
    public static String newId() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** {@code incoming} if it has the safe shape. */
    public static Optional<String> safe(String incoming) {
        return Optional.ofNullable(incoming).filter(id -> SAFE.matcher(id).matches());
    }

    /** The caller's id if it has the safe shape, else a new one. */
    public static String keepOrNew(String incoming) {
        return safe(incoming).orElseGet(RequestIds::newId);
    }
}
