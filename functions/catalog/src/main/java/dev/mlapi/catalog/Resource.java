package dev.mlapi.catalog;

import java.util.Optional;

/**
 * What a function can be granted actions on. The CDK stack and the SAM template generator each
 * turn a resource into its ARN; a function granted anything on a resource that has an
 * {@link #envVar()} also gets that variable, set to the resource's name (the secret's ARN, the
 * queue's URL).
 */
public enum Resource {
    USERS_TABLE(Kind.TABLE, TableCatalog.USERS.logicalId(), TableCatalog.USERS.envVar()),
    TOKENS_TABLE(Kind.TABLE, TableCatalog.TOKENS.logicalId(), TableCatalog.TOKENS.envVar()),
    REQUEST_LOG_TABLE(Kind.TABLE, TableCatalog.REQUEST_LOG.logicalId(), TableCatalog.REQUEST_LOG.envVar()),
    /** The request log's indexes ({@code by_day}, {@code by_user}): queries by time range and by user. */
    REQUEST_LOG_INDEXES(Kind.TABLE_INDEXES, TableCatalog.REQUEST_LOG.logicalId(), TableCatalog.REQUEST_LOG.envVar()),
    /** The request log's stream, read by event functions it triggers. */
    REQUEST_LOG_STREAM(Kind.TABLE_STREAM, TableCatalog.REQUEST_LOG.logicalId(), null),
    REQUEST_ROLLUPS_TABLE(Kind.TABLE, TableCatalog.REQUEST_ROLLUPS.logicalId(), TableCatalog.REQUEST_ROLLUPS.envVar()),
    /** Failed-login counters (brute-force throttling). */
    LOGIN_ATTEMPTS_TABLE(Kind.TABLE, TableCatalog.LOGIN_ATTEMPTS.logicalId(), TableCatalog.LOGIN_ATTEMPTS.envVar()),
    /** Training jobs and datasets. */
    TRAINING_JOBS_TABLE(Kind.TABLE, TableCatalog.JOBS_AND_DATASETS.logicalId(), TableCatalog.JOBS_AND_DATASETS.envVar()),
    /** The training table's indexes ({@code by_owner}, {@code by_kind}): listings, newest first. */
    TRAINING_JOBS_INDEXES(Kind.TABLE_INDEXES, TableCatalog.JOBS_AND_DATASETS.logicalId(), TableCatalog.JOBS_AND_DATASETS.envVar()),
    /** The training table's stream: inserted jobs, read by the training worker. */
    TRAINING_JOBS_STREAM(Kind.TABLE_STREAM, TableCatalog.JOBS_AND_DATASETS.logicalId(), null),
    IMAGES_TABLE(Kind.TABLE, TableCatalog.IMAGES.logicalId(), TableCatalog.IMAGES.envVar()),
    /** The image table's indexes ({@code by_owner}, {@code by_time}). */
    IMAGES_INDEXES(Kind.TABLE_INDEXES, TableCatalog.IMAGES.logicalId(), TableCatalog.IMAGES.envVar()),
    TAGS_TABLE(Kind.TABLE, TableCatalog.TAGS.logicalId(), TableCatalog.TAGS.envVar()),
    /** The tag table's index by name. */
    TAGS_INDEXES(Kind.TABLE_INDEXES, TableCatalog.TAGS.logicalId(), TableCatalog.TAGS.envVar()),
    IMAGE_TAGS_TABLE(Kind.TABLE, TableCatalog.IMAGE_TAGS.logicalId(), TableCatalog.IMAGE_TAGS.envVar()),
    /** The tag links' indexes ({@code by_tag}, {@code by_owner_tag}). */
    IMAGE_TAGS_INDEXES(Kind.TABLE_INDEXES, TableCatalog.IMAGE_TAGS.logicalId(), TableCatalog.IMAGE_TAGS.envVar()),
    /** The registry bucket itself (listing). */
    MODELS_BUCKET(Kind.BUCKET, "ModelsBucket", Env.MODELS_BUCKET),
    /** The registry bucket's objects. */
    MODELS_OBJECTS(Kind.BUCKET_OBJECTS, "ModelsBucket", Env.MODELS_BUCKET),
    /** The registry bucket's {@code training/} prefix only: training requests and uploaded datasets. */
    TRAINING_OBJECTS(Kind.BUCKET_OBJECTS, "ModelsBucket", Env.MODELS_BUCKET, "training/"),
    /** The registry's owner records only ({@code models/<name>/owner.json}): train claims a new model name for a job's user. */
    MODEL_OWNER_RECORDS(Kind.BUCKET_OBJECTS, "ModelsBucket", Env.MODELS_BUCKET, "models/*/owner.json"),
    /**
     * The registry's alias documents and change records only ({@code models/<name>/aliases/…},
     * {@code models/<name>/alias-changes/…}): the aggregator rolls back or promotes canaries.
     */
    MODEL_ALIAS_RECORDS(Kind.BUCKET_OBJECTS, "ModelsBucket", Env.MODELS_BUCKET, "models/*/alias"),
    /** The image library's objects: the bucket's {@code images/} prefix only (the registry lists {@code models/}). */
    IMAGES_OBJECTS(Kind.BUCKET_OBJECTS, "ModelsBucket", Env.MODELS_BUCKET, "images/"),
    JWT_SECRET(Kind.SECRET, "JwtSecret", Env.JWT_SECRET_ARN),
    ADMIN_PASSWORD_SECRET(Kind.SECRET, "AdminPasswordSecret", Env.ADMIN_PASSWORD_SECRET_ARN),
    /** The queue of fit and refit tasks; its variable is the queue's URL. */
    TRAINING_TASKS_QUEUE(Kind.QUEUE, QueueCatalog.TRAINING_TASKS.logicalId(), QueueCatalog.TRAINING_TASKS.envVar()),
    /** The queue of batch scoring tasks; its variable is the queue's URL. */
    BATCH_TASKS_QUEUE(Kind.QUEUE, QueueCatalog.BATCH_TASKS.logicalId(), QueueCatalog.BATCH_TASKS.envVar()),
    /** The queue of batch tagging tasks; its variable is the queue's URL. */
    IMAGE_TASKS_QUEUE(Kind.QUEUE, QueueCatalog.IMAGE_TASKS.logicalId(), QueueCatalog.IMAGE_TASKS.envVar()),
    /** The function's own log group. */
    OWN_LOG_GROUP(Kind.LOG_GROUP, null, null),
    /** An event function's own on-failure destination: an SQS queue that keeps what could not be processed. */
    OWN_FAILURE_QUEUE(Kind.QUEUE, null, null);

