package dev.mlapi.authorizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2CustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.SimpleIAMPolicyResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlapi.core.auth.JwtService;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.users.User;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The authorizer fed API Gateway's own REQUEST events ({@code events/authorizer-*.json}) and
 * tokens issued by core's {@link JwtService}, as the login function issues them.
 */
class AuthorizeTokenHandlerTest {

    static final Path ROOT = repositoryRoot();
    /** The key {@code env.json} gives {@code sam local}; the sample events' tokens are signed with it. */
    static final String SAMPLE_KEY = envJsonSigningKey();
    static final Duration TTL = Duration.ofHours(1);

    /** Built as Lambda builds it, from the environment's settings (here: env.json's key in plain text). */
    final AuthorizeTokenHandler handler = new AuthorizeTokenHandler(new BearerTokenCheck(
            AuthorizeTokenHandler.tokenService(Config.fromMap(Map.of(Config.Env.JWT_SECRET, SAMPLE_KEY)))));

    static final User ALICE = new User("id-alice", "alice", Optional.empty(), Role.ADMIN, "unused", Instant.EPOCH, 3);

    @Test
    void sampleWithAValidToken_isAuthorized_withTheTokensClaimsAsContext() {
        SimpleIAMPolicyResponse response = handler.handleRequest(load("authorizer-valid-token.json"), null);
        assertThat(response.getIsAuthorized()).isTrue();
        assertThat(response.getContext()).containsEntry("username", "sample").containsEntry("role", "user")
                .containsEntry("userId", "sample-user-id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"authorizer-missing-header.json", "authorizer-malformed.json",
            "authorizer-expired-token.json", "authorizer-wrong-signature.json", "authorizer-alg-none.json"})
    void samplesWithoutAGoodToken_areRefused_withNoContext(String file) {
        SimpleIAMPolicyResponse response = handler.handleRequest(load(file), null);
        assertThat(response.getIsAuthorized()).as(file).isFalse();
        assertThat(response.getContext()).as(file).isEmpty();
    }

    @Test
    void tokenIssuedByCore_isAuthorized_untilItExpires() {
        Instant issuedAt = Instant.now();
        String token = issuer(SAMPLE_KEY, issuedAt).issue(ALICE).token();
        assertThat(decide("Bearer " + token)).isTrue();
        assertThat(decide("bearer   " + token + "  ")).as("scheme is case-insensitive, spaces trimmed").isTrue();
        String expired = issuer(SAMPLE_KEY, issuedAt.minus(TTL).minusSeconds(5)).issue(ALICE).token();
        assertThat(decide("Bearer " + expired)).isFalse();
    }

    @Test
    void tokenSignedWithAnotherKey_orTamperedWith_isRefused() {
        String other = issuer("another-key-of-at-least-thirty-two-bytes!", Instant.now()).issue(ALICE).token();
        assertThat(decide("Bearer " + other)).isFalse();
        String token = issuer(SAMPLE_KEY, Instant.now()).issue(ALICE).token();
        String[] parts = token.split("\\.");
        String promoted = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"role\":\"admin\"", "\"role\":\"superuser\"");
        assertThat(promoted).contains("superuser");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(promoted.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertThat(decide("Bearer " + tampered)).isFalse();
    }

