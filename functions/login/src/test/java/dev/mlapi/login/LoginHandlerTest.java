package dev.mlapi.login;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withBody;
import static dev.mlapi.core.testkit.Events.withJson;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.users.LoginThrottle;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.core.testkit.Stdout;
import dev.mlapi.core.testkit.TestStack;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The login function end to end through its Lambda handler: real API Gateway events from
 * {@code events/}, DynamoDB Local, the real JWT and password code.
 */
class LoginHandlerTest {

    static final String ADMIN_PASSWORD = "first-admin-password-1";
    static TestStack stack;
    static LoginHandler handler;

    @BeforeAll
    static void start() {
        stack = TestStack.start(Map.of(Config.Env.ADMIN_USERNAME, "root", Config.Env.ADMIN_PASSWORD, ADMIN_PASSWORD));
        handler = new LoginHandler(stack.wiring());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static APIGatewayV2HTTPResponse call(APIGatewayV2HTTPEvent event) {
        return invoke(handler, event);
    }

    static APIGatewayV2HTTPResponse register(String username, String password) {
        return call(withJson(load("login-register-user.json"), Map.of("username", username, "password", password)));
    }

    static String login(String username, String password) {
        var response = call(withJson(load("login-login-json.json"), Map.of("username", username, "password", password)));
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        return body(response).get("access_token").asText();
    }

    static APIGatewayV2HTTPResponse me(String token) {
        return call(withBearer(load("login-current-user.json"), token));
    }

    static String newUser() {
        String name = "u" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(register(name, "password-of-" + name).getStatusCode()).isEqualTo(201);
        return name;
    }

    @Test
    void register_whenNew_creates201WithRoleUser_andSameNameConflicts409() {
        var created = register("Alice.Smith", "correct-horse-battery");
        assertThat(created.getStatusCode()).isEqualTo(201);
        JsonNode user = body(created);
        assertThat(user.get("username").asText()).isEqualTo("alice.smith");
        assertThat(user.get("role").asText()).isEqualTo("user");
        assertThat(user.get("id").asText()).isNotBlank();
        assertThat(user.get("created_at").asText()).endsWith("Z");
        assertThat(user.has("password_hash")).isFalse();
        assertThat(register("alice.smith", "another-password").getStatusCode()).isEqualTo(409);
    }

    @Test
    void register_whenSelfAssigningAdmin_isForbidden_butAnAdminMayCreateAdmins() {
        var selfMade = call(withJson(load("login-register-user.json"),
                Map.of("username", "sneaky", "password", "password-123", "role", "admin")));
        assertThat(selfMade.getStatusCode()).isEqualTo(403);
        String adminToken = login("root", ADMIN_PASSWORD);
        var byAdmin = call(withBearer(withJson(load("login-register-user.json"),
                Map.of("username", "second-admin", "password", "password-123", "role", "admin")), adminToken));
        assertThat(byAdmin.getStatusCode()).isEqualTo(201);
        assertThat(body(byAdmin).get("role").asText()).isEqualTo("admin");
    }

    @Test
    void register_whenFieldsInvalid_lists400ErrorsPerField() {
        var response = call(withJson(load("login-register-user.json"),
                Map.of("username", "x", "password", "short", "email", "not-an-email")));
        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).get("errors").findValuesAsText("field"))
                .containsExactlyInAnyOrder("username", "password", "email");
    }

    @Test
    void login_withJsonAndWithForm_returnsBearerToken_andWrongPasswordIs401() {
        String name = newUser();
        var json = call(withJson(load("login-login-json.json"), Map.of("username", name, "password", "password-of-" + name)));
        assertThat(json.getStatusCode()).isEqualTo(200);
        assertThat(body(json).get("token_type").asText()).isEqualTo("bearer");
        assertThat(body(json).get("expires_in").asLong()).isEqualTo(3600);

        var form = call(withBody(load("login-login-form.json"), "application/x-www-form-urlencoded",
                "grant_type=password&username=" + name + "&password=password-of-" + name));
        assertThat(form.getStatusCode()).isEqualTo(200);
        assertThat(me(body(form).get("access_token").asText()).getStatusCode()).isEqualTo(200);

        var wrong = call(withJson(load("login-login-json.json"), Map.of("username", name, "password", "wrong-password")));
        assertThat(wrong.getStatusCode()).isEqualTo(401);
        var unknown = call(withJson(load("login-login-json.json"), Map.of("username", "nobody-here", "password", "x")));
        assertThat(unknown.getStatusCode()).isEqualTo(401);
        assertThat(body(unknown).get("detail").asText()).isEqualTo(body(wrong).get("detail").asText());
    }

    @Test
    void me_returnsTheCaller_andNeedsAToken() {
        String name = newUser();
        var response = me(login(name, "password-of-" + name));
        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(body(response).get("username").asText()).isEqualTo(name);
        assertThat(call(load("login-current-user.json")).getStatusCode()).isEqualTo(401);
    }

    @Test
    void adminRoutes_refuseUserTokens403_andAdminPagesThroughUsers() {
        String name = newUser();
        String userToken = login(name, "password-of-" + name);
        assertThat(call(withBearer(load("login-list-users.json"), userToken)).getStatusCode()).isEqualTo(403);

        String adminToken = login("root", ADMIN_PASSWORD);
        Set<String> seen = new HashSet<>();
        String cursor = null;
        do {
            var event = withBearer(load("login-list-users.json"), adminToken);
            event.setQueryStringParameters(cursor == null ? Map.of("limit", "2") : Map.of("limit", "2", "cursor", cursor));
            var page = call(event);
            assertThat(page.getStatusCode()).isEqualTo(200);
            JsonNode json = body(page);
            json.get("items").forEach(u -> seen.add(u.get("username").asText()));
            cursor = json.hasNonNull("next_cursor") ? json.get("next_cursor").asText() : null;
        } while (cursor != null);
        assertThat(seen).contains("root", name);
    }

    @Test
    void listUsers_withAnAlteredCursor_is400_andTheCursorIsSigned() {
        String adminToken = login("root", ADMIN_PASSWORD);
        newUser();
        newUser();
        var first = withBearer(load("login-list-users.json"), adminToken);
        first.setQueryStringParameters(Map.of("limit", "1"));
        String cursor = body(call(first)).get("next_cursor").asText();
        assertThat(cursor).contains(".");
        String payload = cursor.substring(0, cursor.indexOf('.'));
        String forged = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("ZGFuYQ".getBytes(java.nio.charset.StandardCharsets.UTF_8)) + cursor.substring(cursor.indexOf('.'));

        for (String altered : List.of(forged, payload, payload + ".", cursor + "x")) {
            var event = withBearer(load("login-list-users.json"), adminToken);
            event.setQueryStringParameters(Map.of("limit", "1", "cursor", altered));
            var response = call(event);
            assertThat(response.getStatusCode()).as(altered).isEqualTo(400);
            assertThat(body(response).get("errors").get(0).get("field").asText()).isEqualTo("cursor");
        }
    }

    @Test
    void deleteUser_byAdmin_removesIt_andUnknownIs404() {
        String name = newUser();
        String adminToken = login("root", ADMIN_PASSWORD);
        var delete = withPath(withBearer(load("login-delete-user.json"), adminToken), "/auth/users/" + name,
                Map.of("username", name));
        assertThat(call(delete).getStatusCode()).isEqualTo(204);
        var again = withPath(withBearer(load("login-delete-user.json"), adminToken), "/auth/users/" + name,
                Map.of("username", name));
        assertThat(call(again).getStatusCode()).isEqualTo(404);
    }

    @Test
    void keyBearingInputs_whenTooLongOrOddCharacters_are400BeforeAnyStorageCall() {
        String adminToken = login("root", ADMIN_PASSWORD);
        for (String username : List.of("a".repeat(3000), "bo\u0000b", "b\u00f6b", "x".repeat(33))) {
            var login = call(withJson(load("login-login-json.json"), Map.of("username", username, "password", "password-123")));
            assertThat(login.getStatusCode()).as("login %.40s", username).isEqualTo(400);
            assertThat(body(login).get("errors").get(0).get("field").asText()).isEqualTo("username");

            var delete = call(withPath(withBearer(load("login-delete-user.json"), adminToken),
                    "/auth/users/" + username, Map.of("username", username)));
            assertThat(delete.getStatusCode()).as("delete %.40s", username).isEqualTo(400);
        }
        var form = withBody(load("login-login-form.json"), "application/x-www-form-urlencoded",
                "username=" + "a".repeat(3000) + "&password=password-123");
        assertThat(call(form).getStatusCode()).isEqualTo(400);
    }

    @Test
    void listUsers_whenCursorIsNotOneThisApiReturned_is400() {
        String adminToken = login("root", ADMIN_PASSWORD);
        // "ZGFuYQ" is base64 of "dana": a position anyone can write, which the listing once took as is.
        for (String cursor : List.of("zzz", "%%%", "a".repeat(3000), "Ym9i\u00e9", "ZGFuYQ", "cm9vdA")) {
            var event = withBearer(load("login-list-users.json"), adminToken);
            event.setQueryStringParameters(Map.of("cursor", cursor));

            var response = call(event);

            assertThat(response.getStatusCode()).as(cursor).isEqualTo(400);
        }
    }

    static APIGatewayV2HTTPResponse loginFrom(LoginHandler handler, String source, String username, String password) {
        var event = withJson(load("login-login-json.json"), Map.of("username", username, "password", password));
        event.getRequestContext().getHttp().setSourceIp(source);
        return invoke(handler, event);
    }

    @Test
    void login_afterTenFailuresForAUsername_is429WithRetryAfter_evenWithTheRightPassword_knownOrNot() {
        String name = newUser();
        String ghost = "ghost-" + UUID.randomUUID().toString().substring(0, 8);
        for (String username : List.of(name, ghost)) {
            for (int i = 0; i < LoginThrottle.DEFAULT_PER_USERNAME; i++) {
                assertThat(loginFrom(handler, "198.51.100.7", username, "wrong-password-" + i).getStatusCode())
                        .isEqualTo(401);
            }
            var locked = loginFrom(handler, "198.51.100.8", username, "password-of-" + username);

            assertThat(locked.getStatusCode()).as(username).isEqualTo(429);
            long retryAfter = Long.parseLong(Events.header(locked, "retry-after"));
            assertThat(retryAfter).isPositive()
                    .isLessThanOrEqualTo(2 * LoginThrottle.DEFAULT_WINDOW.toSeconds());
            assertThat(body(locked).get("detail").asText()).isEqualTo("too many failed logins; try again later");
        }
        // another user is not locked out by it
        String other = newUser();
        assertThat(loginFrom(handler, "198.51.100.7", other, "password-of-" + other).getStatusCode()).isEqualTo(200);
    }

    @Test
    void login_afterTooManyFailuresFromOneSource_is429ForEveryUsernameFromThere() {
        var strict = new LoginHandler(stack.wiring(), new UserService(stack.wiring().userStore(),
                stack.wiring().tokenStore(), stack.wiring().jwt(), stack.wiring().passwordHasher(),
                stack.wiring().clock(), new LoginThrottle(stack.wiring().loginAttempts(), stack.wiring().clock(),
                        100, 3, LoginThrottle.DEFAULT_WINDOW),
                () -> UserService.cursorsWithSecret(stack.wiring().signingSecret())));
        for (int i = 0; i < 3; i++) {
            assertThat(loginFrom(strict, "198.51.100.9", "guess-" + i, "wrong-password").getStatusCode()).isEqualTo(401);
        }
        String name = newUser();

        assertThat(loginFrom(strict, "198.51.100.9", name, "password-of-" + name).getStatusCode()).isEqualTo(429);
        assertThat(loginFrom(strict, "198.51.100.10", name, "password-of-" + name).getStatusCode()).isEqualTo(200);
    }

    @Test
    void changePassword_revokesOldTokensAndOldPassword_newPasswordWorks() {
        String name = newUser();
        String oldToken = login(name, "password-of-" + name);
        var change = call(withBearer(withJson(load("login-change-password.json"),
                Map.of("current_password", "password-of-" + name, "new_password", "brand-new-password")), oldToken));
        assertThat(change.getStatusCode()).as(change.getBody()).isEqualTo(204);

        assertThat(me(oldToken).getStatusCode()).isEqualTo(401);
        var oldPassword = call(withJson(load("login-login-json.json"), Map.of("username", name, "password", "password-of-" + name)));
        assertThat(oldPassword.getStatusCode()).isEqualTo(401);
        assertThat(me(login(name, "brand-new-password")).getStatusCode()).isEqualTo(200);
    }

    @Test
    void changePassword_withWrongCurrentPassword_is400() {
        String name = newUser();
        String token = login(name, "password-of-" + name);
        var change = call(withBearer(withJson(load("login-change-password.json"),
                Map.of("current_password", "not-it-at-all", "new_password", "brand-new-password")), token));
        assertThat(change.getStatusCode()).isEqualTo(400);
        assertThat(body(change).get("errors").get(0).get("field").asText()).isEqualTo("current_password");
    }

    @Test
    void logout_revokesThatTokenOnly() {
        String name = newUser();
        String first = login(name, "password-of-" + name);
        String second = login(name, "password-of-" + name);
        assertThat(call(withBearer(load("login-logout.json"), first)).getStatusCode()).isEqualTo(204);
        assertThat(me(first).getStatusCode()).isEqualTo(401);
        assertThat(me(second).getStatusCode()).isEqualTo(200);
    }

    @Test
    void forgedTokens_otherKey_algNone_expired_editedRole_allAre401() {
        String name = newUser();
        String real = login(name, "password-of-" + name);
        var claims = JWT.decode(real);

        String otherKey = JWT.create().withIssuer("mlapi").withSubject(claims.getSubject())
                .withClaim("username", name).withClaim("role", "user").withClaim("ver", 0L)
                .withJWTId(UUID.randomUUID().toString()).withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plusSeconds(600))
                .sign(Algorithm.HMAC256("another-secret-that-is-long-enough-32b"));
        String expired = JWT.create().withIssuer("mlapi").withSubject(claims.getSubject())
                .withClaim("username", name).withClaim("role", "user").withClaim("ver", 0L)
                .withJWTId(UUID.randomUUID().toString()).withIssuedAt(Instant.now().minus(2, ChronoUnit.HOURS))
                .withExpiresAt(Instant.now().minus(1, ChronoUnit.HOURS))
                .sign(Algorithm.HMAC256(TestStack.JWT_SECRET));
        String[] parts = real.split("\\.");
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String algNone = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + parts[1] + ".";
        ObjectNode edited = (ObjectNode) Json.readTree(payload.getBytes(StandardCharsets.UTF_8));
        edited.put("role", "admin");
        String editedRole = parts[0] + "." + b64.encodeToString(Json.write(edited)) + "." + parts[2];

        assertThat(me(real).getStatusCode()).isEqualTo(200);
        for (String forged : List.of(otherKey, algNone, expired, editedRole, "not.a.jwt", "garbage")) {
            assertThat(me(forged).getStatusCode()).as(forged).isEqualTo(401);
        }
        assertThat(call(withBearer(load("login-list-users.json"), editedRole)).getStatusCode()).isEqualTo(401);
        var expiredAnswer = body(me(expired));
        assertThat(expiredAnswer.get("detail").asText()).contains("expired");
    }

    @Test
    void badBodies_malformedWrongTypesEmptyDeepWrongContentType_are4xxProblems() {
        Map<String, Integer> cases = Map.of(
                "{\"username\": \"bob\", ", 400,
                "{\"username\": 42, \"password\": \"password-123\"}", 400,
                "", 400,
                "[1,2,3]", 400,
                "{\"username\":\"bob\",\"password\":\"password-123\",\"unexpected\":1}", 400,
                "{\"a\":".repeat(200) + "1" + "}".repeat(200), 400);
        cases.forEach((body, status) -> {
            var response = call(withBody(load("login-register-user.json"), "application/json", body));
            assertThat(response.getStatusCode()).as(body.length() > 60 ? "deep nesting" : body).isEqualTo(status);
        });
        var wrongType = call(withBody(load("login-register-user.json"), "text/plain", "username=bob"));
        assertThat(wrongType.getStatusCode()).isEqualTo(415);
        var typeError = body(call(withBody(load("login-register-user.json"), "application/json",
                "{\"username\": 42, \"password\": \"password-123\"}")));
        assertThat(typeError.get("errors").get(0).get("field").asText()).isEqualTo("username");
    }

    @Test
    void badBodies_withSecrets_neverQuoteThemInTheProblemOrTheRequestLog() {
        List<String> bodies = List.of(
                "{\"password\":hunter2secret}",
                "{\"username\":\"bob\",\"password\":98765432109}",
                "{\"username\":\"bob\",\"password\":\"password-123\"} hunter2secret",
                "{\"username\":\"bob\",\"password\":\"password-123\"} {\"password\":\"hunter2secret\"}",
                "{\"username\":\"bob\",\"password\":[\"hunter2secret\", }");
        for (String json : bodies) {
            for (String file : List.of("login-login-json.json", "login-register-user.json")) {
                APIGatewayV2HTTPEvent event = withBody(load(file), "application/json", json);
                var response = call(event);

                assertThat(response.getStatusCode()).as(json).isEqualTo(400);
                assertThat(response.getBody()).as(json).doesNotContain("hunter2secret", "98765432109");
                var logged = stack.wiring().dynamoDb().getItem(r -> r.tableName(stack.config().requestLogTable())
                        .key(Map.of("request_id", AttributeValue.fromS(event.getRequestContext().getRequestId()))))
                        .item();
                assertThat(logged.get("error_message").s()).as(json).doesNotContain("hunter2secret", "98765432109");
            }
        }
    }

    @Test
    void badBodies_whenANumberIsTooLong_sayThat_notNesting() {
        var response = call(withBody(load("login-register-user.json"), "application/json",
                "{\"username\": " + "9".repeat(5000) + "}"));

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).get("detail").asText()).doesNotContain("nested").contains("longer");
    }

    @Test
    void unknownRouteAndWrongMethod_are404And405Problems() {
        var unknown = withPath(load("health-check.json"), "/nope", Map.of());
        unknown.setRouteKey("$default");
        assertThat(call(unknown).getStatusCode()).isEqualTo(404);
        var wrongMethod = withPath(load("login-current-user.json"), "/auth/users/me", Map.of());
        wrongMethod.setRouteKey("$default");
        wrongMethod.getRequestContext().getHttp().setMethod("PUT");
        assertThat(call(wrongMethod).getStatusCode()).isEqualTo(405);
    }

    @Test
    void everyRequest_isLoggedOnce_withoutPasswordsOrTokens() {
        String name = newUser();
        String token = login(name, "password-of-" + name);
        var failed = withJson(load("login-login-json.json"), Map.of("username", name, "password", "secret-wrong-pw"));
        call(failed);
        var refused = withBearer(load("login-list-users.json"), token);
        call(refused);

        var items = stack.wiring().dynamoDb().scan(r -> r.tableName(stack.config().requestLogTable())).items();
        var byId = items.stream().filter(i -> i.get("request_id").s().equals(failed.getRequestContext().getRequestId())).toList();
        assertThat(byId).hasSize(1);
        assertThat(byId.get(0).get("status_code").n()).isEqualTo("401");
        assertThat(byId.get(0).get("route").s()).isEqualTo("POST /auth/login");
        var forbidden = items.stream().filter(i -> i.get("request_id").s().equals(refused.getRequestContext().getRequestId())).toList();
        assertThat(forbidden).hasSize(1);
        assertThat(forbidden.get(0).get("status_code").n()).isEqualTo("403");
        assertThat(forbidden.get(0).get("user").s()).isEqualTo(name);
        assertThat(Double.parseDouble(forbidden.get(0).get("processing_time").n())).isPositive();

        String everything = items.stream().map(Map::values).flatMap(java.util.Collection::stream)
                .map(AttributeValue::toString).reduce("", String::concat);
        assertThat(everything).doesNotContain("password-of-" + name, "secret-wrong-pw", ADMIN_PASSWORD, token);
    }

    @Test
    void handleRequest_inLambda_printsJsonLogLinesWithContextRouteAndUser_andOneEmfRecord() {
        String name = newUser();
        String token = login(name, "password-of-" + name);
        LoginHandler freshContainer = new LoginHandler(stack.wiring());
        var event = withBearer(load("login-current-user.json"), token);
        var context = new LocalContext("lambda-invocation-1", "login", System.currentTimeMillis() + 15_000);

        var printed = Stdout.capture(() -> invoke(freshContainer, event, context));

        assertThat(printed.value().getStatusCode()).isEqualTo(200);
        assertThat(printed.lines()).as("everything on stdout is one JSON object per line").isNotEmpty()
                .allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
        List<JsonNode> records = printed.lines().stream()
                .map(line -> Json.readTree(line.getBytes(StandardCharsets.UTF_8))).toList();

        JsonNode logLine = records.stream().filter(r -> r.path("message").asText().startsWith("GET /auth/users/me"))
                .findFirst().orElseThrow();
        assertThat(logLine.get("level").asText()).isEqualTo("INFO");
        assertThat(logLine.get("message").asText()).startsWith("GET /auth/users/me 200 ");
        assertThat(logLine.get("function_request_id").asText()).isEqualTo("lambda-invocation-1");
        assertThat(logLine.get("function_name").asText()).isEqualTo("login");
        assertThat(logLine.get("cold_start").asBoolean()).as("the first request of a new container").isTrue();
        assertThat(logLine.get("route").asText()).isEqualTo("GET /auth/users/me");
        assertThat(logLine.get("user").asText()).isEqualTo(name);
        assertThat(logLine.get("correlation_id").asText()).isEqualTo(event.getRequestContext().getRequestId());

        List<JsonNode> emf = records.stream().filter(r -> r.has("_aws")).toList();
        assertThat(emf).as("one EMF record per request").hasSize(1);
        JsonNode record = emf.get(0);
        JsonNode directive = record.get("_aws").get("CloudWatchMetrics").get(0);
        assertThat(directive.get("Namespace").asText()).isEqualTo("mlapi");
        assertThat(directive.get("Dimensions").toString()).isEqualTo("[[\"function\"],[\"function\",\"route\"]]");
        assertThat(directive.get("Metrics").findValuesAsText("Name"))
                .containsExactlyInAnyOrder("requests", "errors_4xx", "errors_5xx", "latency", "cold_start");
        assertThat(record.get("function").asText()).isEqualTo("login");
        assertThat(record.get("route").asText()).isEqualTo("GET:/auth/users/me");
        assertThat(record.get("requests").asDouble()).isEqualTo(1);
        assertThat(record.get("errors_5xx").asDouble()).isZero();
        assertThat(record.get("latency").asDouble()).isPositive();
        assertThat(record.get("cold_start").asDouble()).isEqualTo(1);
        assertThat(record.get("request_id").asText()).isEqualTo(event.getRequestContext().getRequestId());

        var second = Stdout.capture(() -> invoke(freshContainer, withBearer(load("login-current-user.json"), token),
                new LocalContext("lambda-invocation-2", "login", System.currentTimeMillis() + 15_000)));
        assertThat(second.lines()).as("no cold start on the container's second request")
                .noneMatch(line -> line.contains("\"cold_start\":true") || line.contains("\"cold_start\":1"));
    }
}
