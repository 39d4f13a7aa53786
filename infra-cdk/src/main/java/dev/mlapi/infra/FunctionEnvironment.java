package dev.mlapi.infra;

import java.util.Set;

/**
 * Names of the environment variables the stack sets. Those the code reads are
 * {@code dev.mlapi.core.config.Config.Env}'s (a test reads that source and holds this list to
 * it); the rest are read by the JVM and by DJL.
 */
public final class FunctionEnvironment {

    public static final String USERS_TABLE = "USERS_TABLE";
    public static final String TOKENS_TABLE = "TOKENS_TABLE";
    public static final String REQUEST_LOG_TABLE = "REQUEST_LOG_TABLE";
    public static final String MODELS_BUCKET = "MODELS_BUCKET";
    public static final String JWT_SECRET_ARN = "JWT_SECRET_ARN";
    public static final String TOKEN_TTL_SECONDS = "TOKEN_TTL_SECONDS";
    public static final String REQUEST_LOG_RETENTION_DAYS = "REQUEST_LOG_RETENTION_DAYS";
    public static final String ADMIN_USERNAME = "ADMIN_USERNAME";
    public static final String ADMIN_PASSWORD_SECRET_ARN = "ADMIN_PASSWORD_SECRET_ARN";
    public static final String DEFAULT_IMAGE_MODEL = "DEFAULT_IMAGE_MODEL";

    /** Read by the JVM itself at start-up. */
    public static final String JAVA_TOOL_OPTIONS = "JAVA_TOOL_OPTIONS";
    /** Read by DJL: without it DJL probes the network for telemetry at class load. */
    public static final String DJL_OFFLINE = "DJL_OFFLINE";

    /** Read by Powertools: the log field {@code service} and the metrics' {@code function} dimension. */
    public static final String POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME";
    /** Read by Powertools' metrics singleton; the pipeline's records name the same namespace. */
    public static final String POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE";
    /** Read by Powertools logging: the root log level. */
    public static final String POWERTOOLS_LOG_LEVEL = "POWERTOOLS_LOG_LEVEL";

    /** Read by the platform or a library rather than by {@code Config}. */
    public static final Set<String> READ_OUTSIDE_CONFIG = Set.of(JAVA_TOOL_OPTIONS, DJL_OFFLINE,
            POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL);

    /** The CloudWatch namespace of the functions' metrics ({@code dev.mlapi.core.observability.Telemetry.NAMESPACE}). */
    public static final String METRICS_NAMESPACE = "mlapi";

    /** How long a token lives; the login function stamps it into each token's {@code exp}. */
    public static final String TOKEN_TTL = "3600";
    /** How long a request stays in the request log before DynamoDB's TTL removes it. */
    public static final String REQUEST_LOG_RETENTION = "90";

    private FunctionEnvironment() {
    }
}
