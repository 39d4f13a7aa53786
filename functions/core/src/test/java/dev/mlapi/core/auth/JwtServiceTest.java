package dev.mlapi.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.mlapi.core.error.ApiException.Unauthorized;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A well-signed token with a malformed role claim is a 401, never an exception the pipeline turns into a 500. */
class JwtServiceTest {

    private static final String SECRET = "a-signing-secret-of-at-least-32-bytes!!";
    private final JwtService jwt = new JwtService(SECRET, Duration.ofHours(1), Clock.systemUTC());

    private static String signedWithRole(Object role) {
        var token = JWT.create().withIssuer(JwtService.ISSUER).withSubject("u1").withJWTId("j1")
                .withClaim(JwtService.CLAIM_USERNAME, "alice").withClaim(JwtService.CLAIM_VERSION, 0)
                .withIssuedAt(Instant.now()).withExpiresAt(Instant.now().plusSeconds(600));
        if (role instanceof Integer number) {
            token.withClaim(JwtService.CLAIM_ROLE, number);
        } else if (role instanceof Map<?, ?> map) {
            token.withClaim(JwtService.CLAIM_ROLE, Map.of("name", map.get("name")));
        } else {
            token.withClaim(JwtService.CLAIM_ROLE, (String) role);
        }
        return token.sign(Algorithm.HMAC256(SECRET.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void verify_refusesANonStringOrUnknownRole_as401() {
        for (Object role : new Object[] {7, Map.of("name", "admin"), "superuser"}) {
            assertThatThrownBy(() -> jwt.verify(signedWithRole(role))).as("role %s", role)
                    .isInstanceOf(Unauthorized.class).hasMessageContaining("unknown role");
        }
    }

    @Test
    void verify_acceptsTheRolesItIssues() {
        assertThat(jwt.verify(signedWithRole("admin")).role().value()).isEqualTo("admin");
        assertThat(jwt.verify(signedWithRole("user")).role().value()).isEqualTo("user");
    }
}
