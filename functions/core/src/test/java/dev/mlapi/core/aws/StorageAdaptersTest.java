package dev.mlapi.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.Wiring;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import dev.mlapi.core.users.User;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The DynamoDB adapters against DynamoDB Local. */
class StorageAdaptersTest {

    static TestStack stack;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static User user(String name) {
        return new User("id-" + name, name, Optional.of(name + "@example.com"), Role.USER, "hash-1",
                Instant.parse("2026-01-01T00:00:00Z"), 0);
    }

    @Test
    void create_whenUsernameTaken_conflicts() {
        var users = stack.wiring().userStore();
        users.create(user("carol"));
        assertThatThrownBy(() -> users.create(user("carol"))).isInstanceOf(Conflict.class)
                .hasMessageContaining("carol");
        assertThat(users.find("carol")).contains(user("carol"));
    }

    @Test
    void replacePassword_whenHashMatches_bumpsTokenVersion_elseConflicts() {
        var users = stack.wiring().userStore();
        users.create(user("dave"));
        users.replacePassword(user("dave").withPassword("hash-2"), "hash-1");
        assertThat(users.find("dave").orElseThrow().tokenVersion()).isEqualTo(1);
        assertThat(users.find("dave").orElseThrow().passwordHash()).isEqualTo("hash-2");
        assertThatThrownBy(() -> users.replacePassword(user("dave").withPassword("hash-3"), "hash-1"))
                .isInstanceOf(Conflict.class);
    }

    @Test
    void list_pagesThroughEveryUserOnce() {
        var users = stack.wiring().userStore();
        for (int i = 0; i < 7; i++) {
            users.create(user("page" + i));
        }
        Set<String> seen = new HashSet<>();
        Optional<String> cursor = Optional.empty();
        int pages = 0;
        do {
            var page = users.list(3, cursor);
            page.items().forEach(u -> assertThat(seen.add(u.username())).isTrue());
            cursor = page.nextCursor();
            pages++;
        } while (cursor.isPresent());
        assertThat(seen).contains("page0", "page1", "page2", "page3", "page4", "page5", "page6");
        assertThat(pages).isGreaterThan(2);
    }

    @Test
    void delete_reportsWhetherTheUserExisted() {
        var users = stack.wiring().userStore();
        users.create(user("erin"));
        assertThat(users.delete("erin")).isTrue();
        assertThat(users.delete("erin")).isFalse();
        assertThat(users.find("erin")).isEmpty();
    }

    @Test
    void isRevoked_onlyForRevokedTokens() {
        var tokens = stack.wiring().tokenStore();
        tokens.revoke("t-1", Instant.now().plus(1, ChronoUnit.HOURS));
        assertThat(tokens.isRevoked("t-1")).isTrue();
        assertThat(tokens.isRevoked("t-2")).isFalse();
    }

    @Test
    void credentialLookup_readsUserAndRevocationInOneCall() {
        var users = stack.wiring().userStore();
        users.create(user("frank"));
        var lookup = new DynamoDbCredentialLookup(stack.wiring().dynamoDb(), stack.config().usersTable(),
                stack.config().tokensTable(), java.time.Clock.systemUTC());
        assertThat(lookup.lookup("frank", "t-frank").user()).contains(user("frank"));
        assertThat(lookup.lookup("frank", "t-frank").revoked()).isFalse();
        stack.wiring().tokenStore().revoke("t-frank", Instant.now().plus(1, ChronoUnit.HOURS));
        assertThat(lookup.lookup("frank", "t-frank").revoked()).isTrue();
        stack.wiring().tokenStore().revoke("t-old", Instant.now().minus(2, ChronoUnit.HOURS));
        assertThat(lookup.lookup("frank", "t-old").revoked()).as("revocation of an expired token").isFalse();
        assertThat(lookup.lookup("nobody", "t-frank").user()).isEmpty();
    }

    @Test
    void record_storesAnEntryOnce_andAnotherRequestUnderATakenIdUnderASuffixedId() {
        var log = stack.wiring().requestLog();
        Instant at = Instant.parse("2026-03-04T05:06:07Z");
        var entry = new RequestLogEntry("req-1", at, "POST /classify", "POST", "/classify", Optional.of("alice"), 200,
                0.031, 1234, Optional.of("https://example.com/cat.jpg"), Optional.of(640), Optional.of(480),
                Optional.of("mobilenetv2:1"), Optional.of("tabby"), Optional.empty(), Optional.of("127.0.0.1"),
                at.plus(90, ChronoUnit.DAYS));
        log.record(entry);
        log.record(entry); // a retried write of the same entry
        // another caller sending X-Request-Id: req-1 is logged all the same
        log.record(new RequestLogEntry("req-1", at.plusMillis(5), "GET /health", "GET", "/health", Optional.of("mallory"),
                500, 9, 0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of("x"), Optional.empty(), at.plus(90, ChronoUnit.DAYS)));
        var items = stack.wiring().dynamoDb().query(r -> r.tableName(stack.config().requestLogTable())
                .indexName(Tables.REQUEST_LOG_BY_DAY)
                .keyConditionExpression("#d = :d")
                .expressionAttributeNames(Map.of("#d", "day"))
                .expressionAttributeValues(Map.of(":d", AttributeValue.fromS("2026-03-04")))).items();
        assertThat(items).hasSize(2);
        var first = items.stream().filter(i -> i.get("request_id").s().equals("req-1")).findFirst().orElseThrow();
        assertThat(first.get("route").s()).isEqualTo("POST /classify");
        assertThat(first.get("status_code").n()).isEqualTo("200");
        assertThat(first.get("image_width").n()).isEqualTo("640");
        assertThat(first.get("created_at").s()).as("fixed width: string order is time order")
                .isEqualTo("2026-03-04T05:06:07.000000Z");
        assertThat(DynamoDbRequestLog.fromItem(first)).isEqualTo(entry);
        var second = items.stream().filter(i -> !i.get("request_id").s().equals("req-1")).findFirst().orElseThrow();
        assertThat(second.get("request_id").s()).matches("req-1-[A-Za-z0-9_-]{8}");
        assertThat(second.get("user").s()).isEqualTo("mallory");
    }

