package dev.mlapi.catalog;

/**
 * Names of the environment variables the functions read: the one list, shared by the code that
 * reads them ({@code dev.mlapi.core.config}), the CDK stack, the SAM template generator and the
 * local server.
 */
public final class Env {

    public static final String APP_VERSION = "APP_VERSION";
    public static final String AWS_REGION = "AWS_REGION";
    public static final String USERS_TABLE = "USERS_TABLE";
    public static final String TOKENS_TABLE = "TOKENS_TABLE";
    public static final String REQUEST_LOG_TABLE = "REQUEST_LOG_TABLE";
    public static final String REQUEST_ROLLUPS_TABLE = "REQUEST_ROLLUPS_TABLE";
    public static final String LOGIN_ATTEMPTS_TABLE = "LOGIN_ATTEMPTS_TABLE";
    public static final String TRAINING_JOBS_TABLE = "TRAINING_JOBS_TABLE";
    public static final String IMAGES_TABLE = "IMAGES_TABLE";
    public static final String TAGS_TABLE = "TAGS_TABLE";
    public static final String IMAGE_TAGS_TABLE = "IMAGE_TAGS_TABLE";
    public static final String MODELS_BUCKET = "MODELS_BUCKET";
    public static final String JWT_SECRET_ARN = "JWT_SECRET_ARN";
    public static final String ADMIN_USERNAME = "ADMIN_USERNAME";
    public static final String ADMIN_PASSWORD_SECRET_ARN = "ADMIN_PASSWORD_SECRET_ARN";
    public static final String TOKEN_TTL_SECONDS = "TOKEN_TTL_SECONDS";
    public static final String REQUEST_LOG_RETENTION_DAYS = "REQUEST_LOG_RETENTION_DAYS";
    public static final String DEFAULT_IMAGE_MODEL = "DEFAULT_IMAGE_MODEL";
    public static final String MODEL_CACHE_MAX_BYTES = "MODEL_CACHE_MAX_BYTES";
    /**
     * Predict: the models loaded while priming, comma-separated references ({@code iris@production,churn:3});
     * set but empty: none; unset: the first few tabular models with a {@code production} alias.
     */
    public static final String PRIME_MODELS = "PRIME_MODELS";
    /** Images: the bytes one user's stored images may take (admins are exempt). */
    public static final String MAX_IMAGE_BYTES_PER_USER = "MAX_IMAGE_BYTES_PER_USER";
    /** Images: the presigned uploads one user may have reserved and not yet committed (admins are exempt). */
    public static final String MAX_PENDING_IMAGE_UPLOADS_PER_USER = "MAX_PENDING_IMAGE_UPLOADS_PER_USER";
    /** Train: a user's jobs that may be queued or running at once (admins are exempt). */
    public static final String TRAINING_MAX_ACTIVE_JOBS = "TRAINING_MAX_ACTIVE_JOBS";
    /** Train: a user's dataset reservations that may wait for their upload at once (admins are exempt). */
    public static final String TRAINING_MAX_PENDING_DATASETS = "TRAINING_MAX_PENDING_DATASETS";
    /** Train: the bytes a user's datasets (reserved or stored) may take in all (admins are exempt). */
    public static final String TRAINING_MAX_DATASET_BYTES = "TRAINING_MAX_DATASET_BYTES";
    /** The URL of the queue of fit and refit tasks ({@link QueueCatalog#TRAINING_TASKS}). */
    public static final String TRAINING_TASKS_QUEUE_URL = "TRAINING_TASKS_QUEUE_URL";
    /** The URL of the queue of batch scoring tasks ({@link QueueCatalog#BATCH_TASKS}). */
    public static final String BATCH_TASKS_QUEUE_URL = "BATCH_TASKS_QUEUE_URL";
    /** The URL of the queue of batch tagging tasks ({@link QueueCatalog#IMAGE_TASKS}). */
    public static final String IMAGE_TASKS_QUEUE_URL = "IMAGE_TASKS_QUEUE_URL";
    /** Train: the data rows a training table may have (a 400, or a failed job, beyond). */
    public static final String TRAINING_MAX_ROWS = "TRAINING_MAX_ROWS";
    /** Train: the columns (target included) a training table may have (a 400 beyond). */
    public static final String TRAINING_MAX_COLUMNS = "TRAINING_MAX_COLUMNS";
    /** Batch scoring: the rows of a dataset each score task reads and scores (the planner cuts the CSV so). */
    public static final String BATCH_CHUNK_ROWS = "BATCH_CHUNK_ROWS";
    /**
     * Scheduled clean-ups (image sweeper, registry clean-up): objects last modified less than this
     * many seconds ago are left alone, as they may belong to a write still in flight.
     */
    public static final String CLEAN_UP_MIN_AGE_SECONDS = "CLEAN_UP_MIN_AGE_SECONDS";

