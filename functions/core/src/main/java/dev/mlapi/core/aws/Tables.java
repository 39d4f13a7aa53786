package dev.mlapi.core.aws;

import dev.mlapi.core.config.Config;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The DynamoDB tables the code expects: keys, indexes and TTL attributes. The local server and
 * tests create them from here; {@code template.yaml} and the CDK stack declare the same, and a
 * test holds them to it.
 */
public final class Tables {

    public static final String USERS_KEY = DynamoDbUserStore.USERNAME;
    public static final String TOKENS_KEY = DynamoDbTokenStore.TOKEN_ID;
    public static final String TOKENS_TTL = DynamoDbTokenStore.EXPIRES_AT;
    public static final String REQUEST_LOG_KEY = DynamoDbRequestLog.REQUEST_ID;
    public static final String REQUEST_LOG_TTL = DynamoDbRequestLog.EXPIRES_AT;
    public static final String REQUEST_LOG_BY_DAY = DynamoDbRequestLog.BY_DAY_INDEX;

    private Tables() {
    }

    public static List<CreateTableRequest> definitions(Config config) {
        return List.of(
                table(config.usersTable(), USERS_KEY).build(),
                table(config.tokensTable(), TOKENS_KEY).build(),
                table(config.requestLogTable(), REQUEST_LOG_KEY)
                        .attributeDefinitions(
                                attribute(REQUEST_LOG_KEY),
                                attribute(DynamoDbRequestLog.DAY),
                                attribute(DynamoDbRequestLog.CREATED_AT))
                        .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                                .indexName(REQUEST_LOG_BY_DAY)
                                .keySchema(
                                        key(DynamoDbRequestLog.DAY, KeyType.HASH),
                                        key(DynamoDbRequestLog.CREATED_AT, KeyType.RANGE))
                                .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                                .build())
                        .build());
    }

    /** Creates every table that does not exist yet; existing tables are left as they are. */
    public static void createMissing(DynamoDbClient dynamoDb, Config config) {
        Set<String> existing = Set.copyOf(dynamoDb.listTablesPaginator().tableNames().stream().toList());
        for (CreateTableRequest request : definitions(config)) {
            if (!existing.contains(request.tableName())) {
                dynamoDb.createTable(request);
            }
        }
    }

    private static CreateTableRequest.Builder table(String name, String hashKey) {
        return CreateTableRequest.builder()
                .tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .keySchema(key(hashKey, KeyType.HASH))
                .attributeDefinitions(attribute(hashKey));
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }
}
