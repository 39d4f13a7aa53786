package dev.mlapi.core.aws;

import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.users.CredentialLookup;
import dev.mlapi.core.users.User;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * {@link CredentialLookup} as one strongly consistent {@code BatchGetItem} over the users and
 * tokens tables: every authenticated request pays one storage round trip for it, not two.
 */
public final class DynamoDbCredentialLookup implements CredentialLookup {

    private static final int MAX_ATTEMPTS = 4;

    private final DynamoDbClient dynamoDb;
    private final String usersTable;
    private final String tokensTable;
    private final Clock clock;

    public DynamoDbCredentialLookup(DynamoDbClient dynamoDb, String usersTable, String tokensTable, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.usersTable = usersTable;
        this.tokensTable = tokensTable;
        this.clock = clock;
    }

    @Override
    public Credentials lookup(String username, String tokenId) {
        Map<String, KeysAndAttributes> pending = Map.of(
                usersTable, keys(DynamoDbUserStore.USERNAME, username),
                tokensTable, keys(DynamoDbTokenStore.TOKEN_ID, tokenId));
        List<Map<String, AttributeValue>> users = new ArrayList<>();
        List<Map<String, AttributeValue>> tokens = new ArrayList<>();
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            if (attempt > MAX_ATTEMPTS) {
                // Unprocessed keys are DynamoDB shedding load: a throttle, as SdkErrors answers one.
                throw new ServiceUnavailable("DynamoDB left keys unprocessed after " + MAX_ATTEMPTS
                        + " attempts; retry shortly", SdkErrors.THROTTLED_RETRY_AFTER, null);
            }
            Map<String, KeysAndAttributes> request = pending;
            BatchGetItemResponse response = dynamoDb.batchGetItem(r -> r.requestItems(request));
            users.addAll(response.responses().getOrDefault(usersTable, List.of()));
            tokens.addAll(response.responses().getOrDefault(tokensTable, List.of()));
            pending = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            if (!pending.isEmpty()) {
                backOff(attempt);
            }
        }
        Optional<User> user = users.stream().findFirst().map(DynamoDbUserStore::fromItem);
        boolean revoked = tokens.stream().anyMatch(item -> DynamoDbTokenStore.stillRevoked(item, clock));
        return new Credentials(user, revoked);
    }

    private static KeysAndAttributes keys(String attribute, String value) {
        return KeysAndAttributes.builder()
                .keys(Map.of(attribute, AttributeValue.fromS(value)))
                .consistentRead(true)
                .build();
    }

    private static void backOff(int attempt) {
        try {
            Thread.sleep(10L << attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying BatchGetItem", e);
        }
    }
}
