package dev.mlapi.core.auth;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.Unauthorized;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * HTTP Basic (the DRF system's {@code -u user:pass}) is refused with a 401 that says where a token
 * comes from and which header to send, before any password is looked at.
 */
class AuthenticatorBasicTest {

    private final Authenticator authenticator = new Authenticator(
            new JwtService("a-signing-secret-of-at-least-32-bytes!!", Duration.ofHours(1), Clock.systemUTC()),
            (username, tokenId) -> {
                throw new AssertionError("no credential is read for HTTP Basic");
            });

    @Test
    void basic_isA401_namingTheTokenRouteAndTheHeader() {
        for (String header : new String[] {"Basic ZHJmLXVzZXI6UGFzJHcwcmQ=", "basic ZHJmLXVzZXI6UGFzJHcwcmQ="}) {
            assertThatThrownBy(() -> authenticator.authenticate(Optional.of(header))).as(header)
                    .isInstanceOf(Unauthorized.class)
                    .hasMessageContaining("HTTP Basic")
                    .hasMessageContaining("POST /compat/drf/api-token-auth/")
                    .hasMessageContaining("Authorization: Token <token>");
        }
    }
}
