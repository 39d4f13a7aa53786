package dev.mlapi.core.aws;

import static dev.mlapi.core.aws.DynamoDbRequestLog.BY_DAY_INDEX;
import static dev.mlapi.core.aws.DynamoDbRequestLog.BY_USER_INDEX;
import static dev.mlapi.core.aws.DynamoDbRequestLog.CREATED_AT;
import static dev.mlapi.core.aws.DynamoDbRequestLog.DAY;
import static dev.mlapi.core.aws.DynamoDbRequestLog.EXPIRES_AT;
import static dev.mlapi.core.aws.DynamoDbRequestLog.MODEL;
import static dev.mlapi.core.aws.DynamoDbRequestLog.REQUEST_ID;
import static dev.mlapi.core.aws.DynamoDbRequestLog.ROUTE;
import static dev.mlapi.core.aws.DynamoDbRequestLog.STATUS_CODE;
import static dev.mlapi.core.aws.DynamoDbRequestLog.USER;

import dev.mlapi.core.requestlog.HistoryDeletion;
import dev.mlapi.core.requestlog.HistoryPosition;
import dev.mlapi.core.requestlog.HistoryQuery;
import dev.mlapi.core.requestlog.HistorySlice;
import dev.mlapi.core.requestlog.RequestHistory;
import dev.mlapi.core.requestlog.RequestLogEntry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * {@link RequestHistory} on the request-log table: time ranges through the {@code by_day} index,
 * one user's entries through {@code by_user}, never a scan.
 *
 * <p>A deletion is an item of the same table (id {@code deletion:…}) filed under the reserved
 * day {@value #DELETIONS_DAY} of {@code by_day}, so one query reads every deletion; its insert on
 * the table's stream is what starts the background removal (the aggregator calls {@link #purge}),
 * and each update of its progress is the next trigger until it is complete.
 */
public final class DynamoDbRequestHistory implements RequestHistory {

    /** The {@code day} under which deletions are filed: never a date, so never listed as history. */
    public static final String DELETIONS_DAY = "deletions";
    public static final String DELETION_ID_PREFIX = "deletion:";
    public static final String KIND = "kind";
    public static final String KIND_DELETION = "history_deletion";
    public static final String BEFORE = "before";
    public static final String DELETED_USER = "deleted_user";
    public static final String REQUESTED_BY = "requested_by";
    public static final String COMPLETED = "completed";
    public static final String PASSES = "passes";

    /** Items read per query page; history pages are at most 1000 entries. */
    private static final int QUERY_PAGE = 500;

    /**
     * The most days of one listing queried at once: the JDK keeps at most 5 idle connections per
     * host ({@code http.maxConnections}) for the URL-connection HTTP client, so more would open a
     * fresh (TLS) connection for every extra day of every round.
     */
    static final int DAYS_AT_ONCE = 5;

    /** Runs day queries; daemon threads, so a Lambda runtime or a CLI still exits; idle ones end. */
    private static final ExecutorService DAY_QUERIES = dayQueries();

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;
    private final Clock clock;
    private final Predicate<RequestLogEntry> remover;
    private final int daysAtOnce;

    /**
     * The history of the log in {@code table}; {@code remover} deletes one entry for a purge (and
     * whatever is derived from it, such as rollups), returning false if it was already gone.
     */
    public DynamoDbRequestHistory(DynamoDbClient dynamoDb, String table, Duration retention, Clock clock,
            Predicate<RequestLogEntry> remover) {
        this(dynamoDb, table, retention, clock, remover, DAYS_AT_ONCE);
    }

    /** As the public constructor, querying at most {@code daysAtOnce} days at once (1: one by one). */
    DynamoDbRequestHistory(DynamoDbClient dynamoDb, String table, Duration retention, Clock clock,
            Predicate<RequestLogEntry> remover, int daysAtOnce) {
        if (daysAtOnce < 1 || daysAtOnce > DAYS_AT_ONCE) {
            throw new IllegalArgumentException("daysAtOnce must be 1 to " + DAYS_AT_ONCE + ": " + daysAtOnce);
        }
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
        this.clock = clock;
        this.remover = remover;
        this.daysAtOnce = daysAtOnce;
    }

    private static ExecutorService dayQueries() {
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(DAYS_AT_ONCE, DAYS_AT_ONCE, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "history-day-query-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    @Override
    public HistorySlice list(HistoryQuery query) {
        try {
            List<HistoryDeletion> deletions = deletions();
            Instant now = clock.instant();
            // Nothing older than the retention can still be in the log, and nothing older than a
            // deletion covering all of it can be listed: do not query before either.
            Instant from = max(max(query.from(), now.minus(retention).minus(Duration.ofDays(1))),
                    hiddenBefore(deletions, query.user()));
            List<RequestLogEntry> found = new ArrayList<>();
            if (!query.to().isAfter(from)) {
                return new HistorySlice(found, Optional.empty());
            }
            if (query.user().isPresent()) {
                collect(query, from, query.user().get(), null, query.after().orElse(null), deletions, now, found,
                        query.limit() + 1);
            } else {
                walkDays(query, from, deletions, now, found);
            }
            if (found.size() > query.limit()) {
                List<RequestLogEntry> page = found.subList(0, query.limit());
                RequestLogEntry last = page.get(page.size() - 1);
                return new HistorySlice(page, Optional.of(new HistoryPosition(day(last.createdAt()).toString(),
                        DynamoDbRequestLog.timestamp(last.createdAt()), last.requestId())));
            }
            return new HistorySlice(found, Optional.empty());
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    /**
     * Adds the matching entries of the {@code by_day} partitions from the newest day of the query
     * (or the cursor's day) back to {@code from}'s, until limit + 1: several days are queried at
     * once, but their entries are taken strictly in day order, so the page and its cursor are
     * those a day-by-day walk gives.
     */
    private void walkDays(HistoryQuery query, Instant from, List<HistoryDeletion> deletions, Instant now,
            List<RequestLogEntry> found) {
        LocalDate first = day(from);
        LocalDate next = query.after().map(p -> LocalDate.parse(p.day())).orElse(day(query.to().minusNanos(1000)));
        Optional<HistoryPosition> resume = query.after();
        Deque<CompletableFuture<List<RequestLogEntry>>> pending = new ArrayDeque<>();
        // One day first, then more at once as days come back without filling the page: a dense
        // log costs one query, as before; a sparse one is read daysAtOnce days per round trip.
        int window = 1;
        try {
            while (found.size() <= query.limit() && (!pending.isEmpty() || !next.isBefore(first))) {
                while (pending.size() < window && !next.isBefore(first)) {
                    String day = next.toString();
                    HistoryPosition after = resume.orElse(null);
                    int wanted = query.limit() + 1 - found.size();
                    pending.add(CompletableFuture.supplyAsync(() -> {
                        List<RequestLogEntry> entries = new ArrayList<>();
                        collect(query, from, null, day, after, deletions, now, entries, wanted);
                        return entries;
                    }, DAY_QUERIES));
                    resume = Optional.empty();
                    next = next.minusDays(1);
                }
                for (RequestLogEntry entry : await(pending.removeFirst())) {
                    if (found.size() > query.limit()) {
                        break;
                    }
                    found.add(entry);
                }
                window = Math.min(daysAtOnce, window * 2);
            }
        } finally {
            // Days queued beyond a full page are not needed (those already running just finish).
            pending.forEach(day -> day.cancel(false));
        }
    }

    /** The day's entries, or what its query threw, as if it had been run on this thread. */
    private static List<RequestLogEntry> await(CompletableFuture<List<RequestLogEntry>> day) {
        try {
            return day.join();
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        }
    }

    /**
     * The time before which every entry {@code user}'s listing (everyone's, when empty) could
     * show is covered by a deletion: deletions cover what was created strictly before them.
     */
    private static Instant hiddenBefore(List<HistoryDeletion> deletions, Optional<String> user) {
        Instant hidden = Instant.EPOCH;
        for (HistoryDeletion deletion : deletions) {
            if (deletion.user().isEmpty() || (user.isPresent() && deletion.user().equals(user))) {
                hidden = max(hidden, deletion.before());
            }
        }
        return hidden;
    }

    /**
     * Adds matching entries of one index partition (a user, or a day), newest first, until
     * {@code found} holds {@code wanted}.
     */
    private void collect(HistoryQuery query, Instant from, String user, String day, HistoryPosition after,
            List<HistoryDeletion> deletions, Instant now, List<RequestLogEntry> found, int wanted) {
        Map<String, String> names = new HashMap<>(Map.of("#pk", user != null ? USER : DAY, "#at", CREATED_AT));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":pk", AttributeValue.fromS(user != null ? user : day),
                ":from", AttributeValue.fromS(DynamoDbRequestLog.timestamp(from)),
                ":to", AttributeValue.fromS(DynamoDbRequestLog.timestamp(query.to().minusNanos(1000)))));
        List<String> filters = new ArrayList<>();
        query.route().ifPresent(route -> {
            names.put("#route", ROUTE);
            values.put(":route", AttributeValue.fromS(route));
            filters.add("#route = :route");
        });
        query.model().ifPresent(model -> {
            names.put("#model", MODEL);
            values.put(":model", AttributeValue.fromS(model));
            filters.add("#model = :model");
        });
        query.status().ifPresent(status -> {
            names.put("#status", STATUS_CODE);
            values.put(":low", AttributeValue.fromN(Integer.toString(status.low())));
            values.put(":high", AttributeValue.fromN(Integer.toString(status.high())));
            filters.add("#status BETWEEN :low AND :high");
        });
        Map<String, AttributeValue> start = after == null ? null : startKey(after, user);
        do {
            QueryRequest.Builder request = QueryRequest.builder().tableName(table)
                    .indexName(user != null ? BY_USER_INDEX : BY_DAY_INDEX)
                    .keyConditionExpression("#pk = :pk AND #at BETWEEN :from AND :to")
                    .expressionAttributeNames(names).expressionAttributeValues(values)
                    .scanIndexForward(false).limit(QUERY_PAGE);
            if (!filters.isEmpty()) {
                request.filterExpression(String.join(" AND ", filters));
            }
            if (start != null) {
                request.exclusiveStartKey(start);
            }
            QueryResponse response = dynamoDb.query(request.build());
            for (Map<String, AttributeValue> item : response.items()) {
                RequestLogEntry entry = DynamoDbRequestLog.fromItem(item);
                // DynamoDB removes expired items only eventually (DynamoDB Local never does).
                if (entry.expiresAt().isAfter(now) && deletions.stream().noneMatch(d -> d.covers(entry))) {
                    found.add(entry);
                    if (found.size() >= wanted) {
                        return;
                    }
                }
            }
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey() : null;
        } while (start != null);
    }

    private static Map<String, AttributeValue> startKey(HistoryPosition after, String user) {
        Map<String, AttributeValue> key = new HashMap<>();
        key.put(REQUEST_ID, AttributeValue.fromS(after.requestId()));
        key.put(CREATED_AT, AttributeValue.fromS(after.createdAt()));
        if (user != null) {
            key.put(USER, AttributeValue.fromS(user));
        } else {
            key.put(DAY, AttributeValue.fromS(after.day()));
        }
        return key;
    }

    @Override
    public Optional<RequestLogEntry> find(String requestId) {
        if (requestId.startsWith(DELETION_ID_PREFIX)) {
            return Optional.empty();
        }
        try {
            Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table)
                    .key(Map.of(REQUEST_ID, AttributeValue.fromS(requestId)))).item();
            if (item == null || item.isEmpty() || !item.containsKey(CREATED_AT)) {
                return Optional.empty();
            }
            RequestLogEntry entry = DynamoDbRequestLog.fromItem(item);
            if (!entry.expiresAt().isAfter(clock.instant())) {
                return Optional.empty();
            }
            return deletions().stream().anyMatch(d -> d.covers(entry)) ? Optional.empty() : Optional.of(entry);
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    @Override
    public void requestDeletion(HistoryDeletion deletion) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(REQUEST_ID, AttributeValue.fromS(DELETION_ID_PREFIX + deletion.id()));
        item.put(KIND, AttributeValue.fromS(KIND_DELETION));
        item.put(DAY, AttributeValue.fromS(DELETIONS_DAY));
        item.put(CREATED_AT, AttributeValue.fromS(DynamoDbRequestLog.timestamp(deletion.requestedAt())));
        item.put(BEFORE, AttributeValue.fromS(DynamoDbRequestLog.timestamp(deletion.before())));
        deletion.user().ifPresent(user -> item.put(DELETED_USER, AttributeValue.fromS(user)));
        item.put(REQUESTED_BY, AttributeValue.fromS(deletion.requestedBy()));
        item.put(COMPLETED, AttributeValue.fromBool(false));
        item.put(PASSES, AttributeValue.fromN("0"));
        // Kept as long as anything it covers could still be in the log.
        item.put(EXPIRES_AT, AttributeValue.fromN(Long.toString(
                max(deletion.before(), deletion.requestedAt()).plus(retention).plus(Duration.ofDays(1)).getEpochSecond())));
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(item));
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    @Override
    public List<HistoryDeletion> deletions() {
        List<HistoryDeletion> deletions = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder request = QueryRequest.builder().tableName(table).indexName(BY_DAY_INDEX)
                    .keyConditionExpression("#day = :day")
                    .expressionAttributeNames(Map.of("#day", DAY))
                    .expressionAttributeValues(Map.of(":day", AttributeValue.fromS(DELETIONS_DAY)));
            if (start != null) {
                request.exclusiveStartKey(start);
            }
            QueryResponse response = dynamoDb.query(request.build());
            response.items().stream().map(DynamoDbRequestHistory::deletionOf).flatMap(Optional::stream)
                    .forEach(deletions::add);
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey() : null;
        } while (start != null);
        return deletions;
    }

    /** The deletion an item of this table holds, if it holds one. */
    public static Optional<HistoryDeletion> deletionOf(Map<String, AttributeValue> item) {
        if (item.get(KIND) == null || !KIND_DELETION.equals(item.get(KIND).s())) {
            return Optional.empty();
        }
        return Optional.of(new HistoryDeletion(
                item.get(REQUEST_ID).s().substring(DELETION_ID_PREFIX.length()),
                Instant.parse(item.get(BEFORE).s()),
                Optional.ofNullable(item.get(DELETED_USER)).map(AttributeValue::s),
                Instant.parse(item.get(CREATED_AT).s()),
                item.get(REQUESTED_BY).s(),
                item.get(COMPLETED) != null && Boolean.TRUE.equals(item.get(COMPLETED).bool())));
    }

    @Override
    public boolean purge(HistoryDeletion deletion, Duration budget) {
        Instant deadline = clock.instant().plus(budget);
        try {
            boolean done;
            if (deletion.user().isPresent()) {
                done = purgePartition(BY_USER_INDEX, USER, deletion.user().get(), deletion.before(), deadline);
            } else {
                done = true;
                LocalDate oldest = day(clock.instant().minus(retention).minus(Duration.ofDays(1)));
                for (LocalDate day = day(deletion.before()); done && !day.isBefore(oldest); day = day.minusDays(1)) {
                    done = purgePartition(BY_DAY_INDEX, DAY, day.toString(), deletion.before(), deadline);
                }
            }
            boolean complete = done;
            // Each update is a new stream record: an unfinished purge is picked up again from it.
            dynamoDb.updateItem(r -> r.tableName(table)
                    .key(Map.of(REQUEST_ID, AttributeValue.fromS(DELETION_ID_PREFIX + deletion.id())))
                    .updateExpression("SET #completed = :done ADD #passes :one")
                    .conditionExpression("attribute_exists(#id)")
                    .expressionAttributeNames(Map.of("#completed", COMPLETED, "#passes", PASSES, "#id", REQUEST_ID))
                    .expressionAttributeValues(Map.of(":done", AttributeValue.fromBool(complete),
                            ":one", AttributeValue.fromN("1"))));
            return done;
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    /** Deletes one index partition's entries created before {@code before}; false when the deadline came first. */
    private boolean purgePartition(String index, String keyName, String key, Instant before, Instant deadline) {
        while (true) {
            if (clock.instant().isAfter(deadline)) {
                return false;
            }
            // Always the first page: what was deleted is no longer in the index.
            QueryResponse response = dynamoDb.query(r -> r.tableName(table).indexName(index)
                    .keyConditionExpression("#pk = :pk AND #at < :before")
                    .expressionAttributeNames(Map.of("#pk", keyName, "#at", CREATED_AT))
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(key),
                            ":before", AttributeValue.fromS(DynamoDbRequestLog.timestamp(before))))
                    .limit(QUERY_PAGE));
            if (response.items().isEmpty()) {
                return true;
            }
            for (Map<String, AttributeValue> item : response.items()) {
                remover.test(DynamoDbRequestLog.fromItem(item));
                if (clock.instant().isAfter(deadline)) {
                    return false;
                }
            }
        }
    }

    private static LocalDate day(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC).toLocalDate();
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
