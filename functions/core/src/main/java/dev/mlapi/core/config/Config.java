package dev.mlapi.core.config;

import dev.mlapi.catalog.TableCatalog;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The platform's settings (region, DynamoDB endpoint, tables, token and log lifetimes, secrets),
 * read in one place; a module reads its own settings from {@link #environment()} (the registry's
 * bucket, classify's default model…) instead of growing this record.
 *
 * <p>{@link #fromEnvironment()} is the only reader of environment variables in the project; the
 * local server and tests build the record directly. A local endpoint (DynamoDB Local, the S3
 * server) is a value here, never a second code path.
 */
public record Config(
        String appVersion,
        String region,
        Optional<URI> dynamoDbEndpoint,
        String usersTable,
        String tokensTable,
        String requestLogTable,
        Secret jwtSecret,
        Optional<String> adminUsername,
        Optional<Secret> adminPassword,
        Duration tokenTtl,
        Duration requestLogRetention,
        Environment environment) {

    /** Names of the environment variables; the list is {@link dev.mlapi.catalog.Env}'s. */
    public static final class Env {
        public static final String APP_VERSION = dev.mlapi.catalog.Env.APP_VERSION;
        public static final String AWS_REGION = dev.mlapi.catalog.Env.AWS_REGION;
        public static final String DYNAMODB_ENDPOINT = dev.mlapi.catalog.Env.DYNAMODB_ENDPOINT;
        public static final String S3_ENDPOINT = dev.mlapi.catalog.Env.S3_ENDPOINT;
        public static final String SQS_ENDPOINT = dev.mlapi.catalog.Env.SQS_ENDPOINT;
        public static final String USERS_TABLE = dev.mlapi.catalog.Env.USERS_TABLE;
        public static final String TOKENS_TABLE = dev.mlapi.catalog.Env.TOKENS_TABLE;
        public static final String REQUEST_LOG_TABLE = dev.mlapi.catalog.Env.REQUEST_LOG_TABLE;
        public static final String MODELS_BUCKET = dev.mlapi.catalog.Env.MODELS_BUCKET;
        public static final String JWT_SECRET = dev.mlapi.catalog.Env.JWT_SECRET;
        public static final String JWT_SECRET_ARN = dev.mlapi.catalog.Env.JWT_SECRET_ARN;
        public static final String ADMIN_USERNAME = dev.mlapi.catalog.Env.ADMIN_USERNAME;
        public static final String ADMIN_PASSWORD = dev.mlapi.catalog.Env.ADMIN_PASSWORD;
        public static final String ADMIN_PASSWORD_SECRET_ARN = dev.mlapi.catalog.Env.ADMIN_PASSWORD_SECRET_ARN;
        public static final String TOKEN_TTL_SECONDS = dev.mlapi.catalog.Env.TOKEN_TTL_SECONDS;
        public static final String REQUEST_LOG_RETENTION_DAYS = dev.mlapi.catalog.Env.REQUEST_LOG_RETENTION_DAYS;
        public static final String DEFAULT_IMAGE_MODEL = dev.mlapi.catalog.Env.DEFAULT_IMAGE_MODEL;
        public static final String URL_FETCH_ALLOW_LOOPBACK = dev.mlapi.catalog.Env.URL_FETCH_ALLOW_LOOPBACK;
        public static final String MODEL_CACHE_MAX_BYTES = dev.mlapi.catalog.Env.MODEL_CACHE_MAX_BYTES;
        public static final String MAX_IMAGE_BYTES_PER_USER = dev.mlapi.catalog.Env.MAX_IMAGE_BYTES_PER_USER;
        public static final String MAX_PENDING_IMAGE_UPLOADS_PER_USER = dev.mlapi.catalog.Env.MAX_PENDING_IMAGE_UPLOADS_PER_USER;
        public static final String TRAINING_MAX_ACTIVE_JOBS = dev.mlapi.catalog.Env.TRAINING_MAX_ACTIVE_JOBS;
        public static final String TRAINING_MAX_PENDING_DATASETS = dev.mlapi.catalog.Env.TRAINING_MAX_PENDING_DATASETS;
        public static final String TRAINING_MAX_DATASET_BYTES = dev.mlapi.catalog.Env.TRAINING_MAX_DATASET_BYTES;

        private Env() {
        }
    }

    public static final String DEFAULT_REGION = "us-east-1";
    public static final String DEFAULT_USERS_TABLE = TableCatalog.USERS.defaultName();
    public static final String DEFAULT_TOKENS_TABLE = TableCatalog.TOKENS.defaultName();
    public static final String DEFAULT_REQUEST_LOG_TABLE = TableCatalog.REQUEST_LOG.defaultName();
    public static final String DEFAULT_MODELS_BUCKET = dev.mlapi.catalog.Env.DEFAULT_MODELS_BUCKET;

    /** Reads the process environment: what Lambda, SAM and the CDK stack set. */
    public static Config fromEnvironment() {
        return fromMap(System.getenv());
    }

    /** Reads settings from a map with the environment's names, for tests and the local server. */
    public static Config fromMap(Map<String, String> env) {
        Secret jwt = Optional.ofNullable(blankToNull(env.get(Env.JWT_SECRET))).map(Secret::literal)
                .or(() -> Optional.ofNullable(blankToNull(env.get(Env.JWT_SECRET_ARN))).map(Secret::fromSecretsManager))
                .orElse(null);
        Optional<Secret> adminPassword = Optional.ofNullable(blankToNull(env.get(Env.ADMIN_PASSWORD))).map(Secret::literal)
                .or(() -> Optional.ofNullable(blankToNull(env.get(Env.ADMIN_PASSWORD_SECRET_ARN))).map(Secret::fromSecretsManager));
        return new Config(
                env.getOrDefault(Env.APP_VERSION, "0.1.0"),
                env.getOrDefault(Env.AWS_REGION, DEFAULT_REGION),
                uri(env.get(Env.DYNAMODB_ENDPOINT)),
                env.getOrDefault(Env.USERS_TABLE, DEFAULT_USERS_TABLE),
                env.getOrDefault(Env.TOKENS_TABLE, DEFAULT_TOKENS_TABLE),
                env.getOrDefault(Env.REQUEST_LOG_TABLE, DEFAULT_REQUEST_LOG_TABLE),
                jwt,
                Optional.ofNullable(blankToNull(env.get(Env.ADMIN_USERNAME))),
                adminPassword,
                Duration.ofSeconds(Long.parseLong(env.getOrDefault(Env.TOKEN_TTL_SECONDS, dev.mlapi.catalog.Env.DEFAULT_TOKEN_TTL_SECONDS))),
                Duration.ofDays(Long.parseLong(env.getOrDefault(Env.REQUEST_LOG_RETENTION_DAYS, dev.mlapi.catalog.Env.DEFAULT_REQUEST_LOG_RETENTION_DAYS))),
                Environment.of(env));
    }

    /** The same configuration with another DynamoDB endpoint, S3 endpoint and JWT secret; for local assembly. */
    public Config withLocalEndpoints(URI dynamoDb, URI s3) {
        return new Config(appVersion, region, Optional.of(dynamoDb), usersTable, tokensTable,
                requestLogTable, jwtSecret, adminUsername, adminPassword, tokenTtl, requestLogRetention,
                environment.with(Env.DYNAMODB_ENDPOINT, dynamoDb.toString()).with(Env.S3_ENDPOINT, s3.toString()));
    }

    /** The SQS endpoint ({@code SQS_ENDPOINT}, like {@code DYNAMODB_ENDPOINT}): set locally (ElasticMQ), never in AWS. */
    public Optional<URI> sqsEndpoint() {
        return environment.string(Env.SQS_ENDPOINT).map(URI::create);
    }

    private static Optional<URI> uri(String value) {
        return Optional.ofNullable(blankToNull(value)).map(URI::create);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    /**
     * A secret value: given literally (local) or named by a Secrets Manager ARN (cloud). Its
     * {@code toString} never prints the value.
     */
    public record Secret(Optional<String> literalValue, Optional<String> secretArn) {
        public static Secret literal(String value) {
            return new Secret(Optional.of(value), Optional.empty());
        }

        public static Secret fromSecretsManager(String arn) {
            return new Secret(Optional.empty(), Optional.of(arn));
        }

        @Override
        public String toString() {
            return secretArn.map(arn -> "Secret[" + arn + "]").orElse("Secret[***]");
        }
    }
}
