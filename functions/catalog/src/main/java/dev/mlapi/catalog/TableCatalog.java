package dev.mlapi.catalog;

import dev.mlapi.catalog.TableSpec.IndexSpec;
import java.util.List;
import java.util.Optional;

/** Every DynamoDB table of the deployment. */
public final class TableCatalog {

    public static final TableSpec USERS = new TableSpec("UsersTable", Env.USERS_TABLE, "mlapi-users",
            "username", Optional.empty(), Optional.empty(), List.of(), false);

    public static final TableSpec TOKENS = new TableSpec("TokensTable", Env.TOKENS_TABLE, "mlapi-tokens",
            "jti", Optional.empty(), Optional.of("expires_at"), List.of(), false);

    /** Index of the request log by calendar day (UTC), newest last: time ranges without scans. */
    public static final String REQUEST_LOG_BY_DAY = "by_day";

    /** Index of the request log by user, newest last: one user's history without scans (anonymous entries are not in it). */
    public static final String REQUEST_LOG_BY_USER = "by_user";

    /** One entry per request; its stream feeds the request-log aggregator. */
    public static final TableSpec REQUEST_LOG = new TableSpec("RequestLogTable", Env.REQUEST_LOG_TABLE,
            "mlapi-request-log", "request_id", Optional.empty(), Optional.of("expires_at"),
            List.of(new IndexSpec(REQUEST_LOG_BY_DAY, "day", "created_at"),
                    new IndexSpec(REQUEST_LOG_BY_USER, "user", "created_at")), true);

    /**
     * Hourly rollups of the request log per dimension and group (counts, sums, a quantile sketch),
     * written by the aggregator from the log's stream, read by report and stats; also the
     * aggregator's markers of applied entries.
     */
    public static final TableSpec REQUEST_ROLLUPS = new TableSpec("RequestRollupsTable", Env.REQUEST_ROLLUPS_TABLE,
            "mlapi-request-rollups", "rollup", Optional.of("bucket"), Optional.of("expires_at"), List.of(), false);

    /**
     * Failed-login counters per username and per source address, one item per key and time
     * window; expired windows are removed by TTL (and ignored when read: DynamoDB Local keeps them).
     */
    public static final TableSpec LOGIN_ATTEMPTS = new TableSpec("LoginAttemptsTable", Env.LOGIN_ATTEMPTS_TABLE,
            "mlapi-login-attempts", "counter", Optional.empty(), Optional.of("expires_at"), List.of(), false);

    /** Index of the jobs-and-datasets table by owner and kind ({@code alice#job}), newest last: one user's jobs or datasets. */
    public static final String TRAINING_BY_OWNER = "by_owner";

    /** Index of the jobs-and-datasets table by kind ({@code job}, {@code dataset}), newest last: everyone's, for admins. */
    public static final String TRAINING_BY_KIND = "by_kind";

    /**
     * Jobs of every kind (training, batch scoring, image tagging: queued, running, finished, with
     * progress and results) and the datasets uploaded for training, one item each ({@code kind}
     * tells which). Its stream of new images feeds the training worker: inserting a training job is
     * dispatching it. The deployed names stay those of when it held training jobs only (logical id
     * {@code TrainingJobsTable}, {@code TRAINING_JOBS_TABLE}, {@code mlapi-training-jobs}; so do the
     * {@code Resource.TRAINING_JOBS_*} grants that follow the variable), so a stack and a local
     * {@code .local/} keep their data.
     */
    public static final TableSpec JOBS_AND_DATASETS = new TableSpec("TrainingJobsTable", Env.TRAINING_JOBS_TABLE,
            "mlapi-training-jobs", "id", Optional.empty(), Optional.of("expires_at"),
            List.of(new IndexSpec(TRAINING_BY_OWNER, "owner_kind", "created_at"),
                    new IndexSpec(TRAINING_BY_KIND, "kind", "created_at")), true);

    /** Index of the image library by owner, newest last: one user's images without scans. */
    public static final String IMAGES_BY_OWNER = "by_owner";

    /** Index of every image, newest last (one partition, {@code listing = "all"}): an admin's listing without scans. */
    public static final String IMAGES_BY_TIME = "by_time";

    /**
     * The image library: one item per image (its S3 key, size, sniffed type, tag ids, suggested
     * tags), and per reserved presigned upload until it is committed; an unused reservation
     * carries {@code purge_at}, the table's TTL.
     */
    public static final TableSpec IMAGES = new TableSpec("ImagesTable", Env.IMAGES_TABLE, "mlapi-images",
            "id", Optional.empty(), Optional.of("purge_at"),
            List.of(new IndexSpec(IMAGES_BY_OWNER, "owner", "created_key"),
                    new IndexSpec(IMAGES_BY_TIME, "listing", "created_key")), false);

    /** Index of the tags by normalised name (one partition, {@code listing = "tag"}): {@code GET /tags} in name order. */
    public static final String TAGS_BY_NAME = "by_name";

    /**
     * Tags: a record per tag ({@code key = "id#<tag id>"}: name, image count) and a uniqueness guard
     * per normalised name ({@code key = "name#<name>"}); a rename moves the guard, the id stays.
     */
    public static final TableSpec TAGS = new TableSpec("TagsTable", Env.TAGS_TABLE, "mlapi-tags",
            "key", Optional.empty(), Optional.empty(), List.of(new IndexSpec(TAGS_BY_NAME, "listing", "name_key")), false);

    /** Index of tag links by tag, newest image last: every image with a tag (admins). */
    public static final String IMAGE_TAGS_BY_TAG = "by_tag";

    /** Index of tag links by owner and tag, newest image last: one user's images with a tag. */
    public static final String IMAGE_TAGS_BY_OWNER_TAG = "by_owner_tag";

    /** One item per (tag, image) link, carrying the image's owner and creation time for the indexes. */
    public static final TableSpec IMAGE_TAGS = new TableSpec("ImageTagsTable", Env.IMAGE_TAGS_TABLE,
            "mlapi-image-tags", "link", Optional.empty(), Optional.empty(),
            List.of(new IndexSpec(IMAGE_TAGS_BY_TAG, "tag_id", "created_key"),
                    new IndexSpec(IMAGE_TAGS_BY_OWNER_TAG, "owner_tag", "created_key")), false);

    public static final List<TableSpec> ALL = List.of(USERS, TOKENS, REQUEST_LOG, REQUEST_ROLLUPS, LOGIN_ATTEMPTS,
            JOBS_AND_DATASETS, IMAGES, TAGS, IMAGE_TAGS);

    private TableCatalog() {
    }
}
