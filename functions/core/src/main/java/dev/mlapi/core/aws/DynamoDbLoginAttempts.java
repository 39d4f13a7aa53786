package dev.mlapi.core.aws;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.users.LoginAttempts;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * Failed-login counters in DynamoDB: one item per counter and window
 * ({@code user#bob@1767225600}), incremented atomically with {@code ADD}, removed by TTL.
 */
public final class DynamoDbLoginAttempts implements LoginAttempts {

    public static final String COUNTER = TableCatalog.LOGIN_ATTEMPTS.partitionKey();
    public static final String FAILURES = "failures";
    public static final String EXPIRES_AT = TableCatalog.LOGIN_ATTEMPTS.ttlAttribute().orElseThrow();

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbLoginAttempts(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public Map<String, Long> failures(List<String> counters, List<Instant> windowStarts) {
        Map<String, String> byKey = new HashMap<>();
        counters.forEach(counter -> windowStarts.forEach(start -> byKey.put(key(counter, start), counter)));
        var keys = byKey.keySet().stream().map(k -> Map.of(COUNTER, AttributeValue.fromS(k))).toList();
        var response = dynamoDb.batchGetItem(r -> r.requestItems(
                Map.of(table, KeysAndAttributes.builder().keys(keys).consistentRead(true).build())));
        Map<String, Long> failures = new HashMap<>();
        for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
            failures.merge(byKey.get(item.get(COUNTER).s()), Long.parseLong(item.get(FAILURES).n()), Long::sum);
        }
        return failures;
    }

    @Override
    public void recordFailure(List<String> counters, Instant windowStart, Instant expiresAt) {
        for (String counter : counters) {
            dynamoDb.updateItem(r -> r.tableName(table)
                    .key(Map.of(COUNTER, AttributeValue.fromS(key(counter, windowStart))))
                    .updateExpression("ADD #failures :one SET #expires = :expires")
                    .expressionAttributeNames(Map.of("#failures", FAILURES, "#expires", EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"),
                            ":expires", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())))));
        }
    }

    private static String key(String counter, Instant windowStart) {
        return counter + "@" + windowStart.getEpochSecond();
    }
}
