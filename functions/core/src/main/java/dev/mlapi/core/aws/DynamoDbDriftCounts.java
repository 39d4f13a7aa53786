package dev.mlapi.core.aws;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.drift.DriftCounts;
import dev.mlapi.core.drift.InputCounts;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.rollup.RollupsIncomplete;
import dev.mlapi.core.rollup.Tier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link DriftCounts} in the table of {@link TableCatalog#REQUEST_ROLLUPS}, beside the rollups:
 * partition {@code drift#<name:version>#<baseline id>}, sort key {@code <yyyy-MM-ddTHH>#<group>},
 * one item per hour and group of {@value #GROUP} features, a counter {@code f<feature>b<bucket>}
 * per bucket (so an update adds at most 220 counters and its expression stays far under
 * DynamoDB's 4 KB). A window of one version is one query; the items expire with the hourly
 * rollups ({@link Tier#HOUR}).
 *
 * <p>Exactly once, as the rollups are ({@link DynamoDbRequestRollups}), with markers of its own:
 * entries go a chunk at a time into one transaction that puts a marker {@code drift-applied#<id>}
 * per entry, only if absent, and adds the chunk's summed counts; a replayed entry's marker is
 * refused, the transaction cancelled whole, and the chunk written again without it. Counting
 * never reads an item first, so it takes PutItem and UpdateItem only.
 */
public final class DynamoDbDriftCounts implements DriftCounts {

    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbDriftCounts.class);

    /** Features per item. */
    static final int GROUP = 10;
    static final String PARTITION_PREFIX = "drift#";
    static final String APPLIED_PREFIX = "drift-applied#";
    private static final int MAX_TRANSACTION_ITEMS = DynamoDbRequestRollups.MAX_TRANSACTION_ITEMS;
    private static final String CONDITION_FAILED = "ConditionalCheckFailed";
    private static final String NONE = "None";
    private static final Pattern COUNTER = Pattern.compile("f(\\d{1,3})b(\\d{1,3})");

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;
    private final Clock clock;

    /** Counts in {@code table} (the rollups'), kept as long as hourly rollups are within {@code retention}. */
    public DynamoDbDriftCounts(DynamoDbClient dynamoDb, String table, Duration retention, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
        this.clock = clock;
    }

    /** One item's key: a version's baseline, an hour, a group of features. */
    private record ItemKey(String partition, Instant hour, int group) {
    }

    /** An entry with counts to add, read once. */
    private record Counted(RequestLogEntry entry, String partition, Instant hour, InputCounts counts) {
    }

    @Override
    public int applyAll(List<RequestLogEntry> entries) {
        int added = 0;
        List<Counted> chunk = new ArrayList<>();
        int chunkFirst = 0; // the index of the chunk's first entry: every entry before it is done
        Set<String> ids = new HashSet<>();
        Set<ItemKey> keys = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            Optional<Counted> counted = counted(entries.get(i));
            if (counted.isEmpty()) {
                continue;
            }
            Set<ItemKey> touched = keysOf(counted.get());
            Set<ItemKey> union = new HashSet<>(keys);
            union.addAll(touched);
            if (!chunk.isEmpty() && (ids.contains(counted.get().entry().requestId())
                    || chunk.size() + 1 + union.size() > MAX_TRANSACTION_ITEMS)) {
                added += write(chunk, chunkFirst);
                chunk.clear();
                ids.clear();
                union = touched;
            }
            if (chunk.isEmpty()) {
                chunkFirst = i;
            }
            chunk.add(counted.get());
            ids.add(counted.get().entry().requestId());
            keys = union;
        }
        if (!chunk.isEmpty()) {
            added += write(chunk, chunkFirst);
        }
        return added;
    }

    /** The entry's counts, if it has any to add (a served 2xx prediction with readable counts within the limits). */
    private Optional<Counted> counted(RequestLogEntry entry) {
        if (entry.inputCounts().isEmpty() || entry.servedVersion().isEmpty() || entry.statusCode() / 100 != 2) {
            return Optional.empty();
        }
        try {
            InputCounts counts = InputCounts.parse(entry.inputCounts().get());
            if (!counts.withinLimits()) {
                throw new IllegalArgumentException("more than " + InputCounts.MAX_FEATURES + " features or "
                        + InputCounts.MAX_BUCKETS + " buckets");
            }
            return Optional.of(new Counted(entry, partition(entry.servedVersion().get(), counts.baselineId()),
                    Tier.HOUR.floor(entry.createdAt()), counts));
        } catch (RuntimeException malformed) {
            // Counts that can never be added must not stop the stream: log them and go on.
            LOG.warn("skipping the input counts of request {}: {}", entry.requestId(), malformed.toString());
            return Optional.empty();
        }
    }

    private static Set<ItemKey> keysOf(Counted counted) {
        Set<ItemKey> keys = new HashSet<>();
        for (int f = 0; f < counted.counts().features().size(); f++) {
            if (!counted.counts().features().get(f).isEmpty()) {
                keys.add(new ItemKey(counted.partition(), counted.hour(), f / GROUP));
            }
        }
        return keys;
    }

    /**
     * Writes a chunk's markers and summed counts as one transaction; entries whose marker is
     * refused (added before) are dropped and the rest written again. Returns how many were added.
     */
    private int write(List<Counted> chunk, int done) {
        List<Counted> pending = new ArrayList<>(chunk);
        try {
            while (!pending.isEmpty()) {
                List<TransactWriteItem> writes = new ArrayList<>();
                for (Counted counted : pending) {
                    writes.add(TransactWriteItem.builder().put(marker(counted.entry())).build());
                }
                sums(pending).forEach((key, counters) ->
                        writes.add(TransactWriteItem.builder().update(update(key, counters)).build()));
                try {
                    dynamoDb.transactWriteItems(r -> r.transactItems(writes));
                    return pending.size();
                } catch (TransactionCanceledException e) {
                    pending = withoutRefusedMarkers(pending, e);
                }
            }
            return 0;
        } catch (SdkException e) {
            throw new RollupsIncomplete(done, SdkErrors.translate(e));
        } catch (RuntimeException e) {
            throw new RollupsIncomplete(done, e);
        }
    }

    /** Per item, the counters the entries add to it: {@code f<feature>b<bucket>} to the sum. */
    private static Map<ItemKey, Map<String, Long>> sums(List<Counted> entries) {
        Map<ItemKey, Map<String, Long>> sums = new LinkedHashMap<>();
        for (Counted counted : entries) {
            List<Map<Integer, Long>> features = counted.counts().features();
            for (int f = 0; f < features.size(); f++) {
                if (features.get(f).isEmpty()) {
                    continue;
                }
                Map<String, Long> counters = sums.computeIfAbsent(
                        new ItemKey(counted.partition(), counted.hour(), f / GROUP), k -> new TreeMap<>());
                int feature = f;
                features.get(f).forEach((bucket, count) -> counters.merge(counter(feature, bucket), count, Long::sum));
            }
        }
        return sums;
    }

    private static List<Counted> withoutRefusedMarkers(List<Counted> pending, TransactionCanceledException e) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        List<Counted> rest = new ArrayList<>();
        for (int i = 0; i < reasons.size(); i++) {
            String code = reasons.get(i).code();
            boolean marker = i < pending.size();
            if (marker && CONDITION_FAILED.equals(code)) {
                continue; // added before: a redelivery
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

    private Put marker(RequestLogEntry entry) {
        return Put.builder().tableName(table)
                .item(Map.of(DynamoDbRequestRollups.ROLLUP, AttributeValue.fromS(APPLIED_PREFIX + entry.requestId()),
                        DynamoDbRequestRollups.BUCKET, AttributeValue.fromS("-"),
                        DynamoDbRequestRollups.EXPIRES_AT, number(clock.instant()
                                .plus(DynamoDbRequestRollups.MARKER_LIFETIME).getEpochSecond())))
                .conditionExpression("attribute_not_exists(#rollup)")
                .expressionAttributeNames(Map.of("#rollup", DynamoDbRequestRollups.ROLLUP)).build();
    }

    private Update update(ItemKey key, Map<String, Long> counters) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> adds = new ArrayList<>(counters.size());
        counters.forEach((counter, count) -> {
            int i = adds.size();
            names.put("#a" + i, counter);
            values.put(":a" + i, number(count));
            adds.add("#a" + i + " :a" + i);
        });
        names.put("#expires", DynamoDbRequestRollups.EXPIRES_AT);
        values.put(":expires", number(Tier.HOUR.expiry(key.hour(), retention).getEpochSecond()));
        return Update.builder().tableName(table).key(Map.of(
                        DynamoDbRequestRollups.ROLLUP, AttributeValue.fromS(key.partition()),
                        DynamoDbRequestRollups.BUCKET, AttributeValue.fromS(hour(key.hour())
                                + String.format(Locale.ROOT, "#%02d", key.group()))))
                .updateExpression("ADD " + String.join(", ", adds) + " SET #expires = :expires")
                .expressionAttributeNames(names).expressionAttributeValues(values).build();
    }

    @Override
    public InputCounts read(String modelVersion, String baselineId, Instant from, Instant to) {
        InputCounts sum = InputCounts.empty(baselineId, 0);
        Instant first = Tier.HOUR.ceil(from);
        if (!to.isAfter(first)) {
            return sum;
        }
        Instant last = Tier.HOUR.floor(to.minusNanos(1));
        Map<String, AttributeValue> start = null;
        try {
            do {
                QueryRequest.Builder request = QueryRequest.builder().tableName(table)
                        .keyConditionExpression("#rollup = :rollup AND #bucket BETWEEN :low AND :high")
                        .expressionAttributeNames(Map.of("#rollup", DynamoDbRequestRollups.ROLLUP,
                                "#bucket", DynamoDbRequestRollups.BUCKET))
                        .expressionAttributeValues(Map.of(
                                ":rollup", AttributeValue.fromS(partition(modelVersion, baselineId)),
                                ":low", AttributeValue.fromS(hour(first) + "#"),
                                ":high", AttributeValue.fromS(hour(last) + "#\uffff")));
                if (start != null) {
                    request.exclusiveStartKey(start);
                }
                QueryResponse response = dynamoDb.query(request.build());
                for (Map<String, AttributeValue> item : response.items()) {
                    sum = sum.plus(countsOf(baselineId, item));
                }
                start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                        ? response.lastEvaluatedKey() : null;
            } while (start != null);
            return sum;
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    /** The counters of one item as counts (features it does not hold are empty). */
    private static InputCounts countsOf(String baselineId, Map<String, AttributeValue> item) {
        List<Map<Integer, Long>> features = new ArrayList<>();
        item.forEach((name, value) -> {
            Matcher counter = COUNTER.matcher(name);
            if (counter.matches() && value.n() != null) {
                int feature = Integer.parseInt(counter.group(1));
                int bucket = Integer.parseInt(counter.group(2));
                while (features.size() <= feature) {
                    features.add(new TreeMap<>());
                }
                features.get(feature).merge(bucket, Long.parseLong(value.n()), Long::sum);
            }
        });
        return new InputCounts(baselineId, features);
    }

    static String partition(String modelVersion, String baselineId) {
        return PARTITION_PREFIX + modelVersion + "#" + baselineId;
    }

    static String counter(int feature, int bucket) {
        return "f" + feature + "b" + bucket;
    }

    private static String hour(Instant hour) {
        return hour.atOffset(ZoneOffset.UTC).toString().substring(0, 13);
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
