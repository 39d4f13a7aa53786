package dev.mlapi.core.aws;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.page.Page;
import dev.mlapi.core.users.User;
import dev.mlapi.core.users.UserStore;
import dev.mlapi.core.users.Usernames;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/** {@link UserStore} on a DynamoDB table keyed by {@code username}. */
public final class DynamoDbUserStore implements UserStore {

    static final String USERNAME = TableCatalog.USERS.partitionKey();
    static final String ID = "id";
    static final String EMAIL = "email";
    static final String ROLE = "role";
    static final String PASSWORD_HASH = "password_hash";
    static final String CREATED_AT = "created_at";
    static final String TOKEN_VERSION = "token_version";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbUserStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public void create(User user) {
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(toItem(user))
                    .conditionExpression("attribute_not_exists(#u)")
                    .expressionAttributeNames(Map.of("#u", USERNAME)));
        } catch (ConditionalCheckFailedException e) {
            throw new Conflict("the username '" + user.username() + "' is already taken");
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    @Override
    public Optional<User> find(String username) {
        var item = dynamoDb.getItem(r -> r.tableName(table).key(key(username)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public Page<User> list(int limit, Optional<String> cursor) {
        ScanResponse response = dynamoDb.scan(r -> {
            r.tableName(table).limit(limit);
            cursor.map(DynamoDbUserStore::decodeCursor).ifPresent(c -> r.exclusiveStartKey(key(c)));
        });
        List<User> users = response.items().stream().map(DynamoDbUserStore::fromItem).toList();
        Optional<String> next = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                ? Optional.of(encodeCursor(response.lastEvaluatedKey().get(USERNAME).s()))
                : Optional.empty();
        return new Page<>(users, next);
    }

    @Override
    public void replacePassword(User updated, String expectedHash) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(key(updated.username()))
                    .updateExpression("SET #h = :new, #v = :version")
                    .conditionExpression("#h = :old")
                    .expressionAttributeNames(Map.of("#h", PASSWORD_HASH, "#v", TOKEN_VERSION))
                    .expressionAttributeValues(Map.of(
                            ":new", s(updated.passwordHash()),
                            ":old", s(expectedHash),
                            ":version", n(updated.tokenVersion()))));
        } catch (ConditionalCheckFailedException e) {
            throw new Conflict("the password was changed concurrently; try again");
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    @Override
    public boolean delete(String username) {
        var old = dynamoDb.deleteItem(r -> r.tableName(table).key(key(username)).returnValues(ReturnValue.ALL_OLD));
        return old.hasAttributes() && !old.attributes().isEmpty();
    }

    private static Map<String, AttributeValue> key(String username) {
        return Map.of(USERNAME, s(username));
    }

    private static Map<String, AttributeValue> toItem(User user) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(USERNAME, s(user.username()));
        item.put(ID, s(user.id()));
        user.email().ifPresent(email -> item.put(EMAIL, s(email)));
        item.put(ROLE, s(user.role().value()));
        item.put(PASSWORD_HASH, s(user.passwordHash()));
        item.put(CREATED_AT, s(user.createdAt().toString()));
        item.put(TOKEN_VERSION, n(user.tokenVersion()));
        return item;
    }

    static User fromItem(Map<String, AttributeValue> item) {
        return new User(
                item.get(ID).s(),
                item.get(USERNAME).s(),
                Optional.ofNullable(item.get(EMAIL)).map(AttributeValue::s),
                Role.parse(item.get(ROLE).s()),
                item.get(PASSWORD_HASH).s(),
                Instant.parse(item.get(CREATED_AT).s()),
                Long.parseLong(item.get(TOKEN_VERSION).n()));
    }

    private static String encodeCursor(String username) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(username.getBytes(StandardCharsets.UTF_8));
    }

    /** The username a cursor of {@link #encodeCursor(String)} holds; anything else is a 400, never a scan key. */
    private static String decodeCursor(String cursor) {
        String username;
        try {
            username = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw InvalidInput.field("cursor", "is not a cursor this API returned");
        }
        if (!Usernames.isValid(username) || !encodeCursor(username).equals(cursor)) {
            throw InvalidInput.field("cursor", "is not a cursor this API returned");
        }
        return username;
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
