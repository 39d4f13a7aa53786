package dev.mlapi.core.auth;

import dev.mlapi.core.error.ApiException.Unauthorized;
import dev.mlapi.core.users.CredentialLookup;
import dev.mlapi.core.users.CredentialLookup.Credentials;
import dev.mlapi.core.users.User;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Turns an {@code Authorization} header into a {@link Principal}: the one verification path of
 * every function. A token must be well signed and unexpired, not revoked, and issued to the
 * user as it is now (same id, role and token version). HTTP Basic is accepted only where a route
 * takes it ({@link BasicCredentials#acceptsRoute}: DRF's compatibility API) and checked as a login ({@link BasicCredentials}).
 */
public final class Authenticator {

    private final JwtService jwt;
    private final CredentialLookup credentials;
    private final Supplier<BasicCredentials> basic;

    /** Tokens only: HTTP Basic is a 401 on every route. */
    public Authenticator(JwtService jwt, CredentialLookup credentials) {
        this(jwt, credentials, null);
    }

    /** Tokens, and HTTP Basic on the routes that accept it, checked by {@code basic} (built on first use). */
    public Authenticator(JwtService jwt, CredentialLookup credentials, Supplier<BasicCredentials> basic) {
        this.jwt = jwt;
        this.credentials = credentials;
        this.basic = basic;
    }

    /** Whether {@code routeKey} takes this header as HTTP Basic (then {@link #authenticateBasic} checks it). */
    public boolean acceptsBasic(String routeKey, Optional<String> authorizationHeader) {
        return basic != null && BasicCredentials.isBasic(authorizationHeader) && BasicCredentials.acceptsRoute(routeKey);
    }

    /**
     * {@link #authenticate} for one route: HTTP Basic where the route accepts it (checked in full:
     * the stored user, the password, the login throttle), a token otherwise.
     */
    public Optional<Principal> authenticate(Optional<String> authorizationHeader, String routeKey,
            Optional<String> source) {
        if (acceptsBasic(routeKey, authorizationHeader)) {
            return Optional.of(authenticateBasic(authorizationHeader.orElseThrow(), source));
        }
        return authenticate(authorizationHeader);
    }

    /** An HTTP Basic header's user as stored now (needs no {@link #confirm}); 401, or 429 when throttled. */
    public Principal authenticateBasic(String authorizationHeader, Optional<String> source) {
        if (basic == null) {
            throw new Unauthorized("HTTP Basic is not accepted here");
        }
        return basic.get().authenticate(authorizationHeader, source);
    }

    /** Empty when there is no Authorization header; 401 when there is one and it does not prove a user. */
    public Optional<Principal> authenticate(Optional<String> authorizationHeader) {
        Optional<Principal> claimed = verifyToken(authorizationHeader);
        claimed.ifPresent(this::confirm);
        return claimed;
    }

    /**
     * The local half of {@link #authenticate}: the header's form, the token's signature, claims
     * and lifetime, without a storage call. Empty when there is no header; 401 when the token is bad.
     * The principal is only claimed until {@link #confirm} has passed.
     */
    public Optional<Principal> verifyToken(Optional<String> authorizationHeader) {
        if (authorizationHeader.isEmpty()) {
            return Optional.empty();
        }
        String header = authorizationHeader.get().trim();
        // "Token <t>" is Django REST framework's spelling of the same header (its clients send it).
        String scheme = header.regionMatches(true, 0, "Bearer ", 0, 7) ? "Bearer "
                : header.regionMatches(true, 0, "Token ", 0, 6) ? "Token " : null;
        if (scheme == null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            // DRF clients send -u user:pass; outside DRF's routes (authenticate(header, route, source)) it is refused.
            throw new Unauthorized("HTTP Basic (a password on every request) is accepted only on the DRF"
                    + " compatibility routes (/compat/drf/api/...): get a token with"
                    + " POST /compat/drf/api-token-auth/ (or POST /auth/login) {username, password}"
                    + " and send 'Authorization: Token <token>'");
        }
        if (scheme == null) {
            throw new Unauthorized("the Authorization header must be 'Bearer <token>' (or 'Token <token>')");
        }
        return Optional.of(jwt.verify(header.substring(scheme.length()).trim()));
    }

    /**
     * The stored half of {@link #authenticate}: the user still exists as the token says (same id,
     * role and token version) and the token is not revoked. 401 otherwise.
     */
    public void confirm(Principal principal) {
        Credentials stored = credentials.lookup(principal.username().toLowerCase(Locale.ROOT), principal.tokenId());
        User user = stored.user().orElseThrow(() -> new Unauthorized("the token's user no longer exists"));
        if (!user.id().equals(principal.userId()) || user.role() != principal.role()) {
            throw new Unauthorized("the token does not match the user");
        }
        if (user.tokenVersion() != principal.tokenVersion()) {
            throw new Unauthorized("the token was revoked by a password change");
        }
        if (stored.revoked()) {
            throw new Unauthorized("the token has been revoked");
        }
    }
}