    @Test
    void algNone_andOtherAlgorithms_areRefused_evenWithTheRightKey() {
        var claims = JWT.create().withIssuer(JwtService.ISSUER).withSubject(ALICE.id()).withClaim("username", "alice")
                .withClaim("role", "admin").withClaim("ver", 3).withJWTId("j1").withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plus(TTL));
        assertThat(decide("Bearer " + claims.sign(Algorithm.none()))).isFalse();
        assertThat(decide("Bearer " + claims.sign(Algorithm.HMAC512(SAMPLE_KEY)))).isFalse();
        assertThat(decide("Bearer " + claims.sign(Algorithm.HMAC384(SAMPLE_KEY)))).isFalse();
        assertThat(decide("Bearer " + claims.sign(Algorithm.HMAC256(SAMPLE_KEY)))).as("the same claims, HS256").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "Bearer", "Bearer ", "Bearer not-a-jwt", "Bearer a.b.c", "Token abc",
            "Basic YWxpY2U6c2VjcmV0", "Bearer eyJhbGciOiJIUzI1NiJ9.e30"})
    void malformedHeaders_areRefused(String header) {
        assertThat(decide(header)).as("'%s'", header).isFalse();
    }

    @Test
    void basicOnADrfRoute_isPassedOnWithoutIdentity_forTheFunctionToCheck_andRefusedElsewhere() {
        String basic = "Basic " + Base64.getEncoder().encodeToString("drf-user:Pas$w0rd-longer".getBytes(StandardCharsets.UTF_8));
        for (String route : new String[] {"POST /compat/drf/api/tags", "GET /compat/drf/api",
                "GET /compat/drf/api/images/{id}", "GET /compat/drf/api/trackings"}) {
            SimpleIAMPolicyResponse response = handler.handleRequest(event(basic, route), null);
            assertThat(response.getIsAuthorized()).as(route).isTrue();
            assertThat(response.getContext()).as("%s: no identity the authorizer did not check", route).isEmpty();
        }
        for (String route : new String[] {"POST /tags", "GET /images", "GET /models", "POST /compat/drf/api-token-auth",
                "GET /compat/django/secret"}) {
            assertThat(handler.handleRequest(event(basic, route), null).getIsAuthorized()).as(route).isFalse();
        }
        // not base64 of user:password: refused even on a DRF route
        for (String malformed : new String[] {"Basic not*base64", "Basic " + Base64.getEncoder()
                .encodeToString("no-colon".getBytes(StandardCharsets.UTF_8))}) {
            assertThat(handler.handleRequest(event(malformed, "GET /compat/drf/api/images"), null).getIsAuthorized())
                    .as(malformed).isFalse();
        }
    }

    private static APIGatewayV2CustomAuthorizerEvent event(String header, String routeKey) {
        APIGatewayV2CustomAuthorizerEvent event = load("authorizer-missing-header.json");
        event.setHeaders(new HashMap<>(Map.of("authorization", header)));
        event.setIdentitySource(List.of(header));
        event.setRouteKey(routeKey);
        event.setRawPath(routeKey.substring(routeKey.indexOf(' ') + 1));
        return event;
    }

    @Test
    void headerIsFoundWhateverItsCase_orInTheIdentitySource() {
        String token = "Bearer " + issuer(SAMPLE_KEY, Instant.now()).issue(ALICE).token();
        APIGatewayV2CustomAuthorizerEvent event = load("authorizer-missing-header.json");
        event.setHeaders(new HashMap<>(Map.of("Authorization", token)));
        assertThat(handler.handleRequest(event, null).getIsAuthorized()).isTrue();
        event = load("authorizer-missing-header.json");
        event.setHeaders(null);
        event.setIdentitySource(List.of(token));
        assertThat(handler.handleRequest(event, null).getIsAuthorized()).isTrue();
    }

    @Test
    void simpleResponse_serializesAsApiGatewayExpects() throws Exception {
        SimpleIAMPolicyResponse response = handler.handleRequest(load("authorizer-valid-token.json"), null);
        JsonNode json = new ObjectMapper().valueToTree(response);
        assertThat(json.get("isAuthorized").asBoolean()).isTrue();
        assertThat(json.get("context").get("username").asText()).isEqualTo("sample");
    }

    @Test
    void priming_signsAndVerifiesASyntheticToken() {
        new BearerTokenCheck(issuer(SAMPLE_KEY, Instant.now())).prime();
    }

    @Test
    void runsWithoutTheDynamoDbSdk_andNeedsTheSigningKey() {
        assertThatThrownBy(() -> Class.forName("software.amazon.awssdk.services.dynamodb.DynamoDbClient"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> AuthorizeTokenHandler.tokenService(Config.fromMap(Map.of())))
                .hasMessageContaining("JWT_SECRET");
    }

    private boolean decide(String header) {
        APIGatewayV2CustomAuthorizerEvent event = load("authorizer-missing-header.json");
        event.setHeaders(new HashMap<>(Map.of("authorization", header)));
        event.setIdentitySource(List.of(header));
        SimpleIAMPolicyResponse response = handler.handleRequest(event, null);
        if (!response.getIsAuthorized()) {
            assertThat(response.getContext()).isEmpty();
        }
        return response.getIsAuthorized();
    }

    static JwtService issuer(String key, Instant now) {
        return new JwtService(key, TTL, Clock.fixed(now, ZoneOffset.UTC));
    }

    static APIGatewayV2CustomAuthorizerEvent load(String file) {
        return EventLoader.loadAPIGatewayV2CustomAuthorizerEvent(ROOT.resolve("events").resolve(file).toString());
    }

    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isRegularFile(dir.resolve("env.json")) && Files.isDirectory(dir.resolve("events")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no repository root (env.json + events/) above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    static String envJsonSigningKey() {
        try {
            return new ObjectMapper().readTree(ROOT.resolve("env.json").toFile()).get("Parameters").get("JWT_SECRET").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