    /** The shape of a resource, which decides how its ARN is written. */
    public enum Kind { TABLE, TABLE_INDEXES, TABLE_STREAM, BUCKET, BUCKET_OBJECTS, SECRET, LOG_GROUP, QUEUE }

    private final Kind kind;
    private final String logicalId;
    private final String envVar;
    private final String objectPrefix;

    Resource(Kind kind, String logicalId, String envVar) {
        this(kind, logicalId, envVar, "");
    }

    Resource(Kind kind, String logicalId, String envVar, String objectPrefix) {
        this.kind = kind;
        this.logicalId = logicalId;
        this.envVar = envVar;
        this.objectPrefix = objectPrefix;
    }

    /**
     * For {@link Kind#BUCKET_OBJECTS}: the key prefix the grant is limited to ({@code training/}),
     * empty for every object of the bucket. The ARN is the bucket's, then {@code /<prefix>*}.
     */
    public String objectPrefix() {
        return objectPrefix;
    }

    public Kind kind() {
        return kind;
    }

    /** The shared resource's CloudFormation logical id; empty for a function's own log group or failure queue. */
    public Optional<String> logicalId() {
        return Optional.ofNullable(logicalId);
    }

    /** The resource of {@code queue} (a {@link Kind#QUEUE} with the queue's logical id). */
    public static Resource of(QueueSpec queue) {
        for (Resource resource : values()) {
            if (resource.kind == Kind.QUEUE && queue.logicalId().equals(resource.logicalId)) {
                return resource;
            }
        }
        throw new IllegalStateException("no resource for queue " + queue.logicalId() + " in Resource");
    }

    /** The variable that names this resource to the function, if any. */
    public Optional<String> envVar() {
        return Optional.ofNullable(envVar);
    }
}
