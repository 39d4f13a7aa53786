package dev.mlapi.infra;

/**
 * Key, index and TTL attribute names of the tables, as {@code dev.mlapi.core.aws.Tables} defines
 * them (a test reads that source and holds these to it).
 */
public final class DynamoDbSchema {

    public static final String USERS_KEY = "username";
    public static final String TOKENS_KEY = "jti";
    public static final String TOKENS_TTL = "expires_at";
    public static final String REQUEST_LOG_KEY = "request_id";
    public static final String REQUEST_LOG_TTL = "expires_at";
    public static final String REQUEST_LOG_BY_DAY = "by_day";
    public static final String REQUEST_LOG_DAY = "day";
    public static final String REQUEST_LOG_CREATED_AT = "created_at";

    private DynamoDbSchema() {
    }
}
