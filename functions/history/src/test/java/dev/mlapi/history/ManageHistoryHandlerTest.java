package dev.mlapi.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.requestlog.HistoryDeletion;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The history function through its Lambda handler with the sample events of {@code events/}, real
 * tokens, and a request log in DynamoDB Local written by the real log adapter.
 */
class ManageHistoryHandlerTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    private TestStack stack;
    private ManageHistoryHandler handler;
    private String admin;
    private String alice;
    private String bob;

    @BeforeEach
    void start() {
        stack = TestStack.start();
        handler = new ManageHistoryHandler(stack.wiring());
        admin = stack.signedIn("root", Role.ADMIN).token();
        alice = stack.signedIn("alice", Role.USER).token();
        bob = stack.signedIn("bob", Role.USER).token();
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    /** Logs an entry through the real request-log adapter, {@code hoursAgo} before the test started. */
    private String log(double hoursAgo, String user, String route, int status, String model) {
        String id = UUID.randomUUID().toString();
        Instant at = NOW.minusMillis((long) (hoursAgo * 3_600_000));
        stack.wiring().requestLog().record(new RequestLogEntry(id, at, route, route.split(" ")[0],
                route.split(" ")[1], Optional.ofNullable(user), status, 0.01 * hoursAgo, 100, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.ofNullable(model), Optional.empty(),
                status >= 400 ? Optional.of("failed") : Optional.empty(), Optional.of("203.0.113.10"),
                at.plus(Duration.ofDays(90))));
        return id;
    }

    private APIGatewayV2HTTPResponse list(String token, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Events.withBearer(Events.load("history-list.json"), token);
        Map<String, String> parameters = new HashMap<>(query);
        parameters.putIfAbsent("to", NOW.minusSeconds(1).toString());
        event.setQueryStringParameters(parameters);
        return Events.invoke(handler, event);
    }

    private List<String> ids(APIGatewayV2HTTPResponse response) {
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        Events.body(response).get("items").forEach(item -> ids.add(item.get("request_id").asText()));
        return ids;
    }

    private APIGatewayV2HTTPResponse delete(String token, Map<String, String> query) {
        APIGatewayV2HTTPEvent event = Events.withBearer(Events.load("history-delete.json"), token);
        event.setQueryStringParameters(query);
        return Events.invoke(handler, event);
    }

    private APIGatewayV2HTTPResponse get(String token, String requestId) {
        return Events.invoke(handler, Events.withPath(Events.withBearer(Events.load("history-get.json"), token),
                "/history/" + requestId, Map.of("request_id", requestId)));
    }

    @Test
    void list_asAdmin_pagesEveryonesEntriesNewestFirst_acrossDays() {
        List<String> expected = new ArrayList<>();
        double[] hoursAgo = {1, 2, 23, 25, 49, 50, 73};
        for (int i = 0; i < hoursAgo.length; i++) {
            expected.add(log(hoursAgo[i], i % 2 == 0 ? "alice" : "bob", "POST /classify", 200, "mobilenetv2:1"));
        }
        List<String> seen = new ArrayList<>();
        Map<String, String> query = new HashMap<>(Map.of("limit", "3"));
        int pages = 0;
        while (true) {
            APIGatewayV2HTTPResponse response = list(admin, query);
            seen.addAll(ids(response));
            pages++;
            JsonNode next = Events.body(response).get("next_cursor");
            if (next == null) {
                break;
            }
            query.put("cursor", next.asText());
        }
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(pages).isEqualTo(3);
        JsonNode first = Events.body(list(admin, Map.of("limit", "1"))).get("items").get(0);
        assertThat(first.get("user").asText()).isEqualTo("alice");
        assertThat(first.get("route").asText()).isEqualTo("POST /classify");
        assertThat(first.get("model").asText()).isEqualTo("mobilenetv2:1");
        assertThat(first.has("source_ip")).isFalse();
    }

    @Test
    void list_filtersByStatusClassExactStatusRouteModelUserAndTime() {
        String ok = log(1, "alice", "POST /classify", 200, "mobilenetv2:1");
        String notFound = log(2, "bob", "GET /models/{name}", 404, null);
        String unauthorised = log(3, null, "GET /auth/users/me", 401, null);
        String serverError = log(30, "alice", "POST /classify", 503, "squeezenet:2");

        assertThat(ids(list(admin, Map.of("status", "4xx")))).containsExactly(notFound, unauthorised);
        assertThat(ids(list(admin, Map.of("status", "404")))).containsExactly(notFound);
        assertThat(ids(list(admin, Map.of("route", "POST /classify")))).containsExactly(ok, serverError);
        assertThat(ids(list(admin, Map.of("model", "squeezenet:2")))).containsExactly(serverError);
        assertThat(ids(list(admin, Map.of("user", "alice")))).containsExactly(ok, serverError);
        assertThat(ids(list(admin, Map.of("user", "alice", "status", "5xx")))).containsExactly(serverError);
        assertThat(ids(list(admin, Map.of("from", NOW.minus(Duration.ofHours(2)).minusSeconds(1).toString()))))
                .containsExactly(ok, notFound);
        assertThat(ids(list(admin, Map.of("to", NOW.minus(Duration.ofHours(10)).toString()))))
                .containsExactly(serverError);
    }

    @Test
    void list_asUser_showsOnlyTheirOwn_andNamingAnotherUserIs403() {
        String mine = log(1, "alice", "POST /classify", 200, null);
        log(2, "bob", "POST /classify", 200, null);
        log(3, null, "POST /auth/login", 401, null);

        assertThat(ids(list(alice, Map.of()))).containsExactly(mine);
        assertThat(ids(list(alice, Map.of("user", "alice")))).containsExactly(mine);
        assertThat(list(alice, Map.of("user", "bob")).getStatusCode()).isEqualTo(403);
    }

    @Test
    void list_withBadParametersOrAForeignCursor_is400() {
        for (int i = 0; i < 3; i++) {
            log(i + 1, "alice", "POST /classify", 200, null);
        }
        for (Map<String, String> bad : List.of(Map.of("from", "yesterday"), Map.of("to", "2026-13-01"),
                Map.of("limit", "0"), Map.of("limit", "1001"), Map.of("limit", "ten"), Map.of("status", "4x"),
                Map.of("from", NOW.toString(), "to", NOW.minusSeconds(60).toString()),
                Map.of("cursor", "not-a-cursor"))) {
            APIGatewayV2HTTPResponse response = list(admin, bad);
            assertThat(response.getStatusCode()).as(bad.toString()).isEqualTo(400);
        }
        String cursor = Events.body(list(admin, Map.of("limit", "1"))).get("next_cursor").asText();
        String tampered = cursor.substring(0, 2) + (cursor.charAt(2) == 'A' ? 'B' : 'A') + cursor.substring(3);
        assertThat(list(admin, Map.of("limit", "1", "cursor", tampered)).getStatusCode()).isEqualTo(400);
        assertThat(list(admin, Map.of("limit", "1", "cursor", cursor, "status", "2xx")).getStatusCode())
                .as("a cursor of another query").isEqualTo(400);
        assertThat(list(alice, Map.of("limit", "1", "cursor", cursor)).getStatusCode())
                .as("a cursor of another caller").isEqualTo(400);
        assertThat(list(admin, Map.of("limit", "1", "cursor", cursor)).getStatusCode()).isEqualTo(200);
    }

    @Test
    void get_showsOneEntry_toItsUserAndAdmins_only() {
        String entry = log(1, "alice", "POST /classify", 200, "mobilenetv2:1");

        APIGatewayV2HTTPResponse own = get(alice, entry);
        assertThat(own.getStatusCode()).isEqualTo(200);
        assertThat(Events.body(own).get("request_id").asText()).isEqualTo(entry);
        assertThat(get(admin, entry).getStatusCode()).isEqualTo(200);
        assertThat(get(bob, entry).getStatusCode()).isEqualTo(404);
        assertThat(get(admin, "no-such-request").getStatusCode()).isEqualTo(404);
    }

    @Test
    void get_withAnIdNoRequestCanHave_is400BeforeAnyLookup() {
        // 4,000 characters once reached DynamoDB, which refuses keys over 2,048 bytes: a 500
        for (String id : new String[] {"a".repeat(4_000), "a".repeat(129), "semi;colon", "sp ace"}) {
            APIGatewayV2HTTPResponse answer = get(admin, id);
            assertThat(answer.getStatusCode()).as(id.length() + " characters").isEqualTo(400);
            assertThat(answer.getBody()).contains("request_id");
        }
        assertThat(get(admin, "a".repeat(128)).getStatusCode()).isEqualTo(404);
    }

    @Test
    void delete_before_hidesExactlyTheOlderEntriesAtOnce_andThePurgeRemovesThem() {
        String recent = log(1, "alice", "POST /classify", 200, null);
        String recentBob = log(5, "bob", "POST /classify", 200, null);
        String old = log(30, "alice", "POST /classify", 200, null);
        String oldBob = log(50, "bob", "POST /classify", 200, null);
        String anonymous = log(60, null, "POST /auth/login", 401, null);
        Instant cut = NOW.minus(Duration.ofHours(10));

        assertThat(delete(admin, Map.of("before", cut.toString())).getStatusCode()).isEqualTo(204);

        assertThat(ids(list(admin, Map.of()))).containsExactly(recent, recentBob);
        assertThat(get(admin, old).getStatusCode()).isEqualTo(404);
        assertThat(stored(old)).as("removed in the background, not yet").isTrue();

        HistoryDeletion deletion = stack.wiring().requestHistory().deletions().get(0);
        assertThat(stack.wiring().requestHistory().purge(deletion, Duration.ofSeconds(30))).isTrue();
        assertThat(List.of(old, oldBob, anonymous)).noneMatch(this::stored);
        assertThat(List.of(recent, recentBob)).allMatch(this::stored);
        assertThat(stack.wiring().requestHistory().deletions()).singleElement()
                .extracting(HistoryDeletion::completed).isEqualTo(true);
    }

    @Test
    void delete_byAUser_coversOnlyTheirOwnEntries_andAnotherUsersIs403() {
        String mine = log(1, "alice", "POST /classify", 200, null);
        String bobs = log(2, "bob", "POST /classify", 200, null);

        assertThat(delete(alice, Map.of("user", "bob")).getStatusCode()).isEqualTo(403);
        assertThat(delete(alice, Map.of()).getStatusCode()).isEqualTo(204);

        assertThat(ids(list(admin, Map.of()))).containsExactly(bobs);
        assertThat(ids(list(alice, Map.of()))).isEmpty();
        HistoryDeletion deletion = stack.wiring().requestHistory().deletions().get(0);
        assertThat(deletion.user()).contains("alice");
        stack.wiring().requestHistory().purge(deletion, Duration.ofSeconds(30));
        assertThat(stored(mine)).isFalse();
        assertThat(stored(bobs)).isTrue();
    }

    @Test
    void delete_withABadBefore_is400_andWithoutAToken_is401() {
        assertThat(delete(admin, Map.of("before", "last week")).getStatusCode()).isEqualTo(400);
        APIGatewayV2HTTPEvent anonymous = Events.load("history-delete.json");
        assertThat(Events.invoke(handler, anonymous).getStatusCode()).isEqualTo(401);
    }

    private boolean stored(String requestId) {
        Map<String, AttributeValue> item = stack.wiring().dynamoDb().getItem(r -> r
                .tableName(stack.config().requestLogTable())
                .key(Map.of("request_id", AttributeValue.fromS(requestId)))).item();
        return item != null && !item.isEmpty();
    }
}
