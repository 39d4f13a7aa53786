package dev.mlapi.core.auth;

import dev.mlapi.core.error.ApiException.Unauthorized;
import dev.mlapi.core.users.LoginThrottle;
import dev.mlapi.core.users.User;
import dev.mlapi.core.users.UserStore;
import dev.mlapi.core.users.Usernames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP Basic ({@code Authorization: Basic base64(username:password)}) where a route accepts it
 * (DRF's compatibility routes): checked as {@code POST /auth/login} checks a password — the same
 * user lookup, PBKDF2 verifier and {@link LoginThrottle}, so a wrong password counts as a failed
 * login and a throttled username or source is answered 429 before any PBKDF2.
 *
 * <p>A success is remembered for {@code ttl} (at most {@code maxEntries} of them) under the user's
 * id and token version, its stored hash and a salted SHA-256 of the password (never the password):
 * within that time the same credentials cost the user lookup only (which every request pays, so a
 * deleted user or a role change shows at once), and a password change (a new hash and token
 * version) makes the remembered success useless. Only successes are remembered, so every wrong
 * password is throttled and verified.
 */
public final class BasicCredentials {

    public static final Duration DEFAULT_TTL = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_ENTRIES = 1024;

    private final UserStore users;
    private final PasswordVerifier verifier;
    private final LoginThrottle throttle;
    private final Clock clock;
    private final Duration ttl;
    private final int maxEntries;
    /** Mixed into the password's digest: a remembered key says nothing outside this process. */
    private final byte[] salt = new byte[16];
    /** Remembered successes by key, until their instant; oldest first (evicted first when full). */
    private final Map<String, Instant> verified = new LinkedHashMap<>();

    public BasicCredentials(UserStore users, PasswordVerifier verifier, LoginThrottle throttle, Clock clock,
            Duration ttl, int maxEntries) {
        this.users = users;
        this.verifier = verifier;
        this.throttle = throttle;
        this.clock = clock;
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        new SecureRandom().nextBytes(salt);
    }

    public static BasicCredentials withDefaults(UserStore users, PasswordVerifier verifier, LoginThrottle throttle,
            Clock clock) {
        return new BasicCredentials(users, verifier, throttle, clock, DEFAULT_TTL, DEFAULT_MAX_ENTRIES);
    }

    /** A Basic header's username and password. */
    public record Parsed(String username, String password) {
        @Override
        public String toString() {
            return "Parsed[username=" + username + ", password=<redacted>]";
        }
    }

    /** Where HTTP Basic is accepted: DRF's compatibility API ({@code DrfRoutes}), its root and everything under it. */
    public static final String ROUTES = "/compat/drf/api";

    /**
     * Whether a route accepts HTTP Basic: {@link #ROUTES} and everything under it (DRF clients send
     * {@code -u user:pass}), and no other route. Takes a route key ({@code GET /compat/drf/api/images})
     * or a bare path.
     */
    public static boolean acceptsRoute(String routeKeyOrPath) {
        if (routeKeyOrPath == null) {
            return false;
        }
        String path = routeKeyOrPath.substring(routeKeyOrPath.indexOf(' ') + 1).trim();
        return path.equals(ROUTES) || path.startsWith(ROUTES + "/");
    }

    /** Whether the header is HTTP Basic (whatever the case of the scheme). */
    public static boolean isBasic(Optional<String> authorizationHeader) {
        return authorizationHeader.map(String::trim).filter(h -> h.regionMatches(true, 0, "Basic ", 0, 6)).isPresent();
    }

    /** The header's username (trimmed, lower case) and password; 401 when it is not base64 of {@code username:password}. */
    public static Parsed parse(String authorizationHeader) {
        String header = authorizationHeader.trim();
        if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw new Unauthorized("the Authorization header is not HTTP Basic");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Unauthorized("HTTP Basic credentials must be base64 of 'username:password'");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0 || colon == decoded.length() - 1) {
            throw new Unauthorized("HTTP Basic credentials must be base64 of 'username:password', both non-empty");
        }
        return new Parsed(decoded.substring(0, colon).trim().toLowerCase(Locale.ROOT), decoded.substring(colon + 1));
    }

    /**
     * The user these credentials prove, as stored now; 401 for an unknown user or a wrong password
     * (the same answer, counted as a failed login), 429 with {@code Retry-After} once the username
     * or {@code source} failed too often.
     */
    public Principal authenticate(String authorizationHeader, Optional<String> source) {
        Parsed credentials = parse(authorizationHeader);
        String username = credentials.username();
        if (!Usernames.isValid(username)) {
            // no account can have this name: never a storage call with a key DynamoDB refuses
            throw new Unauthorized("incorrect username or password");
        }
        Optional<User> user = users.find(username);
        Instant now = clock.instant();
        String key = user.map(u -> key(u, credentials.password())).orElse(null);
        if (key != null && remembered(key, now)) {
            return principal(user.get(), now);
        }
        throttle.check(username, source);
        if (user.isEmpty()) {
            verifier.verifyDecoy(credentials.password());
            throttle.recordFailure(username, source);
            throw new Unauthorized("incorrect username or password");
        }
        if (!verifier.verify(credentials.password(), user.get().passwordHash())) {
            throttle.recordFailure(username, source);
            throw new Unauthorized("incorrect username or password");
        }
        remember(key, now.plus(ttl));
        return principal(user.get(), now);
    }

    private synchronized boolean remembered(String key, Instant now) {
        Instant until = verified.get(key);
        if (until == null) {
            return false;
        }
        if (!now.isBefore(until)) {
            verified.remove(key);
            return false;
        }
        return true;
    }

    private synchronized void remember(String key, Instant until) {
        verified.remove(key);
        verified.put(key, until);
        var oldest = verified.keySet().iterator();
        while (verified.size() > maxEntries && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
    }

    /** The user as stored (id, token version, hash) and the password's salted digest: any change misses. */
    private String key(User user, String password) {
        return user.username() + '\n' + user.id() + '\n' + user.tokenVersion() + '\n' + user.passwordHash() + '\n'
                + digest(password);
    }

    private String digest(String password) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(salt);
            return Base64.getEncoder().encodeToString(sha256.digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    /** The caller as the stored user; no token stands behind it, so its id names the scheme and it expires now. */
    private static Principal principal(User user, Instant now) {
        return new Principal(user.id(), user.username(), user.role(), "basic", user.tokenVersion(), now);
    }
}
