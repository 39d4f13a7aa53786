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
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The one factory of AWS SDK clients, and the only code that knows {@code endpointOverride}.
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

    public S3Client s3() {
        var builder = S3Client.builder()
                .httpClient(httpClient)
                .region(region())
                .credentialsProvider(credentials(config.s3Endpoint()))
                .forcePathStyle(config.s3Endpoint().isPresent())
                .overrideConfiguration(overrides());
        config.s3Endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Presigned URLs point at the same endpoint as {@link #s3()}, so they work against the local server too. */
    public S3Presigner s3Presigner() {
        var builder = S3Presigner.builder()
                .region(region())
                .credentialsProvider(credentials(config.s3Endpoint()))
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(config.s3Endpoint().isPresent())
                        .build());
        config.s3Endpoint().ifPresent(builder::endpointOverride);
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
