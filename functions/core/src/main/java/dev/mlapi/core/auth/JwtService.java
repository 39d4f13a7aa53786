package dev.mlapi.core.auth;

import dev.mlapi.core.users.Role;
import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.mlapi.core.error.ApiException.Unauthorized;
import dev.mlapi.core.users.User;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Issues and verifies the API's HS256 access tokens (claims {@code sub}, {@code username},
 * {@code role}, {@code jti}, {@code iat}, {@code exp}, and {@code ver}, the user's token version).
 *
 * <p>Verification pins the algorithm, so {@code alg: none} and tokens signed with another
 * algorithm or key fail; it proves only the signature and lifetime — revocation is the
 * {@link Authenticator}'s job.
 */
public final class JwtService {

    public static final String ISSUER = "mlapi";
    public static final int MIN_SECRET_BYTES = 32;
    static final String CLAIM_USERNAME = "username";
    static final String CLAIM_ROLE = "role";
    static final String CLAIM_VERSION = "ver";

    private final Algorithm algorithm;
    private final JWTVerifier verifier;
    private final Duration ttl;
    private final Clock clock;

    public JwtService(String secret, Duration ttl, Clock clock) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        if (key.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the JWT signing secret must be at least " + MIN_SECRET_BYTES + " bytes");
        }
        this.algorithm = Algorithm.HMAC256(key);
        this.verifier = ((JWTVerifier.BaseVerification) JWT.require(algorithm)
                .withIssuer(ISSUER)
                .withClaimPresence("sub")
                .withClaimPresence("jti")
                .withClaimPresence("exp")
                .withClaimPresence("iat")
                .withClaimPresence(CLAIM_USERNAME)
                .withClaimPresence(CLAIM_ROLE)
                .withClaimPresence(CLAIM_VERSION))
                .build(clock);
        this.ttl = ttl;
        this.clock = clock;
    }

    public IssuedToken issue(User user) {
        Instant now = clock.instant();
        Instant expiresAt = now.plus(ttl);
        String tokenId = UUID.randomUUID().toString();
        String token = JWT.create()
                .withIssuer(ISSUER)
                .withSubject(user.id())
                .withClaim(CLAIM_USERNAME, user.username())
                .withClaim(CLAIM_ROLE, user.role().value())
                .withClaim(CLAIM_VERSION, user.tokenVersion())
                .withJWTId(tokenId)
                .withIssuedAt(now)
                .withExpiresAt(expiresAt)
                .sign(algorithm);
        return new IssuedToken(token, tokenId, expiresAt, ttl.toSeconds());
    }

    /** Checks signature, algorithm, issuer and lifetime; returns the claims as a principal. */
    public Principal verify(String token) {
        try {
            DecodedJWT jwt = verifier.verify(token);
            // asString() is null for a non-string claim (a number, an object): unknown, not a crash
            String roleClaim = String.valueOf(jwt.getClaim(CLAIM_ROLE).asString());
            Role role = switch (roleClaim) {
                case "admin" -> Role.ADMIN;
                case "user" -> Role.USER;
                default -> throw new Unauthorized("the token has an unknown role");
            };
            Long version = jwt.getClaim(CLAIM_VERSION).asLong();
            if (version == null) {
                throw new Unauthorized("the token has no version");
            }
            return new Principal(jwt.getSubject(), jwt.getClaim(CLAIM_USERNAME).asString(), role, jwt.getId(),
                    version, jwt.getExpiresAtAsInstant());
        } catch (TokenExpiredException e) {
            throw new Unauthorized("the token has expired");
        } catch (JWTVerificationException e) {
            throw new Unauthorized("the token is invalid");
        }
    }
}
