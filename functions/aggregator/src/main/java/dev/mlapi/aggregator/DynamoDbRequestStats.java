package dev.mlapi.aggregator;

import dev.mlapi.catalog.TableCatalog;
import java.time.Clock;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link RequestStats} on the table of {@link TableCatalog#REQUEST_STATS}: one item per day, atomic counters. */
public final class DynamoDbRequestStats implements RequestStats {

    static final String DAY = TableCatalog.REQUEST_STATS.partitionKey();
    static final String REQUESTS = "requests";
    static final String ERRORS_4XX = "errors_4xx";
    static final String ERRORS_5XX = "errors_5xx";
    static final String PROCESSING_TIME_TOTAL = "processing_time_total";
    static final String UPDATED_AT = "updated_at";

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;

    public DynamoDbRequestStats(DynamoDbClient dynamoDb, String table, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public void add(DayTotals totals) {
        dynamoDb.updateItem(r -> r.tableName(table)
                .key(Map.of(DAY, AttributeValue.fromS(totals.day())))
                .updateExpression("ADD #requests :requests, #e4 :e4, #e5 :e5, #time :time SET #updated = :now")
                .expressionAttributeNames(Map.of("#requests", REQUESTS, "#e4", ERRORS_4XX, "#e5", ERRORS_5XX,
                        "#time", PROCESSING_TIME_TOTAL, "#updated", UPDATED_AT))
                .expressionAttributeValues(Map.of(
                        ":requests", number(totals.requests()),
                        ":e4", number(totals.clientErrors()),
                        ":e5", number(totals.serverErrors()),
                        ":time", AttributeValue.fromN(Double.toString(totals.processingSeconds())),
                        ":now", AttributeValue.fromS(clock.instant().toString()))));
    }

    @Override
    public DayTotals read(String day) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of(DAY, AttributeValue.fromS(day)))).item();
        if (item == null || item.isEmpty()) {
            return DayTotals.empty(day);
        }
        return new DayTotals(day, longOf(item, REQUESTS), longOf(item, ERRORS_4XX), longOf(item, ERRORS_5XX),
                item.containsKey(PROCESSING_TIME_TOTAL) ? Double.parseDouble(item.get(PROCESSING_TIME_TOTAL).n()) : 0);
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static long longOf(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? Long.parseLong(item.get(name).n()) : 0;
    }
}
