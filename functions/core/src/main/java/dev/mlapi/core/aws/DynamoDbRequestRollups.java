package dev.mlapi.core.aws;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.rollup.Dimension;
import dev.mlapi.core.rollup.LogSketch;
import dev.mlapi.core.rollup.ReadBudget;
import dev.mlapi.core.rollup.Rollup;
import dev.mlapi.core.rollup.RollupChunk;
import dev.mlapi.core.rollup.RollupKey;
import dev.mlapi.core.rollup.RollupsIncomplete;
import dev.mlapi.core.rollup.RequestRollups;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * {@link RequestRollups} on the table of {@link TableCatalog#REQUEST_ROLLUPS}. One item per
 * dimension, hour and group: partition {@code <dimension>#<day>}, sort key {@code <HH>#<group>},
 * so a day of one dimension is one query and reads never depend on how many requests were logged.
 *
 * <p>Exactly once: entries are applied a chunk at a time ({@link RollupChunk}: up to
 * {@value #MAX_TRANSACTION_ITEMS} items), in one transaction that puts a marker item
 * {@code applied#<request_id>} per entry, each only if absent, and adds the chunk's summed deltas
 * to each rollup it touches. A replayed stream record finds its marker: the transaction is
 * cancelled as a whole, the cancellation reasons name the refused markers, and the chunk is
 * written again without those entries, so no counter moves twice. (A per-shard sequence-number
 * watermark would need the shard id, which Lambda's stream event does not carry, and would
 * reject records of other shards that arrive later with lower numbers.) A deleted entry leaves the
 * log and its rollups in one transaction whose delete is conditional on the entry still existing,
 * so a repeated purge subtracts nothing twice; an entry removed before its insert is rolled up
 * nets out to zero once that insert arrives.
 */
public final class DynamoDbRequestRollups implements RequestRollups {

    /** Days of a range are read this many at a time (daemon threads: nothing waits for them at exit). */
    private static final int PARALLEL_DAYS = 8;
    private static final ExecutorService DAY_READERS = Executors.newFixedThreadPool(PARALLEL_DAYS, task -> {
        Thread thread = new Thread(task, "rollup-day-reader");
        thread.setDaemon(true);
        return thread;
    });

    public static final String ROLLUP = TableCatalog.REQUEST_ROLLUPS.partitionKey();
    public static final String BUCKET = TableCatalog.REQUEST_ROLLUPS.sortKey().orElseThrow();
    public static final String EXPIRES_AT = TableCatalog.REQUEST_ROLLUPS.ttlAttribute().orElseThrow();
    public static final String REQUESTS = "requests";
    public static final String ERRORS_4XX = "errors_4xx";
    public static final String ERRORS_5XX = "errors_5xx";
    public static final String TIME_SUM = "processing_time_sum";
    public static final String INPUT_SIZE_SUM = "input_size_sum";
    public static final String IMAGES = "images";
    public static final String IMAGE_WIDTH_SUM = "image_width_sum";
    public static final String IMAGE_HEIGHT_SUM = "image_height_sum";
    /** Sketch bucket counters are attributes {@code q<index>} ({@code qz} for zero). */
    public static final String SKETCH_PREFIX = "q";
    public static final String APPLIED_PREFIX = "applied#";
    /** A replay can come while the stream keeps the record: 24 hours. */
    static final Duration MARKER_LIFETIME = Duration.ofDays(2);
    /** The most items one {@code TransactWriteItems} may hold (DynamoDB and DynamoDB Local alike). */
    static final int MAX_TRANSACTION_ITEMS = 100;
    private static final String MARKER_ABSENT = "attribute_not_exists(#rollup)";
    private static final String CONDITION_FAILED = "ConditionalCheckFailed";
    private static final String NONE = "None";

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final String logTable;
    private final Duration retention;
    private final Clock clock;

    /** Rollups in {@code table} of the request log in {@code logTable}. */
    public DynamoDbRequestRollups(DynamoDbClient dynamoDb, String table, String logTable, Duration retention,
            Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.logTable = logTable;
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    public int applyAll(List<RequestLogEntry> entries) {
        int done = 0;
        int applied = 0;
        for (RollupChunk chunk : RollupChunk.plan(entries, MAX_TRANSACTION_ITEMS)) {
            try {
                applied += write(chunk.entries(), MARKER_ABSENT);
            } catch (RuntimeException e) {
                throw new RollupsIncomplete(done, e);
            }
            done += chunk.entries().size();
        }
        return applied;
    }

    /** The same transaction, its marker conditioned on what no item can be: cancelled, nothing written. */
    @Override
    public void rehearse(RequestLogEntry entry) {
        if (write(List.of(entry), "attribute_exists(#rollup) AND attribute_not_exists(#rollup)") != 0) {
            throw new IllegalStateException("a rehearsed rollup transaction went through: " + entry.requestId());
        }
    }

    /**
     * Writes the entries' markers (each under {@code markerCondition}) and their summed rollup
     * updates as one transaction. Entries whose marker is refused (applied before) are dropped
     * and the rest written again without them. Returns how many were written.
     */
    private int write(List<RequestLogEntry> entries, String markerCondition) {
        List<RequestLogEntry> pending = entries;
        while (!pending.isEmpty()) {
            RollupChunk chunk = RollupChunk.of(pending);
            List<TransactWriteItem> writes = new ArrayList<>(chunk.writes());
            for (RequestLogEntry entry : pending) {
                writes.add(TransactWriteItem.builder().put(marker(entry, markerCondition)).build());
            }
            chunk.deltas().forEach((key, delta) ->
                    writes.add(TransactWriteItem.builder().update(update(key, delta, 1)).build()));
            try {
                dynamoDb.transactWriteItems(r -> r.transactItems(writes));
                return pending.size();
            } catch (TransactionCanceledException e) {
                pending = withoutRefusedMarkers(pending, e);
            } catch (SdkException e) {
                throw SdkErrors.translate(e);
            }
        }
        return 0;
    }

    private Put marker(RequestLogEntry entry, String condition) {
        return Put.builder().tableName(table)
                .item(Map.of(ROLLUP, AttributeValue.fromS(APPLIED_PREFIX + entry.requestId()),
                        BUCKET, AttributeValue.fromS("-"),
                        EXPIRES_AT, number(clock.instant().plus(MARKER_LIFETIME).getEpochSecond())))
                .conditionExpression(condition)
                .expressionAttributeNames(Map.of("#rollup", ROLLUP)).build();
    }

    /**
     * The entries whose marker the cancelled transaction did not refuse. A cancellation for any
     * other reason (a conflict, a throttle, a validation error) is a failure, not a redelivery.
     */
    private static List<RequestLogEntry> withoutRefusedMarkers(List<RequestLogEntry> pending,
            TransactionCanceledException e) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        List<RequestLogEntry> rest = new ArrayList<>();
        for (int i = 0; i < reasons.size(); i++) {
            String code = reasons.get(i).code();
            boolean marker = i < pending.size();
            if (marker && CONDITION_FAILED.equals(code)) {
                continue; // applied before: a redelivery
            }
            if (code != null && !NONE.equals(code)) {
                throw SdkErrors.translate(e);
            }
            if (marker) {
                rest.add(pending.get(i));
            }
        }
        if (reasons.isEmpty() || rest.size() == pending.size()) {
            throw SdkErrors.translate(e);
        }
        return rest;
    }

    @Override
    public boolean remove(RequestLogEntry entry) {
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(TransactWriteItem.builder().delete(Delete.builder().tableName(logTable)
                .key(Map.of(DynamoDbRequestLog.REQUEST_ID, AttributeValue.fromS(entry.requestId())))
                .conditionExpression("attribute_exists(#id)")
                .expressionAttributeNames(Map.of("#id", DynamoDbRequestLog.REQUEST_ID)).build()).build());
        RollupChunk.of(List.of(entry)).deltas().forEach((key, delta) ->
                writes.add(TransactWriteItem.builder().update(update(key, delta, -1)).build()));
        try {
            dynamoDb.transactWriteItems(r -> r.transactItems(writes));
            return true;
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
            if (!reasons.isEmpty() && CONDITION_FAILED.equals(reasons.get(0).code())) {
                return false;
            }
            throw SdkErrors.translate(e);
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    /** Adds {@code sign} times {@code delta} to the rollup {@code key}, and renews its expiry. */
    private Update update(RollupKey key, Rollup delta, int sign) {
        Map<String, String> names = new LinkedHashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> adds = new ArrayList<>();
        add(adds, names, values, REQUESTS, number(sign * delta.requests()));
        add(adds, names, values, ERRORS_4XX, number(sign * delta.clientErrors()));
        add(adds, names, values, ERRORS_5XX, number(sign * delta.serverErrors()));
        add(adds, names, values, TIME_SUM, AttributeValue.fromN(String.format(Locale.ROOT, "%.6f",
                sign * delta.processingTimeSum())));
        add(adds, names, values, INPUT_SIZE_SUM, number(sign * delta.inputSizeSum()));
        add(adds, names, values, IMAGES, number(sign * delta.images()));
        add(adds, names, values, IMAGE_WIDTH_SUM, number(sign * delta.imageWidthSum()));
        add(adds, names, values, IMAGE_HEIGHT_SUM, number(sign * delta.imageHeightSum()));
        delta.processingTimes().buckets().forEach((bucket, count) ->
                add(adds, names, values, sketchAttribute(bucket), number(sign * count)));
        names.put("#expires", EXPIRES_AT);
        values.put(":expires", number(key.hour().plus(retention).plus(Duration.ofDays(1)).getEpochSecond()));
        return Update.builder().tableName(table).key(key(key.dimension(), key.hour(), key.group()))
                .updateExpression("ADD " + String.join(", ", adds) + " SET #expires = :expires")
                .expressionAttributeNames(names).expressionAttributeValues(values).build();
    }

    private static void add(List<String> adds, Map<String, String> names, Map<String, AttributeValue> values,
            String attribute, AttributeValue value) {
        int i = adds.size();
        names.put("#a" + i, attribute);
        values.put(":a" + i, value);
        adds.add("#a" + i + " :a" + i);
    }

    static String sketchAttribute(int bucket) {
        return SKETCH_PREFIX + (bucket == LogSketch.ZERO_BUCKET ? "z" : Integer.toString(bucket));
    }

    private static Map<String, AttributeValue> key(Dimension dimension, Instant hour, String group) {
        String at = hour.atOffset(ZoneOffset.UTC).toString();
        return Map.of(ROLLUP, AttributeValue.fromS(dimension.apiName() + "#" + at.substring(0, 10)),
                BUCKET, AttributeValue.fromS(at.substring(11, 13) + "#" + group));
    }

    @Override
    public Map<Instant, Map<String, Rollup>> read(Dimension dimension, Instant from, Instant to, ReadBudget budget) {
        Map<Instant, Map<String, Rollup>> hours = new TreeMap<>();
        Instant first = from.truncatedTo(ChronoUnit.HOURS).equals(from) ? from
                : from.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        if (!to.isAfter(first)) {
            return hours;
        }
        Instant last = to.minusNanos(1).truncatedTo(ChronoUnit.HOURS);
        // One query (or a few pages) per day, independent of each other: sent a few at a time, so a
        // year's range costs a fraction of a year of round trips.
        List<Future<Map<Instant, Map<String, Rollup>>>> days = new ArrayList<>();
        for (LocalDate day = day(first); !day.isAfter(day(last)); day = day.plusDays(1)) {
            LocalDate current = day;
            String low = day.equals(day(first)) ? hourOf(first) : "00";
            String high = day.equals(day(last)) ? hourOf(last) : "23";
            days.add(DAY_READERS.submit(() -> {
                Map<Instant, Map<String, Rollup>> read = new TreeMap<>();
                readDay(dimension, current, low, high, read, budget);
                return read;
            }));
        }
        try {
            for (Future<Map<Instant, Map<String, Rollup>>> day : days) {
                hours.putAll(day.get());
            }
            return hours;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SdkException sdk) {
                throw SdkErrors.translate(sdk);
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailable("interrupted while reading the rollups");
        } finally {
            days.forEach(day -> day.cancel(true));
        }
    }

    private void readDay(Dimension dimension, LocalDate day, String lowHour, String highHour,
            Map<Instant, Map<String, Rollup>> hours, ReadBudget budget) {
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder request = QueryRequest.builder().tableName(table)
                    .keyConditionExpression("#rollup = :rollup AND #bucket BETWEEN :low AND :high")
                    .expressionAttributeNames(Map.of("#rollup", ROLLUP, "#bucket", BUCKET))
                    .expressionAttributeValues(Map.of(":rollup", AttributeValue.fromS(dimension.apiName() + "#" + day),
                            ":low", AttributeValue.fromS(lowHour + "#"),
                            ":high", AttributeValue.fromS(highHour + "#\uffff")));
            if (start != null) {
                request.exclusiveStartKey(start);
            }
            budget.beforeRequest();
            QueryResponse response = dynamoDb.query(request.build());
            budget.read(response.count());
            for (Map<String, AttributeValue> item : response.items()) {
                String bucket = item.get(BUCKET).s();
                Instant hour = day.atStartOfDay(ZoneOffset.UTC).toInstant()
                        .plus(Duration.ofHours(Integer.parseInt(bucket.substring(0, 2))));
                hours.computeIfAbsent(hour, h -> new TreeMap<>()).put(bucket.substring(3), rollupOf(item));
            }
            start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey() : null;
        } while (start != null);
    }

    static Rollup rollupOf(Map<String, AttributeValue> item) {
        Rollup rollup = Rollup.of(longOf(item, REQUESTS), longOf(item, ERRORS_4XX), longOf(item, ERRORS_5XX),
                item.containsKey(TIME_SUM) ? Double.parseDouble(item.get(TIME_SUM).n()) : 0,
                longOf(item, INPUT_SIZE_SUM), longOf(item, IMAGES), longOf(item, IMAGE_WIDTH_SUM),
                longOf(item, IMAGE_HEIGHT_SUM));
        item.forEach((name, value) -> {
            if (name.startsWith(SKETCH_PREFIX) && value.n() != null) {
                String index = name.substring(SKETCH_PREFIX.length());
                rollup.processingTimes().add(index.equals("z") ? LogSketch.ZERO_BUCKET : Integer.parseInt(index),
                        Long.parseLong(value.n()));
            }
        });
        return rollup;
    }

    private static long longOf(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? Long.parseLong(item.get(name).n()) : 0;
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static LocalDate day(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC).toLocalDate();
    }

    private static String hourOf(Instant instant) {
        return String.format(Locale.ROOT, "%02d", instant.atOffset(ZoneOffset.UTC).getHour());
    }
}
