package dev.mlapi.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.http.ProblemMapper;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.secretsmanager.model.InternalServiceErrorException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * The SDK's exceptions, built as the SDK builds them, through the one translator: temporary
 * failures of DynamoDB, S3 and Secrets Manager become 503 with a Retry-After, bugs stay bugs.
 */
class SdkErrorsTest {

    static Stream<Arguments> temporaryFailures() {
        return Stream.of(
                Arguments.of("DynamoDB throttling", ThrottlingDynamoDb.throttlingException(), 1),
                Arguments.of("DynamoDB over provisioned throughput", ProvisionedThroughputExceededException.builder()
                        .statusCode(400).awsErrorDetails(details("ProvisionedThroughputExceededException", "DynamoDb"))
                        .build(), 1),
                Arguments.of("S3 SlowDown", S3Exception.builder().statusCode(503)
                        .awsErrorDetails(details("SlowDown", "S3")).build(), 1),
                Arguments.of("any service answering 429", DynamoDbException.builder().statusCode(429)
                        .awsErrorDetails(details("TooManyRequestsException", "DynamoDb")).build(), 1),
                Arguments.of("DynamoDB internal error", DynamoDbException.builder().statusCode(500)
                        .awsErrorDetails(details("InternalServerError", "DynamoDb")).build(), 5),
                Arguments.of("Secrets Manager internal error", InternalServiceErrorException.builder().statusCode(500)
                        .awsErrorDetails(details("InternalServiceError", "SecretsManager")).build(), 5),
                Arguments.of("connection refused", SdkClientException.create("Unable to execute HTTP request",
                        new ConnectException("Connection refused")), 5),
                Arguments.of("I/O error wrapped unchecked", SdkClientException.create("Unable to execute HTTP request",
                        new UncheckedIOException(new IOException("reset"))), 5),
                Arguments.of("API call timeout", ApiCallTimeoutException.create(30_000), 5),
                Arguments.of("API call attempt timeout", ApiCallAttemptTimeoutException.create(20_000), 5));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("temporaryFailures")
    void translate_whenTemporary_is503WithRetryAfter(String what, SdkException e, long retryAfterSeconds) {
        RuntimeException translated = SdkErrors.translate(e);

        assertThat(translated).isInstanceOf(ApiException.ServiceUnavailable.class).hasCause(e);
        ApiException problem = (ApiException) translated;
        assertThat(problem.status()).isEqualTo(503);
        assertThat(problem.retryAfter()).contains(Duration.ofSeconds(retryAfterSeconds));
        var response = ProblemMapper.render(problem, "/auth/users/me", "req-1");
        assertThat(response.headers()).containsEntry("retry-after", Long.toString(retryAfterSeconds))
                .containsEntry("content-type", "application/problem+json");
    }

    static Stream<Arguments> bugs() {
        return Stream.of(
                Arguments.of("DynamoDB validation error", DynamoDbException.builder().statusCode(400)
                        .awsErrorDetails(details("ValidationException", "DynamoDb")).build()),
                Arguments.of("an unhandled condition failure", ConditionalCheckFailedException.builder().statusCode(400)
                        .awsErrorDetails(details("ConditionalCheckFailedException", "DynamoDb")).build()),
                Arguments.of("a missing secret", ResourceNotFoundException.builder().statusCode(400)
                        .awsErrorDetails(details("ResourceNotFoundException", "SecretsManager")).build()),
                Arguments.of("S3 access denied", S3Exception.builder().statusCode(403)
                        .awsErrorDetails(details("AccessDenied", "S3")).build()),
                Arguments.of("a request the SDK could not build",
                        SdkClientException.create("Unable to marshall request to JSON: Key must not be null")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bugs")
    void translate_whenABugHere_leavesItAsIs(String what, SdkException e) {
        assertThat(SdkErrors.transientFailure(e)).isEmpty();
        assertThat(SdkErrors.translate(e)).isSameAs(e);
    }

    private static AwsErrorDetails details(String code, String service) {
        return AwsErrorDetails.builder().errorCode(code).errorMessage(code).serviceName(service).build();
    }
}
