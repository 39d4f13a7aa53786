package dev.mlapi.core.aws;

import dev.mlapi.core.config.Config;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The factory of core's AWS SDK clients (DynamoDB, Secrets Manager, SQS), and the only core code that
 * knows {@code endpointOverride}. The model registry has its own factory of S3 clients.
 *
 * <p>Clients are built once per container (at init, so SnapStart snapshots them) with the
 * lightweight URL-connection HTTP client and explicit timeouts.
 */
public final class AwsClients {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Config config;
    private final SdkHttpClient httpClient;

    public AwsClients(Config config) {
        this.config = config;
        this.httpClient = UrlConnectionHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(SOCKET_TIMEOUT)
                .build();
    }

    public DynamoDbClient dynamoDb() {
        var builder = DynamoDbClient.builder()
                .httpClient(httpClient)
                .region(region())
                .credentialsProvider(credentials(config.dynamoDbEndpoint()))
                .overrideConfiguration(overrides());
        config.dynamoDbEndpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Reads table streams; the local server's event sources use it, as Lambda's event source mappings do in AWS. */
    public DynamoDbStreamsClient dynamoDbStreams() {
        var builder = DynamoDbStreamsClient.builder()
                .httpClient(httpClient)
                .region(region())
                .credentialsProvider(credentials(config.dynamoDbEndpoint()))
                .overrideConfiguration(overrides());
        config.dynamoDbEndpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Sends and receives tasks ({@link dev.mlapi.core.queue.TaskQueue}); locally ElasticMQ through {@code SQS_ENDPOINT}. */
    public SqsClient sqs() {
        var builder = SqsClient.builder()
                .httpClient(httpClient)
                .region(region())
                .credentialsProvider(credentials(config.sqsEndpoint()))
                .overrideConfiguration(overrides());
        config.sqsEndpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    public SecretsManagerClient secretsManager() {
        return SecretsManagerClient.builder()
                .httpClient(httpClient)
                .region(region())
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .overrideConfiguration(overrides())
                .build();
    }

    private Region region() {
        return Region.of(config.region());
    }

    private static ClientOverrideConfiguration overrides() {
        return ClientOverrideConfiguration.builder().apiCallTimeout(CALL_TIMEOUT).build();
    }

    /** Local endpoints accept any credentials; in AWS the function's role supplies them. */
    private static AwsCredentialsProvider credentials(Optional<URI> endpoint) {
        return endpoint.isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build();
    }
}
