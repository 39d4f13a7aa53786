package dev.mlapi.core.aws;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.users.TokenStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@link TokenStore} on a DynamoDB table keyed by token id, with a TTL at the token's own expiry.
 * DynamoDB deletes expired items only eventually (DynamoDB Local never), so reads check the time.
 */
public final class DynamoDbTokenStore implements TokenStore {

    static final String TOKEN_ID = TableCatalog.TOKENS.partitionKey();
    static final String EXPIRES_AT = TableCatalog.TOKENS.ttlAttribute().orElseThrow();

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;

    public DynamoDbTokenStore(DynamoDbClient dynamoDb, String table, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public void revoke(String tokenId, Instant tokenExpiresAt) {
        dynamoDb.putItem(r -> r.tableName(table).item(Map.of(
                TOKEN_ID, AttributeValue.fromS(tokenId),
                EXPIRES_AT, AttributeValue.fromN(Long.toString(tokenExpiresAt.getEpochSecond())))));
    }

    @Override
    public boolean isRevoked(String tokenId) {
        var item = dynamoDb.getItem(r -> r.tableName(table).key(Map.of(TOKEN_ID, AttributeValue.fromS(tokenId)))
                .consistentRead(true)).item();
        return item != null && !item.isEmpty() && stillRevoked(item, clock);
    }

    /**
     * Whether a revocation record still matters: past the token's expiry it is refused for being
     * expired anyway, and DynamoDB's TTL deletes such records only eventually (DynamoDB Local never).
     */
    static boolean stillRevoked(Map<String, AttributeValue> item, Clock clock) {
        long expiresAt = Long.parseLong(item.get(EXPIRES_AT).n());
        return expiresAt >= clock.instant().getEpochSecond() - 60;
    }
}
