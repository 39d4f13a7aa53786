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

    public static final List<TableSpec> ALL = List.of(USERS, TOKENS, REQUEST_LOG, REQUEST_ROLLUPS, LOGIN_ATTEMPTS);

    private TableCatalog() {
    }
}
