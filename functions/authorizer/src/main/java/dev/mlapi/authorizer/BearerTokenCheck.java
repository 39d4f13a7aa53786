package dev.mlapi.authorizer;

import dev.mlapi.core.auth.Authenticator;
import dev.mlapi.core.auth.BasicCredentials;
import dev.mlapi.core.auth.JwtService;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.Unauthorized;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.users.User;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's half of the token check: the {@code Authorization} header's form and the token's
 * HS256 signature, issuer, claims and lifetime, by the very code every function runs first
 * ({@link Authenticator#verifyToken}). It reads no table, so a revoked token passes here until
 * its cached answer expires; the function behind the gateway still refuses it
 * ({@link Authenticator#confirm}: revocation, the user as stored now).
 */
public final class BearerTokenCheck implements Primer {

    /** What the gateway passes on to the function ({@code requestContext.authorizer.lambda}) when it allows. */
    public static final String CONTEXT_USER_ID = "userId";
    public static final String CONTEXT_USERNAME = "username";
    public static final String CONTEXT_ROLE = "role";

    private static final Logger LOG = LoggerFactory.getLogger(BearerTokenCheck.class);

    /** Whom priming's synthetic token names: no user, never sent anywhere. */
    private static final User PRIMING_USER = new User("priming", "priming", Optional.empty(), Role.USER, "",
            Instant.EPOCH, 0);

    private final JwtService jwt;
    private final Authenticator authenticator;

    public BearerTokenCheck(JwtService jwt) {
        this.jwt = jwt;
        // Only verifyToken is called: the stored half (confirm) is the functions' job.
        this.authenticator = new Authenticator(jwt, (username, tokenId) -> {
            throw new IllegalStateException("the authorizer reads no table");
        });
    }

    /** The gateway's answer: allowed with the token's claims as context, or refused with the reason (for the log). */
    public record Decision(boolean allowed, Map<String, String> context, String reason) {

        static Decision allow(Principal principal) {
            Map<String, String> context = new LinkedHashMap<>();
            context.put(CONTEXT_USER_ID, principal.userId());
            context.put(CONTEXT_USERNAME, principal.username());
            context.put(CONTEXT_ROLE, principal.role().value());
            return new Decision(true, Map.copyOf(context), "");
        }

        /**
         * HTTP Basic on a route that takes it (DRF's): passed on with no identity, for the function
         * to check as a login (the stored user, the password, the login throttle). This authorizer
         * reads no table, so it cannot check a password; the function behind never trusts this context.
         */
        static Decision passBasic() {
            return new Decision(true, Map.of(), "");
        }

        static Decision refuse(String reason) {
            return new Decision(false, Map.of(), reason);
        }
    }

    /** Checks an {@code Authorization} header's value for a route that takes tokens only; never throws. */
    public Decision check(Optional<String> authorizationHeader) {
        return check(authorizationHeader, null);
    }

    /**
     * Checks an {@code Authorization} header's value for {@code routeKey} (e.g. {@code GET /compat/drf/api/images}):
     * a well-formed HTTP Basic header passes on the routes that accept it ({@link BasicCredentials#acceptsRoute}: DRF's),
     * a token everywhere; never throws.
     */
    public Decision check(Optional<String> authorizationHeader, String routeKey) {
        if (authorizationHeader.isEmpty() || authorizationHeader.get().isBlank()) {
            return log(Decision.refuse("no Authorization header"));
        }
        try {
            if (BasicCredentials.isBasic(authorizationHeader) && BasicCredentials.acceptsRoute(routeKey)) {
                // the form only (base64 of user:password); never the header or the password in a log
                BasicCredentials.parse(authorizationHeader.get());
                LOG.debug("passed HTTP Basic on {} to the function", routeKey);
                return Decision.passBasic();
            }
            return log(Decision.allow(authenticator.verifyToken(authorizationHeader).orElseThrow()));
        } catch (Unauthorized e) {
            return log(Decision.refuse(e.detail()));
        } catch (RuntimeException e) {
            // A well-signed token with claims of the wrong type: refuse, as the functions would with 401.
            return log(Decision.refuse("the token is invalid (" + e.getClass().getSimpleName() + ")"));
        }
    }

    /** Signs and verifies one synthetic token: loads the JWT library and the HMAC before the first request. */
    @Override
    public void prime() {
        if (!check(Optional.of("Bearer " + jwt.issue(PRIMING_USER).token())).allowed()) {
            throw new IllegalStateException("the authorizer refused its own priming token");
        }
    }

    private static Decision log(Decision decision) {
        // Never the token itself: only the outcome and, for a refusal, the reason.
        if (decision.allowed()) {
            LOG.debug("allowed {}", decision.context().get(CONTEXT_USERNAME));
        } else {
            LOG.info("refused: {}", decision.reason());
        }
        return decision;
    }
}
