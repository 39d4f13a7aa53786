package dev.mlapi.core.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting of every function, read in one place.
 *
 * <p>{@link #fromEnvironment()} is the only reader of environment variables in the project; the
 * local server and tests build the record directly. A local endpoint (DynamoDB Local, the S3
 * server) is a value here, never a second code path.
 */
public record Config(
        String appVersion,
        String region,
        Optional<URI> dynamoDbEndpoint,
        Optional<URI> s3Endpoint,
        String usersTable,
        String tokensTable,
        String requestLogTable,
        String modelsBucket,
        Secret jwtSecret,
        Optional<String> adminUsername,
        Optional<Secret> adminPassword,
        Duration tokenTtl,
        Duration requestLogRetention,
        String defaultImageModel,
        boolean urlFetchAllowLoopback,
        long modelCacheMaxBytes) {

    /** Names of the environment variables, shared with the SAM template and the CDK stack. */
    public static final class Env {
        public static final String APP_VERSION = "APP_VERSION";
        public static final String AWS_REGION = "AWS_REGION";
        public static final String DYNAMODB_ENDPOINT = "DYNAMODB_ENDPOINT";
        public static final String S3_ENDPOINT = "S3_ENDPOINT";
        public static final String USERS_TABLE = "USERS_TABLE";
        public static final String TOKENS_TABLE = "TOKENS_TABLE";
        public static final String REQUEST_LOG_TABLE = "REQUEST_LOG_TABLE";
        public static final String MODELS_BUCKET = "MODELS_BUCKET";
        public static final String JWT_SECRET = "JWT_SECRET";
        public static final String JWT_SECRET_ARN = "JWT_SECRET_ARN";
        public static final String ADMIN_USERNAME = "ADMIN_USERNAME";
        public static final String ADMIN_PASSWORD = "ADMIN_PASSWORD";
        public static final String ADMIN_PASSWORD_SECRET_ARN = "ADMIN_PASSWORD_SECRET_ARN";
        public static final String TOKEN_TTL_SECONDS = "TOKEN_TTL_SECONDS";
        public static final String REQUEST_LOG_RETENTION_DAYS = "REQUEST_LOG_RETENTION_DAYS";
        public static final String DEFAULT_IMAGE_MODEL = "DEFAULT_IMAGE_MODEL";
        public static final String URL_FETCH_ALLOW_LOOPBACK = "URL_FETCH_ALLOW_LOOPBACK";
        public static final String MODEL_CACHE_MAX_BYTES = "MODEL_CACHE_MAX_BYTES";

        private Env() {
        }
    }

    public static final String DEFAULT_REGION = "us-east-1";
    public static final String DEFAULT_USERS_TABLE = "mlapi-users";
    public static final String DEFAULT_TOKENS_TABLE = "mlapi-tokens";
    public static final String DEFAULT_REQUEST_LOG_TABLE = "mlapi-request-log";
    public static final String DEFAULT_MODELS_BUCKET = "mlapi-models";
    public static final String DEFAULT_IMAGE_MODEL_REF = "mobilenetv2@production";

    public Config {
        if (jwtSecret == null) {
            throw new IllegalArgumentException("a JWT signing secret is required (" + Env.JWT_SECRET
                    + " or " + Env.JWT_SECRET_ARN + ")");
        }
    }

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
                uri(env.get(Env.S3_ENDPOINT)),
                env.getOrDefault(Env.USERS_TABLE, DEFAULT_USERS_TABLE),
                env.getOrDefault(Env.TOKENS_TABLE, DEFAULT_TOKENS_TABLE),
                env.getOrDefault(Env.REQUEST_LOG_TABLE, DEFAULT_REQUEST_LOG_TABLE),
                env.getOrDefault(Env.MODELS_BUCKET, DEFAULT_MODELS_BUCKET),
                jwt,
                Optional.ofNullable(blankToNull(env.get(Env.ADMIN_USERNAME))),
                adminPassword,
                Duration.ofSeconds(Long.parseLong(env.getOrDefault(Env.TOKEN_TTL_SECONDS, "3600"))),
                Duration.ofDays(Long.parseLong(env.getOrDefault(Env.REQUEST_LOG_RETENTION_DAYS, "90"))),
                env.getOrDefault(Env.DEFAULT_IMAGE_MODEL, DEFAULT_IMAGE_MODEL_REF),
                Boolean.parseBoolean(env.getOrDefault(Env.URL_FETCH_ALLOW_LOOPBACK, "false")),
                Long.parseLong(env.getOrDefault(Env.MODEL_CACHE_MAX_BYTES, String.valueOf(512L * 1024 * 1024))));
    }

    /** The same configuration with another DynamoDB endpoint, S3 endpoint and JWT secret; for local assembly. */
    public Config withLocalEndpoints(URI dynamoDb, URI s3) {
        return new Config(appVersion, region, Optional.of(dynamoDb), Optional.of(s3), usersTable, tokensTable,
                requestLogTable, modelsBucket, jwtSecret, adminUsername, adminPassword, tokenTtl, requestLogRetention,
                defaultImageModel, urlFetchAllowLoopback, modelCacheMaxBytes);
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
