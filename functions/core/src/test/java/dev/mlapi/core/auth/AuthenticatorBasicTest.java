package dev.mlapi.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.TooManyRequests;
import dev.mlapi.core.error.ApiException.Unauthorized;
import dev.mlapi.core.testkit.TestClock;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.LoginThrottle;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.users.User;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP Basic (the DRF system's {@code -u user:pass}): on DRF's compatibility routes it is checked
 * as a login is (the stored user, PBKDF2, the login throttle) against real DynamoDB, with a success
 * remembered for a short while; on every other route it is refused with a 401 that says where a
 * token comes from and which header to send, before any password is looked at.
 */
class AuthenticatorBasicTest {

    static final String DRF_ROUTE = "POST /compat/drf/api/tags";
    static final Optional<String> SOURCE = Optional.of("198.51.100.20");

    static TestStack stack;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    /** A real PBKDF2 verifier (fewer iterations than production), counting its verifications. */
    static final class CountingVerifier implements PasswordVerifier {
        final PasswordHasher hasher = new PasswordHasher(20_000);
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public boolean verify(String password, String encoded) {
            calls.incrementAndGet();
            return hasher.verify(password, encoded);
        }

        @Override
        public void verifyDecoy(String password) {
            calls.incrementAndGet();
            hasher.verifyDecoy(password);
        }
    }

    final CountingVerifier verifier = new CountingVerifier();
    final TestClock clock = new TestClock();

    private Authenticator authenticator(int failuresPerUsername) {
        LoginThrottle throttle = new LoginThrottle(stack.wiring().loginAttempts(), clock, failuresPerUsername, 1000,
                LoginThrottle.DEFAULT_WINDOW);
        BasicCredentials basic = new BasicCredentials(stack.wiring().userStore(), verifier, throttle, clock,
                Duration.ofSeconds(60), 100);
        return new Authenticator(stack.wiring().jwt(), (username, tokenId) -> {
            throw new AssertionError("HTTP Basic needs no token lookup");
        }, () -> basic);
    }

    private User user(String password) {
        User user = new User(UUID.randomUUID().toString(), "drf-" + UUID.randomUUID().toString().substring(0, 8),
                Optional.empty(), Role.USER, verifier.hasher.hash(password), Instant.now(), 0);
        stack.wiring().userStore().create(user);
        return user;
    }

    private static Optional<String> basic(String username, String password) {
        return Optional.of("Basic " + Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void basicOnADrfRoute_isVerifiedOnce_thenRemembered_untilItsTtlEnds() {
        Authenticator authenticator = authenticator(10);
        User user = user("Pas$w0rd-longer");

        Principal first = authenticator.authenticate(basic(user.username(), "Pas$w0rd-longer"), DRF_ROUTE, SOURCE)
                .orElseThrow();
        assertThat(first.userId()).isEqualTo(user.id());
        assertThat(first.username()).isEqualTo(user.username());
        assertThat(first.role()).isEqualTo(Role.USER);
        assertThat(verifier.calls).hasValue(1);

        clock.advance(Duration.ofSeconds(30));
        // the scheme's case and the username's case do not matter, as at login
        Principal second = authenticator.authenticate(
                Optional.of("basic " + basic(user.username().toUpperCase(), "Pas$w0rd-longer").orElseThrow().substring(6)),
                "GET /compat/drf/api/images/{id}", SOURCE).orElseThrow();
        assertThat(second.userId()).isEqualTo(user.id());
        assertThat(verifier.calls).as("within the TTL: no PBKDF2").hasValue(1);

        clock.advance(Duration.ofSeconds(31));
        authenticator.authenticate(basic(user.username(), "Pas$w0rd-longer"), DRF_ROUTE, SOURCE);
        assertThat(verifier.calls).as("after the TTL: verified again").hasValue(2);
    }

    @Test
    void aPasswordChange_makesTheRememberedSuccessUseless() {
        Authenticator authenticator = authenticator(10);
        User user = user("old-password-long");
        authenticator.authenticate(basic(user.username(), "old-password-long"), DRF_ROUTE, SOURCE);
        assertThat(verifier.calls).hasValue(1);

        stack.wiring().userStore().replacePassword(user.withPassword(verifier.hasher.hash("new-password-long")),
                user.passwordHash());

        assertThatThrownBy(() -> authenticator.authenticate(basic(user.username(), "old-password-long"), DRF_ROUTE,
                SOURCE)).isInstanceOf(Unauthorized.class).hasMessageContaining("incorrect username or password");
        assertThat(verifier.calls).as("the old password is checked again, and fails").hasValue(2);
        assertThat(authenticator.authenticate(basic(user.username(), "new-password-long"), DRF_ROUTE, SOURCE)
                .orElseThrow().tokenVersion()).isEqualTo(1);
    }

    @Test
    void wrongPasswords_are401_countAsFailedLogins_untilThrottled429_evenForTheRightPassword() {
        Authenticator authenticator = authenticator(3);
        User user = user("right-password-long");
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> authenticator.authenticate(basic(user.username(), "wrong-password"), DRF_ROUTE,
                    SOURCE)).isInstanceOf(Unauthorized.class).hasMessageContaining("incorrect username or password");
        }
        assertThat(verifier.calls).hasValue(3);

        assertThatThrownBy(() -> authenticator.authenticate(basic(user.username(), "right-password-long"), DRF_ROUTE,
                SOURCE))
                .isInstanceOfSatisfying(TooManyRequests.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.retryAfter()).hasValueSatisfying(wait -> assertThat(wait).isPositive());
                });
        assertThat(verifier.calls).as("throttled before any PBKDF2").hasValue(3);
    }

    @Test
    void unknownUser_isTheSame401_andCounts() {
        Authenticator authenticator = authenticator(1);
        String nobody = "nobody-" + UUID.randomUUID().toString().substring(0, 8);
        assertThatThrownBy(() -> authenticator.authenticate(basic(nobody, "some-password"), DRF_ROUTE, SOURCE))
                .isInstanceOf(Unauthorized.class).hasMessageContaining("incorrect username or password");
        assertThat(verifier.calls).as("a decoy verification").hasValue(1);
        assertThatThrownBy(() -> authenticator.authenticate(basic(nobody, "some-password"), DRF_ROUTE, SOURCE))
                .isInstanceOf(TooManyRequests.class);
    }

    @Test
    void malformedBasic_isA401_namingTheForm() {
        Authenticator authenticator = authenticator(10);
        for (String header : new String[] {"Basic not*base64", "Basic " + Base64.getEncoder().encodeToString(
                "no-colon".getBytes(StandardCharsets.UTF_8)), "Basic " + Base64.getEncoder().encodeToString(
                "user:".getBytes(StandardCharsets.UTF_8))}) {
            assertThatThrownBy(() -> authenticator.authenticate(Optional.of(header), DRF_ROUTE, SOURCE)).as(header)
                    .isInstanceOf(Unauthorized.class).hasMessageContaining("username:password");
        }
        assertThat(verifier.calls).hasValue(0);
    }

    @Test
    void basicElsewhere_isA401_namingTheTokenRouteAndTheHeader() {
        Authenticator authenticator = authenticator(10);
        User user = user("Pas$w0rd-longer");
        for (String route : new String[] {"POST /tags", "GET /images", "POST /compat/drf/api-token-auth", "GET /auth/users/me"}) {
            for (String scheme : new String[] {"Basic ", "basic "}) {
                String header = scheme + basic(user.username(), "Pas$w0rd-longer").orElseThrow().substring(6);
                assertThatThrownBy(() -> authenticator.authenticate(Optional.of(header), route, SOURCE)).as(route)
                        .isInstanceOf(Unauthorized.class)
                        .hasMessageContaining("HTTP Basic")
                        .hasMessageContaining("POST /compat/drf/api-token-auth/")
                        .hasMessageContaining("Authorization: Token <token>");
            }
        }
        assertThat(verifier.calls).as("no password is looked at").hasValue(0);
    }

    @Test
    void withoutABasicCheck_basicIsA401_onEveryRoute() {
        Authenticator tokensOnly = new Authenticator(stack.wiring().jwt(), (username, tokenId) -> {
            throw new AssertionError("no credential is read for HTTP Basic");
        });
        assertThatThrownBy(() -> tokensOnly.authenticate(basic("drf-user", "Pas$w0rd"), DRF_ROUTE, SOURCE))
                .isInstanceOf(Unauthorized.class).hasMessageContaining("Authorization: Token <token>");
    }
}
