package dev.mlapi.core.aws;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.requestlog.RequestLog;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * {@link RequestLog} on a DynamoDB table keyed by request id, with a {@code by_day} index
 * ({@code day}, {@code created_at}) so history, report and stats read a time range with queries,
 * not scans; items expire through TTL after the configured retention.
 */
public final class DynamoDbRequestLog implements RequestLog {

    public static final String REQUEST_ID = TableCatalog.REQUEST_LOG.partitionKey();
    public static final String CREATED_AT = TableCatalog.REQUEST_LOG.indexes().get(0).sortKey();
    public static final String DAY = TableCatalog.REQUEST_LOG.indexes().get(0).partitionKey();
    public static final String ROUTE = "route";
    public static final String METHOD = "method";
    public static final String PATH = "path";
    public static final String USER = "user";
    public static final String STATUS_CODE = "status_code";
    public static final String PROCESSING_TIME = "processing_time";
    public static final String INPUT_SIZE = "input_size";
    public static final String IMAGE_URL = "image_url";
    public static final String IMAGE_WIDTH = "image_width";
    public static final String IMAGE_HEIGHT = "image_height";
    public static final String MODEL = "model";
    public static final String RESULT = "result";
    public static final String MODEL_ROLE = "model_role";
    public static final String INPUT_COUNTS = "input_counts";
    public static final String ERROR_MESSAGE = "error_message";
    public static final String SOURCE_IP = "source_ip";
    public static final String EXPIRES_AT = TableCatalog.REQUEST_LOG.ttlAttribute().orElseThrow();
    public static final String BY_DAY_INDEX = TableCatalog.REQUEST_LOG_BY_DAY;
    public static final String BY_USER_INDEX = TableCatalog.REQUEST_LOG_BY_USER;

    /**
     * Creation times are written with a fixed width (microseconds, always six digits), so their
     * string order, which the indexes sort by, is their time order.
     */
    public static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss").appendFraction(ChronoField.MICRO_OF_SECOND, 6, 6, true)
            .appendLiteral('Z').toFormatter(Locale.ROOT).withZone(ZoneOffset.UTC);

    /** The most writes one BatchWriteItem call may carry. */
    public static final int BATCH_WRITE_LIMIT = 25;
    private static final int BATCH_WRITE_ATTEMPTS = 8;

