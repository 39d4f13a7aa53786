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
import dev.mlapi.core.rollup.Tier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import java.math.BigDecimal;
import java.util.Collection;

/**
 * {@link RequestRollups} on the table of {@link TableCatalog#REQUEST_ROLLUPS}. One item per tier,
 * dimension, bucket and group: per hour, partition {@code <dimension>#<day>} and sort key
 * {@code <HH>#<group>} (as always); per minute, {@code <dimension>#minute#<day>T<HH>} and
 * {@code <mm>#<group>}; per day, {@code <dimension>#day#<yyyy-MM>} and {@code <dd>#<group>}. So an
 * hour of minutes, a day of hours or a month of days of one dimension is one query, and reads never
 * depend on how many requests were logged. Each item expires ({@code expires_at}) when its tier
 * stops being kept ({@link Tier#expiry}): minutes after 48 hours, hours after 90 days, days with
 * the log's retention. An entry counts only in the tiers still kept for its time.
 *
 * <p>Min and max are exact: each item keeps {@code processing_time_min}/{@code _max}. DynamoDB has
 * no min() in an update, so a chunk first reads the bounds of the items it touches (one
 * BatchGetItem) and its transaction sets only the bounds it lowers or raises, each on the condition
 * that the stored bound is still less extreme; a concurrent writer that moved it cancels the
 * transaction (nothing written) and the chunk reads and writes again.
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
    public static final String TIME_MIN = "processing_time_min";
    public static final String TIME_MAX = "processing_time_max";
    /** Sketch bucket counters are attributes {@code q<index>} ({@code qz} for zero). */
    public static final String SKETCH_PREFIX = "q";
    public static final String APPLIED_PREFIX = "applied#";
    /** A replay can come while the stream keeps the record: 24 hours. */
    static final Duration MARKER_LIFETIME = Duration.ofDays(2);
    /** The most items one {@code TransactWriteItems} may hold (DynamoDB and DynamoDB Local alike). */
    static final int MAX_TRANSACTION_ITEMS = 100;
    /** The most keys one {@code BatchGetItem} may ask for. */
    private static final int MAX_BATCH_GET_KEYS = 100;
    private static final String MARKER_ABSENT = "attribute_not_exists(#rollup)";
    private static final String CONDITION_FAILED = "ConditionalCheckFailed";
    private static final String NONE = "None";

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final String logTable;
    private final Duration retention;
    private final Clock clock;
    private final List<Tier> tiers;

    /** Rollups in {@code table} of the request log in {@code logTable}, in every tier. */
    public DynamoDbRequestRollups(DynamoDbClient dynamoDb, String table, String logTable, Duration retention,
            Clock clock) {
        this(dynamoDb, table, logTable, retention, clock, List.of(Tier.values()));
    }

    /** As the public constructor, writing only {@code tiers} (a benchmark compares one tier with three). */
    public DynamoDbRequestRollups(DynamoDbClient dynamoDb, String table, String logTable, Duration retention,
            Clock clock, List<Tier> tiers) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.logTable = logTable;
        this.retention = retention;
        this.clock = clock;
        this.tiers = List.copyOf(tiers);
    }

    /** The rollups {@code entry} counts in: every written tier still kept for its time. */
    private List<RollupKey> keysOf(RequestLogEntry entry) {
        Instant now = clock.instant();
        return RollupKey.of(entry, tiers.stream()
                .filter(tier -> tier.expiry(tier.floor(entry.createdAt()), retention).isAfter(now)).toList());
    }

    @Override
    public int applyAll(List<RequestLogEntry> entries) {
        int done = 0;
        int applied = 0;
        for (RollupChunk chunk : RollupChunk.plan(entries, MAX_TRANSACTION_ITEMS, tiers.size(), this::keysOf)) {
            try {
                applied += write(chunk.entries(), MARKER_ABSENT);
            } catch (RuntimeException e) {
                throw new RollupsIncomplete(done, e);
            }
            done += chunk.entries().size();
        }
        return applied;
    }

    /**
     * Adds already merged rollups (with exact bounds), {@value #MAX_TRANSACTION_ITEMS} updates a
     * transaction, through the same item updates {@link #applyAll} sends, but with no markers: not
     * exactly once. For backfilling rollups from the log and for benchmarks that need millions of
     * requests' rollups faster than the stream would bring them.
     */
    public void seed(Map<RollupKey, Rollup> merged) {
        List<Map.Entry<RollupKey, Rollup>> all = new ArrayList<>(merged.entrySet());
        for (int from = 0; from < all.size(); from += MAX_TRANSACTION_ITEMS) {
            List<Map.Entry<RollupKey, Rollup>> part = all.subList(from, Math.min(all.size(), from + MAX_TRANSACTION_ITEMS));
            Map<RollupKey, Stored> stored = storedBounds(part.stream().map(Map.Entry::getKey).toList());
            List<TransactWriteItem> writes = part.stream().map(e -> TransactWriteItem.builder()
                    .update(update(e.getKey(), e.getValue(), 1, stored.get(e.getKey()))).build()).toList();
            try {
                dynamoDb.transactWriteItems(r -> r.transactItems(writes));
            } catch (SdkException e) {
                throw SdkErrors.translate(e);
            }
        }
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
     * and the rest written again without them; a bound moved by a concurrent writer is read again.
     * Returns how many were written.
     */
    private int write(List<RequestLogEntry> entries, String markerCondition) {
        List<RequestLogEntry> pending = entries;
        while (!pending.isEmpty()) {
            RollupChunk chunk = RollupChunk.of(pending, this::keysOf);
            Map<RollupKey, Stored> stored = storedBounds(chunk.deltas().keySet());
            List<TransactWriteItem> writes = new ArrayList<>(chunk.writes());
            for (RequestLogEntry entry : pending) {
                writes.add(TransactWriteItem.builder().put(marker(entry, markerCondition)).build());
            }
            chunk.deltas().forEach((key, delta) ->
                    writes.add(TransactWriteItem.builder().update(update(key, delta, 1, stored.get(key))).build()));
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

    /** What an item holds before a chunk's write: whether it exists, and its exact bounds if it keeps them. */
    private record Stored(boolean exists, Optional<Double> min, Optional<Double> max) {
        static final Stored ABSENT = new Stored(false, Optional.empty(), Optional.empty());
    }

    /** The stored bounds of {@code keys}' items, by BatchGetItem (strongly consistent: the next write is conditioned on them). */
    private Map<RollupKey, Stored> storedBounds(Collection<RollupKey> keys) {
        Map<Map<String, AttributeValue>, RollupKey> byItemKey = new HashMap<>();
        keys.forEach(key -> byItemKey.put(key(key), key));
        Map<RollupKey, Stored> stored = new HashMap<>();
        keys.forEach(key -> stored.put(key, Stored.ABSENT));
        List<Map<String, AttributeValue>> all = new ArrayList<>(byItemKey.keySet());
        try {
            for (int from = 0; from < all.size(); from += MAX_BATCH_GET_KEYS) {
                Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder()
                        .keys(all.subList(from, Math.min(all.size(), from + MAX_BATCH_GET_KEYS)))
                        .consistentRead(true)
                        .projectionExpression("#rollup, #bucket, #requests, #min, #max")
                        .expressionAttributeNames(Map.of("#rollup", ROLLUP, "#bucket", BUCKET, "#requests", REQUESTS,
                                "#min", TIME_MIN, "#max", TIME_MAX)).build());
                while (!request.isEmpty()) {
                    BatchGetItemResponse response = dynamoDb.batchGetItem(BatchGetItemRequest.builder()
                            .requestItems(request).build());
                    for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                        RollupKey key = byItemKey.get(Map.of(ROLLUP, item.get(ROLLUP), BUCKET, item.get(BUCKET)));
                        if (key != null) {
                            stored.put(key, new Stored(true, doubleOf(item, TIME_MIN), doubleOf(item, TIME_MAX)));
                        }
                    }
                    request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                }
            }
            return stored;
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    private static Optional<Double> doubleOf(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? Optional.empty() : Optional.of(Double.parseDouble(value.n()));
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
     * The entries to write again after a cancelled transaction: without those whose marker was
     * refused (applied before: a redelivery); all of them when only a bound was refused (a
     * concurrent writer moved it: read it again). A cancellation for any other reason (a conflict,
     * a throttle, a validation error) is a failure.
     */
    private static List<RequestLogEntry> withoutRefusedMarkers(List<RequestLogEntry> pending,
            TransactionCanceledException e) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        List<RequestLogEntry> rest = new ArrayList<>();
        boolean boundMoved = false;
        for (int i = 0; i < reasons.size(); i++) {
            String code = reasons.get(i).code();
            boolean marker = i < pending.size();
            if (CONDITION_FAILED.equals(code)) {
                if (!marker) {
                    boundMoved = true;
                }
                continue; // a marker: applied before, a redelivery
            }
            if (code != null && !NONE.equals(code)) {
                throw SdkErrors.translate(e);
            }
            if (marker) {
                rest.add(pending.get(i));
            }
        }
        if (reasons.isEmpty() || (rest.size() == pending.size() && !boundMoved)) {
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
        // The bounds stay: a removed entry cannot be taken out of a min or max (see the class comment).
        RollupChunk.of(List.of(entry), this::keysOf).deltas().forEach((key, delta) ->
                writes.add(TransactWriteItem.builder().update(update(key, delta, -1, Stored.ABSENT)).build()));
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

    /**
     * Adds {@code sign} times {@code delta} to the rollup {@code key}, and renews its expiry. When
     * adding, it lowers or raises the stored bounds that {@code delta}'s pass, on the condition that
     * they still do; an item that exists without bounds (written before they were kept) gets none.
     */
    private Update update(RollupKey key, Rollup delta, int sign, Stored stored) {
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
        values.put(":expires", number(key.tier().expiry(key.start(), retention).getEpochSecond()));
        List<String> sets = new ArrayList<>(List.of("#expires = :expires"));
        List<String> conditions = new ArrayList<>();
        boolean bounded = !stored.exists() || stored.min().isPresent();
        if (sign > 0 && delta.hasBounds() && bounded) {
            if (stored.min().map(min -> delta.minProcessingTime() < min).orElse(true)) {
                names.put("#min", TIME_MIN);
                values.put(":min", decimal(delta.minProcessingTime()));
                sets.add("#min = :min");
                conditions.add("(attribute_not_exists(#min) OR #min > :min)");
            }
            if (stored.max().map(max -> delta.maxProcessingTime() > max).orElse(true)) {
                names.put("#max", TIME_MAX);
                values.put(":max", decimal(delta.maxProcessingTime()));
                sets.add("#max = :max");
                conditions.add("(attribute_not_exists(#max) OR #max < :max)");
            }
        }
        Update.Builder update = Update.builder().tableName(table).key(key(key))
                .updateExpression("ADD " + String.join(", ", adds) + " SET " + String.join(", ", sets))
                .expressionAttributeNames(names).expressionAttributeValues(values);
        if (!conditions.isEmpty()) {
            update.conditionExpression(String.join(" AND ", conditions));
        }
        return update.build();
    }

    private static AttributeValue decimal(double value) {
        return AttributeValue.fromN(BigDecimal.valueOf(value).toPlainString());
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

    /** The item key of a rollup: see the class comment. */
    static Map<String, AttributeValue> key(RollupKey key) {
        return Map.of(ROLLUP, AttributeValue.fromS(partition(key.tier(), key.dimension(), key.start())),
                BUCKET, AttributeValue.fromS(String.format(Locale.ROOT, "%02d#%s", number(key.tier(), key.start()),
                        key.group())));
    }

    /** The partition of a tier's bucket: an hour of minutes, a day of hours, a month of days. */
    private static String partition(Tier tier, Dimension dimension, Instant start) {
        String at = start.atOffset(ZoneOffset.UTC).toString();
        return switch (tier) {
            case MINUTE -> dimension.apiName() + "#minute#" + at.substring(0, 13);
            case HOUR -> dimension.apiName() + "#" + at.substring(0, 10);
            case DAY -> dimension.apiName() + "#day#" + at.substring(0, 7);
        };
    }

    /** Where a partition starts: the start of the hour, the day or the month {@code start} falls in. */
    private static ZonedDateTime partitionStart(Tier tier, Instant start) {
        ZonedDateTime at = start.atZone(ZoneOffset.UTC);
        return switch (tier) {
            case MINUTE -> at.truncatedTo(ChronoUnit.HOURS);
            case HOUR -> at.truncatedTo(ChronoUnit.DAYS);
            case DAY -> at.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
        };
    }

    private static ZonedDateTime nextPartition(Tier tier, ZonedDateTime partition) {
        return switch (tier) {
            case MINUTE -> partition.plusHours(1);
            case HOUR -> partition.plusDays(1);
            case DAY -> partition.plusMonths(1);
        };
    }

    /** A bucket's number in its partition: the minute, the hour, the day of the month. */
    private static int number(Tier tier, Instant start) {
        ZonedDateTime at = start.atZone(ZoneOffset.UTC);
        return switch (tier) {
            case MINUTE -> at.getMinute();
            case HOUR -> at.getHour();
            case DAY -> at.getDayOfMonth();
        };
    }

    private static Instant bucketStart(Tier tier, ZonedDateTime partition, int number) {
        return switch (tier) {
            case MINUTE -> partition.plusMinutes(number).toInstant();
            case HOUR -> partition.plusHours(number).toInstant();
            case DAY -> partition.plusDays(number - 1L).toInstant();
        };
    }

    @Override
    public Map<Instant, Map<String, Rollup>> read(Tier tier, Dimension dimension, Instant from, Instant to,
            ReadBudget budget) {
        Map<Instant, Map<String, Rollup>> buckets = new TreeMap<>();
        Instant first = tier.ceil(from);
        if (!to.isAfter(first)) {
            return buckets;
        }
        Instant last = tier.floor(to.minusNanos(1));
        // One query (or a few pages) per partition, independent of each other: sent a few at a time,
        // so a long range costs a fraction of its partitions' round trips.
        List<Future<Map<Instant, Map<String, Rollup>>>> partitions = new ArrayList<>();
        ZonedDateTime lastPartition = partitionStart(tier, last);
        for (ZonedDateTime partition = partitionStart(tier, first); !partition.isAfter(lastPartition);
                partition = nextPartition(tier, partition)) {
            ZonedDateTime current = partition;
            int low = current.equals(partitionStart(tier, first)) ? number(tier, first) : 0;
            int high = current.equals(lastPartition) ? number(tier, last) : 99;
            partitions.add(DAY_READERS.submit(() -> {
                Map<Instant, Map<String, Rollup>> read = new TreeMap<>();
                readPartition(tier, dimension, current, low, high, read, budget);
                return read;
            }));
        }
        try {
            for (Future<Map<Instant, Map<String, Rollup>>> partition : partitions) {
                buckets.putAll(partition.get());
            }
            return buckets;
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
            partitions.forEach(partition -> partition.cancel(true));
        }
    }

    private void readPartition(Tier tier, Dimension dimension, ZonedDateTime partition, int low, int high,
            Map<Instant, Map<String, Rollup>> buckets, ReadBudget budget) {
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder request = QueryRequest.builder().tableName(table)
                    .keyConditionExpression("#rollup = :rollup AND #bucket BETWEEN :low AND :high")
                    .expressionAttributeNames(Map.of("#rollup", ROLLUP, "#bucket", BUCKET))
                    .expressionAttributeValues(Map.of(
                            ":rollup", AttributeValue.fromS(partition(tier, dimension, partition.toInstant())),
                            ":low", AttributeValue.fromS(String.format(Locale.ROOT, "%02d#", low)),
                            ":high", AttributeValue.fromS(String.format(Locale.ROOT, "%02d#\uffff", high))));
            if (start != null) {
                request.exclusiveStartKey(start);
            }
            budget.beforeRequest();
            QueryResponse response = dynamoDb.query(request.build());
            budget.read(response.count());
            for (Map<String, AttributeValue> item : response.items()) {
                String bucket = item.get(BUCKET).s();
                Instant at = bucketStart(tier, partition, Integer.parseInt(bucket.substring(0, 2)));
                buckets.computeIfAbsent(at, h -> new TreeMap<>()).put(bucket.substring(3), rollupOf(item));
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
        Optional<Double> min = doubleOf(item, TIME_MIN);
        Optional<Double> max = doubleOf(item, TIME_MAX);
        // Items written before bounds were kept: the sketch's bounds (within its 1%) stand in.
        return rollup.withBounds(min.orElse(rollup.processingTimes().min()), max.orElse(rollup.processingTimes().max()));
    }

    private static long longOf(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? Long.parseLong(item.get(name).n()) : 0;
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
