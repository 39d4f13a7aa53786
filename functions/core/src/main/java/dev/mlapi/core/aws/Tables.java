package dev.mlapi.core.aws;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.catalog.TableSpec;
import dev.mlapi.core.config.Config;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateGlobalSecondaryIndexAction;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexUpdate;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * Creates the tables of {@link TableCatalog} where they are missing (the local server and
 * tests); in AWS the stack creates the same from the same catalog.
 */
public final class Tables {

    public static final String USERS_KEY = TableCatalog.USERS.partitionKey();
    public static final String TOKENS_KEY = TableCatalog.TOKENS.partitionKey();
    public static final String TOKENS_TTL = TableCatalog.TOKENS.ttlAttribute().orElseThrow();
    public static final String REQUEST_LOG_KEY = TableCatalog.REQUEST_LOG.partitionKey();
    public static final String REQUEST_LOG_TTL = TableCatalog.REQUEST_LOG.ttlAttribute().orElseThrow();
    public static final String REQUEST_LOG_BY_DAY = TableCatalog.REQUEST_LOG_BY_DAY;

    private Tables() {
    }

    public static List<CreateTableRequest> definitions(Config config) {
        return TableCatalog.ALL.stream()
                .map(table -> definition(table, config.environment().tableName(table)))
                .toList();
    }

    static CreateTableRequest definition(TableSpec table, String name) {
        Set<String> attributes = new LinkedHashSet<>();
        attributes.add(table.partitionKey());
        List<KeySchemaElement> keys = new ArrayList<>(List.of(key(table.partitionKey(), KeyType.HASH)));
        table.sortKey().ifPresent(sortKey -> {
            attributes.add(sortKey);
            keys.add(key(sortKey, KeyType.RANGE));
        });
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        for (TableSpec.IndexSpec index : table.indexes()) {
            attributes.add(index.partitionKey());
            attributes.add(index.sortKey());
            indexes.add(GlobalSecondaryIndex.builder()
                    .indexName(index.name())
                    .keySchema(key(index.partitionKey(), KeyType.HASH), key(index.sortKey(), KeyType.RANGE))
                    .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                    .build());
        }
        CreateTableRequest.Builder request = CreateTableRequest.builder()
                .tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .keySchema(keys)
                .attributeDefinitions(attributes.stream().map(Tables::attribute).toList());
        if (!indexes.isEmpty()) {
            request.globalSecondaryIndexes(indexes);
        }
        if (table.streamsNewImages()) {
            request.streamSpecification(newImages());
        }
        return request.build();
    }

    /**
     * Creates every table that does not exist yet, and turns on the stream of an existing table
     * that should have one or lacks an index (data kept from before the table had them).
     */
    public static void createMissing(DynamoDbClient dynamoDb, Config config) {
        Set<String> existing = Set.copyOf(dynamoDb.listTablesPaginator().tableNames().stream().toList());
        for (TableSpec table : TableCatalog.ALL) {
            String name = config.environment().tableName(table);
            if (!existing.contains(name)) {
                dynamoDb.createTable(definition(table, name));
                continue;
            }
            TableDescription described = dynamoDb.describeTable(r -> r.tableName(name)).table();
            if (table.streamsNewImages() && described.streamSpecification() == null) {
                dynamoDb.updateTable(r -> r.tableName(name).streamSpecification(newImages()));
            }
            Set<String> indexes = new HashSet<>();
            described.globalSecondaryIndexes().forEach(index -> indexes.add(index.indexName()));
            CreateTableRequest wanted = definition(table, name);
            for (GlobalSecondaryIndex index : wanted.globalSecondaryIndexes()) {
                if (!indexes.contains(index.indexName())) {
                    // An index added to the catalog after the table was created (data kept in .local/).
                    dynamoDb.updateTable(r -> r.tableName(name).attributeDefinitions(wanted.attributeDefinitions())
                            .globalSecondaryIndexUpdates(GlobalSecondaryIndexUpdate.builder()
                                    .create(CreateGlobalSecondaryIndexAction.builder().indexName(index.indexName())
                                            .keySchema(index.keySchema()).projection(index.projection()).build())
                                    .build()));
                }
            }
        }
    }

    private static StreamSpecification newImages() {
        return StreamSpecification.builder().streamEnabled(true).streamViewType(StreamViewType.NEW_IMAGE).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }
}
