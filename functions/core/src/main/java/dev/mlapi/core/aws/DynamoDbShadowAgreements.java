package dev.mlapi.core.aws;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.rollup.ShadowAgreements;
import dev.mlapi.core.rollup.Tier;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Shadow agreements in the rollups table: partition {@code shadow#<model>@<alias>#<version>}, sort
 * key the minute ({@code 2026-12-07T08:25Z}), counters {@code requests} and {@code agreed} added
 * atomically; each minute expires with the minute tier's rollups (48 hours).
 */
public final class DynamoDbShadowAgreements implements ShadowAgreements {

    static final String ROLLUP = TableCatalog.REQUEST_ROLLUPS.partitionKey();
    static final String BUCKET = TableCatalog.REQUEST_ROLLUPS.sortKey().orElseThrow();
    static final String EXPIRES_AT = TableCatalog.REQUEST_ROLLUPS.ttlAttribute().orElseThrow();
    static final String REQUESTS = "requests";
    static final String AGREED = "agreed";
    private static final Duration KEPT = Duration.ofHours(48);

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbShadowAgreements(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public void record(String alias, int shadowVersion, Instant at, boolean agreed) {
        Instant minute = Tier.MINUTE.floor(at);
        try {
            dynamoDb.updateItem(r -> r.tableName(table)
                .key(Map.of(ROLLUP, AttributeValue.fromS(partition(alias, shadowVersion)),
                        BUCKET, AttributeValue.fromS(minute.toString())))
                .updateExpression("ADD #requests :one, #agreed :agreed SET #expires = :expires")
                .expressionAttributeNames(Map.of("#requests", REQUESTS, "#agreed", AGREED, "#expires", EXPIRES_AT))
                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"),
                        ":agreed", AttributeValue.fromN(agreed ? "1" : "0"),
                        ":expires", AttributeValue.fromN(Long.toString(minute.plus(KEPT).getEpochSecond())))));
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    @Override
    public Agreement read(String alias, int shadowVersion, Instant from, Instant to) {
        long requests = 0;
        long agreed = 0;
        long now = Instant.now().getEpochSecond();
        try {
            var pages = dynamoDb.queryPaginator(r -> r.tableName(table)
                .keyConditionExpression("#rollup = :rollup AND #bucket BETWEEN :from AND :to")
                .expressionAttributeNames(Map.of("#rollup", ROLLUP, "#bucket", BUCKET))
                .expressionAttributeValues(Map.of(":rollup", AttributeValue.fromS(partition(alias, shadowVersion)),
                        ":from", AttributeValue.fromS(Tier.MINUTE.floor(from).toString()),
                        ":to", AttributeValue.fromS(to.toString()))));
            for (Map<String, AttributeValue> item : pages.items()) {
                // DynamoDB Local never expires items: the expiry is checked on read.
                AttributeValue expires = item.get(EXPIRES_AT);
                if (expires != null && Long.parseLong(expires.n()) < now) {
                    continue;
                }
                requests += Long.parseLong(item.getOrDefault(REQUESTS, AttributeValue.fromN("0")).n());
                agreed += Long.parseLong(item.getOrDefault(AGREED, AttributeValue.fromN("0")).n());
            }
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
        return new Agreement(requests, agreed);
    }

    private static String partition(String alias, int shadowVersion) {
        return "shadow#" + alias + "#" + shadowVersion;
    }
}
