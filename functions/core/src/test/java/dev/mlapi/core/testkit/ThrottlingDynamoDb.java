package dev.mlapi.core.testkit;

import java.util.function.Predicate;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.CreateTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ListTablesRequest;
import software.amazon.awssdk.services.dynamodb.model.ListTablesResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * The real DynamoDB client (pointed at DynamoDB Local) that fails chosen calls the way AWS fails
 * a throttled one: HTTP 400 with error code {@code ThrottlingException}, after the SDK's own
 * retries. DynamoDB Local never throttles, so this stands in for what cannot be provoked here.
 * Every other call reaches DynamoDB Local; a call this class does not override is one the
 * functions never make (the SDK's default for it throws {@code UnsupportedOperationException}).
 */
public final class ThrottlingDynamoDb implements DynamoDbClient {

    private final DynamoDbClient real;
    private volatile Predicate<SdkRequest> throttled = request -> false;

    public ThrottlingDynamoDb(DynamoDbClient real) {
        this.real = real;
    }

    /** From now on, calls whose request matches are throttled. */
    public ThrottlingDynamoDb throttle(Predicate<SdkRequest> requests) {
        this.throttled = requests;
        return this;
    }

    public ThrottlingDynamoDb throttleEverything() {
        return throttle(request -> true);
    }

    public ThrottlingDynamoDb heal() {
        return throttle(request -> false);
    }

    /** What the SDK throws for a throttled DynamoDB call. */
    public static DynamoDbException throttlingException() {
        return (DynamoDbException) DynamoDbException.builder()
                .statusCode(400)
                .message("Rate of requests exceeds the allowed throughput.")
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("ThrottlingException")
                        .errorMessage("Rate of requests exceeds the allowed throughput.")
                        .serviceName("DynamoDb")
                        .build())
                .build();
    }

    private <T extends SdkRequest> T check(T request) {
        if (throttled.test(request)) {
            throw throttlingException();
        }
        return request;
    }

    @Override
    public GetItemResponse getItem(GetItemRequest request) {
        return real.getItem(check(request));
    }

    @Override
    public BatchGetItemResponse batchGetItem(BatchGetItemRequest request) {
        return real.batchGetItem(check(request));
    }

    @Override
    public PutItemResponse putItem(PutItemRequest request) {
        return real.putItem(check(request));
    }

    @Override
    public UpdateItemResponse updateItem(UpdateItemRequest request) {
        return real.updateItem(check(request));
    }

    @Override
    public DeleteItemResponse deleteItem(DeleteItemRequest request) {
        return real.deleteItem(check(request));
    }

    @Override
    public BatchWriteItemResponse batchWriteItem(BatchWriteItemRequest request) {
        return real.batchWriteItem(check(request));
    }

    @Override
    public TransactWriteItemsResponse transactWriteItems(TransactWriteItemsRequest request) {
        return real.transactWriteItems(check(request));
    }

    @Override
    public DescribeTableResponse describeTable(DescribeTableRequest request) {
        return real.describeTable(check(request));
    }

    @Override
    public ScanResponse scan(ScanRequest request) {
        return real.scan(check(request));
    }

    @Override
    public QueryResponse query(QueryRequest request) {
        return real.query(check(request));
    }

    @Override
    public ListTablesResponse listTables(ListTablesRequest request) {
        return real.listTables(check(request));
    }

    @Override
    public CreateTableResponse createTable(CreateTableRequest request) {
        return real.createTable(check(request));
    }

    @Override
    public String serviceName() {
        return real.serviceName();
    }

    @Override
    public void close() {
        real.close();
    }
}
