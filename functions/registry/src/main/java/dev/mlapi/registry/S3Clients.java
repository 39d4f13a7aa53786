package dev.mlapi.registry;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The factory of the registry's S3 clients, and the only registry code that knows
 * {@code endpointOverride}.
 *
 * <p>Build them once per container (at init, so SnapStart snapshots them): the lightweight
 * URL-connection HTTP client with explicit timeouts, as core's clients, and path-style addressing
 * whenever an endpoint is set, as S3-compatible local servers need.
 */
public final class S3Clients {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private S3Clients() {
    }

    public static S3Client s3(RegistrySettings settings) {
        var builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT)
                        .build())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials(settings))
                .forcePathStyle(settings.s3Endpoint().isPresent())
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(CALL_TIMEOUT).build());
        settings.s3Endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Presigned URLs point at the same endpoint as {@link #s3}, so they work against the local server too. */
    public static S3Presigner presigner(RegistrySettings settings) {
        var builder = S3Presigner.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials(settings))
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(settings.s3Endpoint().isPresent())
                        .build());
        settings.s3Endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** A local endpoint accepts any credentials; in AWS the function's role supplies them. */
    private static AwsCredentialsProvider credentials(RegistrySettings settings) {
        return settings.s3Endpoint().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build();
    }
}