    /** Local only (the local server, tests, {@code sam local} through env.json): never set in AWS. */
    public static final String DYNAMODB_ENDPOINT = "DYNAMODB_ENDPOINT";
    /** Local only. */
    public static final String S3_ENDPOINT = "S3_ENDPOINT";
    /** Local only: the SQS endpoint (the local server's ElasticMQ). */
    public static final String SQS_ENDPOINT = "SQS_ENDPOINT";
    /** Local only: the JWT key in plain text instead of {@link #JWT_SECRET_ARN}. */
    public static final String JWT_SECRET = "JWT_SECRET";
    /** Local only: the first admin's password in plain text instead of {@link #ADMIN_PASSWORD_SECRET_ARN}. */
    public static final String ADMIN_PASSWORD = "ADMIN_PASSWORD";
    /** Tests only: let classify fetch from 127.0.0.0/8. */
    public static final String URL_FETCH_ALLOW_LOOPBACK = "URL_FETCH_ALLOW_LOOPBACK";

    /** Read by the JVM at start-up. */
    public static final String JAVA_TOOL_OPTIONS = "JAVA_TOOL_OPTIONS";
    /** Read by DJL: without it DJL probes the network for telemetry at class load. */
    public static final String DJL_OFFLINE = "DJL_OFFLINE";
    /** Read by Powertools: the service name on every log line and metric. */
    public static final String POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME";
    /** Read by Powertools: the lowest level logged. */
    public static final String POWERTOOLS_LOG_LEVEL = "POWERTOOLS_LOG_LEVEL";
    /** Read by Powertools: the CloudWatch namespace of the EMF metrics. */
    public static final String POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE";

    /** The registry bucket's name when {@link #MODELS_BUCKET} is not set (local server, tests). */
    public static final String DEFAULT_MODELS_BUCKET = "mlapi-models";
    /** How long a token lives, in seconds. */
    public static final String DEFAULT_TOKEN_TTL_SECONDS = "3600";
    /** How long a request stays in the request log, in days. */
    public static final String DEFAULT_REQUEST_LOG_RETENTION_DAYS = "90";
    /** Default of {@link #TRAINING_MAX_ACTIVE_JOBS}. */
    public static final String DEFAULT_TRAINING_MAX_ACTIVE_JOBS = "3";
    /** Default of {@link #TRAINING_MAX_PENDING_DATASETS}. */
    public static final String DEFAULT_TRAINING_MAX_PENDING_DATASETS = "10";
    /** Default of {@link #TRAINING_MAX_DATASET_BYTES}: 1 GiB. */
    public static final String DEFAULT_TRAINING_MAX_DATASET_BYTES = "1073741824";
    /** Default of {@link #TRAINING_MAX_ROWS}; the reason is in the training library's {@code DatasetLimits}. */
    public static final String DEFAULT_TRAINING_MAX_ROWS = "500000";
    /** Default of {@link #TRAINING_MAX_COLUMNS}; the reason is in the training library's {@code DatasetLimits}. */
    public static final String DEFAULT_TRAINING_MAX_COLUMNS = "500";
    /** Default of {@link #BATCH_CHUNK_ROWS}. */
    public static final String DEFAULT_BATCH_CHUNK_ROWS = "20000";
    /**
     * Default of {@link #CLEAN_UP_MIN_AGE_SECONDS}: an hour, far beyond the longest write (a
     * 15-minute worker registering its model).
     */
    public static final String DEFAULT_CLEAN_UP_MIN_AGE_SECONDS = "3600";
    /** The level functions log at in AWS. */
    public static final String DEFAULT_LOG_LEVEL = "INFO";
    /** The namespace of every metric the functions emit. */
    public static final String METRICS_NAMESPACE = "mlapi";

    private Env() {
    }
}