    @Test
    void recordAll_writesEveryEntryAsRecordWould_acrossSeveralBatchCalls() {
        var log = new DynamoDbRequestLog(stack.wiring().dynamoDb(), stack.config().requestLogTable());
        Instant at = Instant.parse("2026-05-06T07:08:09Z");
        List<RequestLogEntry> entries = new ArrayList<>();
        for (int i = 0; i < 2 * DynamoDbRequestLog.BATCH_WRITE_LIMIT + 3; i++) {
            entries.add(new RequestLogEntry("bulk-" + i, at.plusMillis(i), "POST /classify", "POST", "/classify",
                    Optional.of("user" + i % 3), i % 7 == 0 ? 404 : 200, (i + 1) / 1000.0, 100 + i,
                    Optional.of("https://example.com/" + i + ".jpg"), Optional.of(224), Optional.of(224),
                    Optional.of("mobilenetv2:1"), Optional.empty(), Optional.empty(), Optional.empty(),
                    at.plus(90, ChronoUnit.DAYS)));
        }

        log.recordAll(entries);

        var items = stack.wiring().dynamoDb().query(r -> r.tableName(stack.config().requestLogTable())
                .indexName(Tables.REQUEST_LOG_BY_DAY)
                .keyConditionExpression("#d = :d")
                .expressionAttributeNames(Map.of("#d", "day"))
                .expressionAttributeValues(Map.of(":d", AttributeValue.fromS("2026-05-06")))).items();
        assertThat(items).map(DynamoDbRequestLog::fromItem).containsExactlyElementsOf(entries);
    }

    @Test
    void createMissing_addsAnIndexTheCatalogGainedToATableKeptFromBefore() {
        String name = "old-requests-" + System.nanoTime();
        var definition = Tables.definition(dev.mlapi.catalog.TableCatalog.REQUEST_LOG, name);
        var dynamoDb = stack.wiring().dynamoDb();
        // The table as it was before the by_user index: no index on, and no definition of, "user".
        dynamoDb.createTable(definition.toBuilder()
                .attributeDefinitions(definition.attributeDefinitions().stream()
                        .filter(attribute -> !attribute.attributeName().equals("user")).toList())
                .globalSecondaryIndexes(definition.globalSecondaryIndexes().get(0)).build());
        var config = dev.mlapi.core.config.Config.fromMap(Map.of(
                "DYNAMODB_ENDPOINT", stack.config().dynamoDbEndpoint().orElseThrow().toString(),
                "REQUEST_LOG_TABLE", name, "USERS_TABLE", stack.config().usersTable(),
                "TOKENS_TABLE", stack.config().tokensTable(),
                dev.mlapi.catalog.Env.REQUEST_ROLLUPS_TABLE, "rollups-" + name));

        Tables.createMissing(dynamoDb, config);

        assertThat(dynamoDb.describeTable(r -> r.tableName(name)).table().globalSecondaryIndexes())
                .extracting(index -> index.indexName()).containsExactlyInAnyOrder("by_day", "by_user");
    }
    @Test
    void adapters_whenDynamoDbThrottles_throw503WithRetryAfter_notSdkExceptions() {
        ThrottlingDynamoDb throttling = new ThrottlingDynamoDb(stack.wiring().dynamoDb());
        Wiring wiring = stack.wiring().withDynamoDb(real -> throttling.throttleEverything());
        var users = wiring.userStore();

        assertThatThrownBy(() -> users.create(user("erin"))).isInstanceOf(ServiceUnavailable.class)
                .hasMessageContaining("throttling");
        assertThatThrownBy(() -> users.replacePassword(user("erin").withPassword("hash-2"), "hash-1"))
                .isInstanceOf(ServiceUnavailable.class);
        assertThatThrownBy(() -> wiring.requestLog().record(new RequestLogEntry("req-throttled",
                Instant.parse("2026-01-01T00:00:00Z"), "GET /health", "GET", "/health", Optional.empty(), 200, 0.01,
                0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Instant.parse("2026-04-01T00:00:00Z"))))
                .isInstanceOf(ServiceUnavailable.class)
                .satisfies(e -> assertThat(((ServiceUnavailable) e).retryAfter()).contains(SdkErrors.THROTTLED_RETRY_AFTER));

        throttling.heal();
        users.create(user("erin"));
        assertThat(users.find("erin")).isPresent();
    }
}