    private static final SecureRandom SUFFIXES = new SecureRandom();

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbRequestLog(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    /**
     * Stores {@code entry} once. The same entry written again (a retried write) is stored once; a
     * different request under an id already taken (a caller may choose its {@code X-Request-Id}) is
     * stored too, under that id with a random suffix, so no caller can keep a request out of the log.
     */
    @Override
    public void record(RequestLogEntry entry) {
        RequestLogEntry toStore = entry;
        for (int attempt = 1; ; attempt++) {
            if (putIfAbsent(toStore) || isStored(toStore) || attempt == 3) {
                return;
            }
            toStore = entry.withRequestId(entry.requestId() + "-" + randomSuffix());
        }
    }

    private boolean putIfAbsent(RequestLogEntry entry) {
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(toItem(entry))
                    .conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", REQUEST_ID)));
            return true;
        } catch (ConditionalCheckFailedException taken) {
            return false;
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    /** Whether the item under {@code entry}'s id is this very entry (same creation time, route and user). */
    private boolean isStored(RequestLogEntry entry) {
        try {
            Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                    .key(Map.of(REQUEST_ID, s(entry.requestId())))).item();
            if (item == null || item.isEmpty()) {
                return false;
            }
            RequestLogEntry stored = fromItem(item);
            return timestamp(stored.createdAt()).equals(timestamp(entry.createdAt())) && stored.route().equals(entry.route())
                    && stored.user().equals(entry.user());
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    private static String randomSuffix() {
        byte[] bytes = new byte[6];
        SUFFIXES.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Writes {@code entries} with BatchWriteItem, {@value #BATCH_WRITE_LIMIT} a call, sending again
     * what DynamoDB leaves unprocessed: for bulk loads (benchmarks) of entries known to be new.
     * Unlike {@link #record}, the writes are unconditional: an id written before is overwritten.
     */
    public void recordAll(List<RequestLogEntry> entries) {
        try {
            for (int from = 0; from < entries.size(); from += BATCH_WRITE_LIMIT) {
                List<WriteRequest> writes = entries.subList(from, Math.min(entries.size(), from + BATCH_WRITE_LIMIT))
                        .stream().map(e -> WriteRequest.builder().putRequest(p -> p.item(toItem(e))).build()).toList();
                Map<String, List<WriteRequest>> pending = Map.of(table, writes);
                for (int attempt = 1; !pending.isEmpty(); attempt++) {
                    if (attempt > BATCH_WRITE_ATTEMPTS) {
                        throw new ServiceUnavailable("DynamoDB left request-log writes unprocessed "
                                + BATCH_WRITE_ATTEMPTS + " times; retry shortly");
                    }
                    Map<String, List<WriteRequest>> request = pending;
                    if (attempt > 1) {
                        // Unprocessed items mean the table is at capacity: back off before resending.
                        sleep(Duration.ofMillis(Math.min(1000, 25L << attempt)));
                    }
                    BatchWriteItemResponse response = dynamoDb.batchWriteItem(r -> r.requestItems(request));
                    pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
                }
            }
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailable("interrupted while writing the request log");
        }
    }

    /** The same PutItem under a condition no item can meet: DynamoDB refuses it and stores nothing (no stream record). */
    @Override
    public void rehearse(RequestLogEntry entry) {
        try {
            dynamoDb.putItem(r -> r.tableName(table).item(toItem(entry))
                    .conditionExpression("attribute_exists(#id) AND attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", REQUEST_ID)));
            throw new IllegalStateException("a rehearsed request-log write was stored: " + entry.requestId());
        } catch (ConditionalCheckFailedException expected) {
            // the rehearsal's outcome: marshalled, signed, sent, refused
        } catch (SdkException e) {
            throw SdkErrors.translate(e);
        }
    }

    /** The item {@link #record} writes for {@code e} (and its stream record carries as new image). */
    public static Map<String, AttributeValue> toItem(RequestLogEntry e) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(REQUEST_ID, s(e.requestId()));
        item.put(CREATED_AT, s(timestamp(e.createdAt())));
        item.put(DAY, s(e.createdAt().atOffset(ZoneOffset.UTC).toLocalDate().toString()));
        item.put(ROUTE, s(e.route()));
        item.put(METHOD, s(e.method()));
        item.put(PATH, s(e.path()));
        e.user().ifPresent(v -> item.put(USER, s(v)));
        item.put(STATUS_CODE, n(e.statusCode()));
        item.put(PROCESSING_TIME, AttributeValue.fromN(String.format(Locale.ROOT, "%.6f", e.processingTime())));
        item.put(INPUT_SIZE, n(e.inputSize()));
        e.imageUrl().ifPresent(v -> item.put(IMAGE_URL, s(v)));
        e.imageWidth().ifPresent(v -> item.put(IMAGE_WIDTH, n(v)));
        e.imageHeight().ifPresent(v -> item.put(IMAGE_HEIGHT, n(v)));
        e.model().ifPresent(v -> item.put(MODEL, s(v)));
        e.result().ifPresent(v -> item.put(RESULT, s(v)));
        e.modelRole().ifPresent(v -> item.put(MODEL_ROLE, s(v)));
        e.inputCounts().ifPresent(v -> item.put(INPUT_COUNTS, s(v)));
        e.errorMessage().ifPresent(v -> item.put(ERROR_MESSAGE, s(v)));
        e.sourceIp().ifPresent(v -> item.put(SOURCE_IP, s(v)));
        item.put(EXPIRES_AT, n(e.expiresAt().getEpochSecond()));
        return item;
    }

    /** {@code instant} as the log writes creation times: fixed width, so string order is time order. */
    public static String timestamp(Instant instant) {
        return TIMESTAMP.format(instant);
    }

    /** The entry an item of this table holds (the inverse of what {@link #record} writes). */
    public static RequestLogEntry fromItem(Map<String, AttributeValue> item) {
        return new RequestLogEntry(
                item.get(REQUEST_ID).s(),
                Instant.parse(item.get(CREATED_AT).s()),
                string(item, ROUTE).orElse(""),
                string(item, METHOD).orElse(""),
                string(item, PATH).orElse(""),
                string(item, USER),
                number(item, STATUS_CODE).map(Double::intValue).orElse(0),
                number(item, PROCESSING_TIME).orElse(0.0),
                number(item, INPUT_SIZE).map(Double::longValue).orElse(0L),
                string(item, IMAGE_URL),
                number(item, IMAGE_WIDTH).map(Double::intValue),
                number(item, IMAGE_HEIGHT).map(Double::intValue),
                string(item, MODEL),
                string(item, RESULT),
                string(item, ERROR_MESSAGE),
                string(item, SOURCE_IP),
                number(item, EXPIRES_AT).map(v -> Instant.ofEpochSecond(v.longValue())).orElse(Instant.MAX),
                string(item, MODEL_ROLE),
                string(item, INPUT_COUNTS));
    }

    private static Optional<String> string(Map<String, AttributeValue> item, String name) {
        return Optional.ofNullable(item.get(name)).map(AttributeValue::s);
    }

    private static Optional<Double> number(Map<String, AttributeValue> item, String name) {
        return Optional.ofNullable(item.get(name)).map(AttributeValue::n).map(Double::parseDouble);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
