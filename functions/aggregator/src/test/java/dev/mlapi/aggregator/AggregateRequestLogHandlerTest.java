package dev.mlapi.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import dev.mlapi.core.aws.DynamoDbRequestHistory;
import dev.mlapi.core.requestlog.HistoryDeletion;
import dev.mlapi.core.requestlog.HistoryQuery;
import dev.mlapi.core.requestlog.HistorySlice;
import dev.mlapi.core.requestlog.RequestHistory;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.aws.DynamoDbRequestRollups;
import dev.mlapi.core.rollup.RollupKey;
import dev.mlapi.core.testkit.StreamEvents;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import java.nio.file.Path;
import dev.mlapi.core.rollup.Dimension;
import dev.mlapi.core.rollup.LogSketch;
import dev.mlapi.core.rollup.RequestRollups;
import dev.mlapi.core.rollup.ReadBudget;
import dev.mlapi.core.rollup.Rollup;
import dev.mlapi.core.rollup.Tier;
import java.time.temporal.ChronoUnit;
import org.assertj.core.data.Offset;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The aggregator through its Lambda handler, on the sample stream event, against DynamoDB Local. */
class AggregateRequestLogHandlerTest {

    private static final Path SAMPLE = Path.of("../../events/aggregator-request-log-stream.json");

    private TestStack stack;
    private RequestRollups rollups;

    @BeforeEach
    void start() {
        stack = TestStack.start();
        rollups = stack.wiring().requestRollups();
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    private static DynamodbEvent sample() {
        return EventLoader.loadDynamoDbEvent(SAMPLE.toString());
    }

    /** Everything rolled up for one UTC day. */
    private Rollup day(String day) {
        Instant start = LocalDate.parse(day).atStartOfDay(ZoneOffset.UTC).toInstant();
        Rollup total = Rollup.of(0, 0, 0, 0, 0, 0, 0, 0);
        rollups.read(Dimension.ALL, start, start.plus(Duration.ofDays(1))).values()
                .forEach(groups -> groups.values().forEach(total::merge));
        return total;
    }

    @Test
    void handleRequest_rollsUpRequestsErrorsTimesAndSizesPerHourAndGroup() {
        StreamsEventResponse response = new AggregateRequestLogHandler(stack.wiring()).handleRequest(sample(), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        Rollup first = day("2026-11-30");
        assertThat(first.requests()).isEqualTo(2);
        assertThat(first.clientErrors()).isEqualTo(1);
        assertThat(first.serverErrors()).isZero();
        assertThat(first.processingTimeSum()).isCloseTo(0.0353, Offset.offset(1e-9));
        assertThat(first.inputSizeSum()).isEqualTo(2 * 48213);
        assertThat(first.processingTimes().max()).isCloseTo(0.0312, Offset.offset(0.0312 * LogSketch.RELATIVE_ERROR));
        Rollup second = day("2026-12-01");
        assertThat(second.requests()).isEqualTo(2);
        assertThat(second.serverErrors()).isEqualTo(1);
        Instant hour = Instant.parse("2026-12-01T00:00:00Z");
        assertThat(rollups.read(Dimension.STATUS, hour, hour.plus(Duration.ofHours(1))).get(hour))
                .containsOnlyKeys("200", "503");
        assertThat(rollups.read(Dimension.USER, hour, hour.plus(Duration.ofHours(1))).get(hour).get("alice").requests())
                .isEqualTo(2);
    }

    @Test
    void handleRequest_refusedOrInvalidImageUrls_areCountedButNeverGroupedByUrl() {
        Instant at = Instant.parse("2026-11-30T10:15:00Z");
        String cat = "https://example.com/cat.jpg";
        String page = "https://example.com/page.html";
        List<RequestLogEntry> entries = List.of(
                classification(at, cat, 200),
                classification(at, page, 422),
                classification(at, "REDACTED", 400),
                classification(at, "<html><body><img src=x></body></html>", 400),
                classification(at, cat + "\r\nX-Injected: 1", 400),
                classification(at, "http://169.254.169.254/latest/meta-data", 400),
                classification(at, "javascript:alert(1)", 200));

        assertThat(new AggregateRequestLogHandler(stack.wiring()).handleRequest(eventOf(entries, 0), null)
                .getBatchItemFailures()).isEmpty();

        Instant hour = Instant.parse("2026-11-30T10:00:00Z");
        Map<String, Rollup> byUrl = rollups.read(Dimension.IMAGE_URL, hour, hour.plus(Duration.ofHours(1))).get(hour);
        assertThat(byUrl).containsOnlyKeys(cat, page);
        assertThat(byUrl.get(cat).requests()).isEqualTo(1);
        assertThat(byUrl.get(cat).clientErrors()).isZero();
        assertThat(byUrl.get(page).requests()).isEqualTo(1);
        assertThat(byUrl.get(page).clientErrors()).isEqualTo(1);
        Rollup all = day("2026-11-30");
        assertThat(all.requests()).isEqualTo(entries.size());
        assertThat(all.clientErrors()).isEqualTo(5);
    }

    private static RequestLogEntry classification(Instant at, String imageUrl, int status) {
        return new RequestLogEntry(UUID.randomUUID().toString(), at, "POST /classify", "POST", "/classify",
                Optional.of("alice"), status, 0.02, 1000, Optional.of(imageUrl), Optional.empty(), Optional.empty(),
                Optional.of("mobilenetv2:1"), Optional.empty(), Optional.empty(), Optional.empty(),
                at.plus(Duration.ofDays(90)));
    }

    /**
     * The served version and its role travel in the log's stream record; the aggregator counts each
     * request a model served under its version ({@code model_version}), and no other request there.
     */
    @Test
    void handleRequest_whenEntriesCarryTheServedVersion_rollsThemUpPerVersion() {
        Instant at = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).minus(Duration.ofMinutes(5));
        List<RequestLogEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            boolean canary = i % 4 == 0;
            entries.add(new RequestLogEntry(UUID.randomUUID().toString(), at.plusSeconds(i), "POST /predict", "POST",
                    "/predict", Optional.of("alice"), canary && i > 0 ? 500 : 200, 0.01 * (i + 1), 50,
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(canary ? "iris:2" : "iris:1"),
                    Optional.of("setosa"), Optional.empty(), Optional.empty(), at.plus(Duration.ofDays(90)),
                    Optional.of(canary ? "canary" : "stable")));
        }
        entries.add(new RequestLogEntry(UUID.randomUUID().toString(), at, "GET /models/{name}/versions/{version}",
                "GET", "/models/iris/versions/1", Optional.of("alice"), 200, 0.002, 0, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.of("iris:1"), Optional.empty(), Optional.empty(),
                Optional.empty(), at.plus(Duration.ofDays(90))));

        AggregateRequestLogHandler handler = new AggregateRequestLogHandler(stack.wiring());
        assertThat(handler.handleRequest(eventOf(entries, 0), null).getBatchItemFailures()).isEmpty();

        Map<String, Rollup> versions = new java.util.TreeMap<>();
        rollups.read(Tier.MINUTE, Dimension.MODEL_VERSION, at, at.plus(Duration.ofMinutes(1)), ReadBudget.unlimited())
                .values().forEach(groups -> groups.forEach((group, r) -> versions.merge(group, r, Rollup::merge)));
        assertThat(versions.keySet()).containsExactly("iris:1", "iris:2");
        assertThat(versions.get("iris:1").requests()).as("not the models route").isEqualTo(9);
        assertThat(versions.get("iris:2").requests()).isEqualTo(3);
        assertThat(versions.get("iris:2").serverErrors()).isEqualTo(2);
        assertThat(versions.get("iris:2").maxProcessingTime()).isCloseTo(0.09, Offset.offset(1e-9));
        Map<String, Rollup> models = new java.util.TreeMap<>();
        rollups.read(Tier.HOUR, Dimension.MODEL, Tier.HOUR.floor(at), Tier.HOUR.floor(at).plus(Duration.ofHours(1)),
                ReadBudget.unlimited()).values().forEach(groups -> groups.forEach((g, r) -> models.merge(g, r, Rollup::merge)));
        assertThat(models.get("iris:1").requests()).as("the model dimension as before").isEqualTo(10);
    }

    @Test
    void handleRequest_replayingTheSameBatch_changesNothing() {
        AggregateRequestLogHandler handler = new AggregateRequestLogHandler(stack.wiring());
        handler.handleRequest(sample(), null);
        Rollup before = day("2026-11-30");

        assertThat(handler.handleRequest(sample(), null).getBatchItemFailures()).isEmpty();

        Rollup after = day("2026-11-30");
        assertThat(after.requests()).isEqualTo(before.requests()).isEqualTo(2);
        assertThat(after.processingTimeSum()).isEqualTo(before.processingTimeSum());
        assertThat(after.processingTimes().buckets()).isEqualTo(before.processingTimes().buckets());
        assertThat(day("2026-12-01").requests()).isEqualTo(2);
    }

    @Test
    void handleRequest_whenAWriteFails_reportsThatRecord_andARetryCountsEachRequestOnce() {
        // Fault injection: the batch's one transaction fails once, as a throttled write would.
        AggregateRequestLogHandler handler = new AggregateRequestLogHandler(
                new RequestLogAggregator(rollupsFailingTransaction(1)));

        StreamsEventResponse first = handler.handleRequest(sample(), null);
        assertThat(first.getBatchItemFailures()).extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly("111000000000000000001");

        assertThat(handler.handleRequest(sample(), null).getBatchItemFailures()).isEmpty();
        assertThat(day("2026-11-30").requests()).isEqualTo(2);
        assertThat(day("2026-12-01").requests()).isEqualTo(2);
    }

    @Test
    void handleRequest_mergesABatchIntoFewTransactions_andTotalsAreExactPerGroup() {
        List<RequestLogEntry> entries = entries(600, 1);
        AtomicInteger transactions = new AtomicInteger();
        RequestLogAggregator aggregator = new RequestLogAggregator(rollupsOver(countingTransactions(transactions)));

        assertThat(new AggregateRequestLogHandler(aggregator).handleRequest(eventOf(entries, 0), null)
                .getBatchItemFailures()).isEmpty();

        assertThat(transactions.get()).as("dozens of entries a transaction, not one").isLessThan(600 / 10);
        assertExactRollups(entries);
    }

    @Test
    void handleRequest_aBatchAppliedTwice_countsOnce() {
        List<RequestLogEntry> entries = entries(300, 2);
        AggregateRequestLogHandler handler = new AggregateRequestLogHandler(stack.wiring());
        handler.handleRequest(eventOf(entries, 0), null);

        assertThat(handler.handleRequest(eventOf(entries, 0), null).getBatchItemFailures()).isEmpty();

        assertExactRollups(entries);
    }

    @Test
    void handleRequest_aBatchHalfAppliedBefore_countsEachEntryOnce() {
        List<RequestLogEntry> entries = entries(300, 3);
        AggregateRequestLogHandler handler = new AggregateRequestLogHandler(stack.wiring());
        handler.handleRequest(eventOf(entries.subList(0, 200), 0), null);

        // Half old (100..199), half new (200..299), interleaved so every chunk holds both.
        List<RequestLogEntry> overlapping = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            overlapping.add(entries.get(100 + i));
            overlapping.add(entries.get(200 + i));
        }
        assertThat(handler.handleRequest(eventOf(overlapping, 0), null).getBatchItemFailures()).isEmpty();

        assertExactRollups(entries);
    }

    @Test
    void handleRequest_whenTheSecondTransactionFails_reportsItsFirstRecord_andRedeliveryFromThereIsExact() {
        List<RequestLogEntry> entries = entries(500, 4);
        DynamodbEvent event = eventOf(entries, 0);
        RequestLogAggregator crashing = new RequestLogAggregator(rollupsFailingTransaction(2));

        StreamsEventResponse response = new AggregateRequestLogHandler(crashing).handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).hasSize(1);
        String failed = response.getBatchItemFailures().get(0).getItemIdentifier();
        int from = 0;
        while (!event.getRecords().get(from).getDynamodb().getSequenceNumber().equals(failed)) {
            from++;
        }
        assertThat(from).as("the first chunk went through, the second did not").isBetween(1, 499);
        assertThat(day(entries.get(0).createdAt().toString().substring(0, 10)).requests()
                + day(entries.get(499).createdAt().toString().substring(0, 10)).requests())
                .isGreaterThan(0);
        // Lambda redelivers from the reported record.
        DynamodbEvent retry = eventOf(entries.subList(from, entries.size()), from);
        assertThat(new AggregateRequestLogHandler(stack.wiring()).handleRequest(retry, null).getBatchItemFailures())
                .isEmpty();

        assertExactRollups(entries);
    }

    @Test
    void handleRequest_recentEntries_areRolledUpPerMinuteHourAndDay_exactlyOnce_withExactMinAndMax() {
        // Within the last 48 hours, so every tier is kept; spread over two hours (and maybe two days).
        Instant start = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofHours(3));
        List<RequestLogEntry> entries = entries(400, 5, start, Duration.ofHours(2));
        List<Integer> transactionSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
        DynamoDbClient counting = new ThrottlingDynamoDb(stack.wiring().dynamoDb()).throttle(request -> {
            if (request instanceof TransactWriteItemsRequest transaction) {
                transactionSizes.add(transaction.transactItems().size());
            }
            return false;
        });
        AggregateRequestLogHandler handler = new AggregateRequestLogHandler(new RequestLogAggregator(rollupsOver(counting)));
        handler.handleRequest(eventOf(entries.subList(0, 300), 0), null);

        // Redelivered: the first 300 again, with the 100 that were never sent.
        assertThat(handler.handleRequest(eventOf(entries, 0), null).getBatchItemFailures()).isEmpty();

        assertThat(transactionSizes).as("every transaction within DynamoDB's 100 items").allMatch(size -> size <= 100);
        for (Tier tier : Tier.values()) {
            assertExactRollups(entries, tier, start.minus(Duration.ofDays(1)), start.plus(Duration.ofDays(2)));
        }
    }

    @Test
    void handleRequest_ignoresRemovalsAndRecordsItCannotRead() {
        DynamodbEvent event = sample();
        event.getRecords().get(0).setEventName("REMOVE");
        event.getRecords().get(1).getDynamodb().getNewImage().remove("status_code");

        assertThat(new AggregateRequestLogHandler(stack.wiring()).handleRequest(event, null).getBatchItemFailures())
                .isEmpty();

        assertThat(day("2026-11-30").requests()).isZero();
        assertThat(day("2026-12-01").requests()).isEqualTo(2);
    }

    @Test
    void handleRequest_withAHistoryDeletion_removesTheEntriesItCovers_andMarksItComplete() {
        Instant now = Instant.now();
        String old = logEntry(now.minus(Duration.ofDays(2)), "alice");
        rollups.apply(stack.wiring().requestHistory().find(old).orElseThrow());
        assertThat(day(LocalDate.now(ZoneOffset.UTC).minusDays(2).toString()).requests()).isEqualTo(1);
        String recent = logEntry(now.minus(Duration.ofHours(1)), "alice");
        RequestHistory history = stack.wiring().requestHistory();
        history.requestDeletion(new HistoryDeletion("d1", now.minus(Duration.ofDays(1)), Optional.empty(), now,
                "root", false));
        DynamodbEvent event = sample();
        event.setRecords(List.of(streamRecordOf(DynamoDbRequestHistory.DELETION_ID_PREFIX + "d1", "INSERT")));

        assertThat(new AggregateRequestLogHandler(stack.wiring()).handleRequest(event, null).getBatchItemFailures())
                .isEmpty();

        assertThat(stored(old)).isFalse();
        assertThat(stored(recent)).isTrue();
        // The rollups lose exactly the removed entry (it had been rolled up from its insert).
        assertThat(day(LocalDate.now(ZoneOffset.UTC).minusDays(2).toString()).requests()).isZero();
        assertThat(history.deletions()).singleElement().extracting(HistoryDeletion::completed).isEqualTo(true);
        // The completion arrives as a MODIFY record: nothing more to do, nothing counted.
        event.setRecords(List.of(streamRecordOf(DynamoDbRequestHistory.DELETION_ID_PREFIX + "d1", "MODIFY")));
        assertThat(new AggregateRequestLogHandler(stack.wiring()).handleRequest(event, null).getBatchItemFailures())
                .isEmpty();
        assertThat(day(LocalDate.now(ZoneOffset.UTC).toString()).requests()).isZero();
    }

    @Test
    void handleRequest_whenAPurgeFails_reportsTheDeletionRecord_soItIsRetried() {
        Instant now = Instant.now();
        stack.wiring().requestHistory().requestDeletion(new HistoryDeletion("d2", now, Optional.of("alice"), now,
                "alice", false));
        RequestHistory failing = new DelegatingHistory(stack.wiring().requestHistory()) {
            @Override
            public boolean purge(HistoryDeletion deletion, Duration budget) {
                throw new IllegalStateException("injected: storage unavailable");
            }
        };
        RequestLogAggregator aggregator = new RequestLogAggregator(rollups,
                Optional.of(new HistoryPurges(failing, Duration.ofSeconds(5))));
        DynamodbEvent event = sample();
        List<DynamodbEvent.DynamodbStreamRecord> records = new java.util.ArrayList<>(event.getRecords().subList(0, 2));
        records.add(streamRecordOf(DynamoDbRequestHistory.DELETION_ID_PREFIX + "d2", "INSERT"));
        event.setRecords(records);

        StreamsEventResponse response = new AggregateRequestLogHandler(aggregator).handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly(records.get(2).getDynamodb().getSequenceNumber());
        assertThat(day("2026-11-30").requests()).as("the entries before it are rolled up").isEqualTo(2);
    }

    private String logEntry(Instant at, String user) {
        String id = UUID.randomUUID().toString();
        stack.wiring().requestLog().record(new RequestLogEntry(id, at, "POST /classify", "POST", "/classify",
                Optional.of(user), 200, 0.02, 10, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), at.plus(Duration.ofDays(90))));
        return id;
    }

    private Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item(String requestId) {
        return stack.wiring().dynamoDb().getItem(r -> r.tableName(stack.config().requestLogTable())
                .key(Map.of("request_id", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(requestId))))
                .item();
    }

    private boolean stored(String requestId) {
        var item = item(requestId);
        return item != null && !item.isEmpty();
    }

    /** The stream record DynamoDB would send for the table's item {@code requestId} (NEW_IMAGE view). */
    private DynamodbEvent.DynamodbStreamRecord streamRecordOf(String requestId, String eventName) {
        Map<String, AttributeValue> image = new HashMap<>();
        item(requestId).forEach((name, value) -> image.put(name, value.s() != null ? new AttributeValue().withS(value.s())
                : value.n() != null ? new AttributeValue().withN(value.n()) : new AttributeValue().withBOOL(value.bool())));
        DynamodbEvent.DynamodbStreamRecord record = sample().getRecords().get(0);
        record.setEventName(eventName);
        record.getDynamodb().setNewImage(image);
        record.getDynamodb().setSequenceNumber("999000000000000000" + (eventName.equals("INSERT") ? "1" : "2"));
        return record;
    }

    /** {@code count} requests over two hours, 4 routes, 40 users, 300 image URLs, some errors, log-normal times. */
    private static List<RequestLogEntry> entries(int count, long seed) {
        return entries(count, seed, Instant.parse("2026-11-30T23:10:00Z"), Duration.ofHours(2));
    }

    /** {@code count} requests from {@code start} over {@code span}, as {@link #entries(int, long)}. */
    private static List<RequestLogEntry> entries(int count, long seed, Instant start, Duration span) {
        java.util.Random random = new java.util.Random(seed);
        String[] routes = {"POST /classify", "POST /auth/login", "GET /health", "GET /models"};
        List<RequestLogEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            Instant at = start.plusMillis(i * span.toMillis() / count);
            String route = routes[random.nextInt(routes.length)];
            boolean classify = route.startsWith("POST /classify");
            double seconds = Math.round(Math.exp(Math.log(0.03) + 0.8 * random.nextGaussian()) * 1e6) / 1e6;
            int status = random.nextInt(10) == 0 ? 404 : random.nextInt(30) == 0 ? 503 : 200;
            entries.add(new RequestLogEntry(UUID.randomUUID().toString(), at, route, route.split(" ")[0],
                    route.split(" ")[1], Optional.of("user" + random.nextInt(40)), status, seconds,
                    random.nextInt(100_000), classify ? Optional.of("https://example.com/" + random.nextInt(300) + ".jpg")
                            : Optional.empty(), classify ? Optional.of(224 + random.nextInt(800)) : Optional.empty(),
                    classify ? Optional.of(224 + random.nextInt(600)) : Optional.empty(),
                    classify ? Optional.of("mobilenetv2:1") : Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), at.plus(Duration.ofDays(90))));
        }
        return entries;
    }

    /** The stream event of these entries' inserts, as the log writes them, sequence numbers from {@code first}. */
    private static DynamodbEvent eventOf(List<RequestLogEntry> entries, int first) {
        List<DynamodbEvent.DynamodbStreamRecord> records = new java.util.ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            records.add(StreamEvents.insertOf(DynamoDbRequestLog.toItem(entries.get(i)),
                    List.of(DynamoDbRequestLog.REQUEST_ID), first + i + 1));
        }
        return StreamEvents.eventOf(records);
    }

    /** Every stored rollup equals the exact sums of the entries in its group and hour; nothing else is stored. */
    private void assertExactRollups(List<RequestLogEntry> entries) {
        Instant from = Instant.parse("2026-11-30T00:00:00Z");
        assertExactRollups(entries, Tier.HOUR, from, from.plus(Duration.ofDays(2)));
    }

    /**
     * Every stored rollup of {@code tier} in {@code [from, to)} equals the exact sums of the entries
     * in its group and bucket, its min and max exactly theirs; nothing else is stored.
     */
    private void assertExactRollups(List<RequestLogEntry> entries, Tier tier, Instant from, Instant to) {
        Map<RollupKey, List<RequestLogEntry>> groups = new HashMap<>();
        for (RequestLogEntry entry : entries) {
            RollupKey.of(entry, List.of(tier))
                    .forEach(key -> groups.computeIfAbsent(key, k -> new java.util.ArrayList<>()).add(entry));
        }
        int stored = 0;
        for (Dimension dimension : Dimension.values()) {
            for (var hour : rollups.read(tier, dimension, from, to, ReadBudget.unlimited()).entrySet()) {
                for (var group : hour.getValue().entrySet()) {
                    stored++;
                    List<RequestLogEntry> exact = groups.get(new RollupKey(tier, dimension, hour.getKey(), group.getKey()));
                    assertThat(exact).as("%s %s %s has entries", dimension, hour.getKey(), group.getKey()).isNotNull();
                    Rollup rollup = group.getValue();
                    assertThat(rollup.requests()).isEqualTo(exact.size());
                    assertThat(rollup.clientErrors()).isEqualTo(exact.stream().filter(e -> e.statusCode() / 100 == 4).count());
                    assertThat(rollup.serverErrors()).isEqualTo(exact.stream().filter(e -> e.statusCode() / 100 == 5).count());
                    assertThat(rollup.processingTimeSum()).isCloseTo(
                            exact.stream().mapToDouble(RequestLogEntry::processingTime).sum(), Offset.offset(1e-6));
                    assertThat(rollup.inputSizeSum()).isEqualTo(exact.stream().mapToLong(RequestLogEntry::inputSize).sum());
                    assertThat(rollup.imageWidthSum()).isEqualTo(
                            exact.stream().mapToLong(e -> e.imageWidth().orElse(0)).sum());
                    LogSketch sketch = new LogSketch();
                    exact.forEach(e -> sketch.addValue(e.processingTime()));
                    assertThat(rollup.processingTimes().buckets()).isEqualTo(sketch.buckets());
                    double min = exact.stream().mapToDouble(RequestLogEntry::processingTime).min().orElseThrow();
                    double max = exact.stream().mapToDouble(RequestLogEntry::processingTime).max().orElseThrow();
                    assertThat(rollup.minProcessingTime()).isEqualTo(min);
                    assertThat(rollup.maxProcessingTime()).isEqualTo(max);
                }
            }
        }
        assertThat(stored).as("one stored rollup per group and %s", tier.apiName()).isEqualTo(groups.size());
    }

    /** The real rollup adapter, over DynamoDB Local through {@code client}. */
    private RequestRollups rollupsOver(DynamoDbClient client) {
        return new DynamoDbRequestRollups(client, stack.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS),
                stack.config().requestLogTable(), stack.config().requestLogRetention(), java.time.Clock.systemUTC());
    }

    /** The real adapter whose {@code n}th transaction fails as a throttled one does; every other reaches DynamoDB Local. */
    private RequestRollups rollupsFailingTransaction(int n) {
        AtomicInteger transactions = new AtomicInteger();
        return rollupsOver(new ThrottlingDynamoDb(stack.wiring().dynamoDb()).throttle(request ->
                request instanceof TransactWriteItemsRequest && transactions.incrementAndGet() == n));
    }

    /** DynamoDB Local, counting the transactions sent to it. */
    private DynamoDbClient countingTransactions(AtomicInteger transactions) {
        return new ThrottlingDynamoDb(stack.wiring().dynamoDb()).throttle(request -> {
            if (request instanceof TransactWriteItemsRequest) {
                transactions.incrementAndGet();
            }
            return false;
        });
    }

    /** A history that forwards every call: tests override the one they break. */
    private static class DelegatingHistory implements RequestHistory {
        private final RequestHistory delegate;

        DelegatingHistory(RequestHistory delegate) {
            this.delegate = delegate;
        }

        @Override
        public HistorySlice list(HistoryQuery query) {
            return delegate.list(query);
        }

        @Override
        public Optional<RequestLogEntry> find(String requestId) {
            return delegate.find(requestId);
        }

        @Override
        public void requestDeletion(HistoryDeletion deletion) {
            delegate.requestDeletion(deletion);
        }

        @Override
        public List<HistoryDeletion> deletions() {
            return delegate.deletions();
        }

        @Override
        public boolean purge(HistoryDeletion deletion, Duration budget) {
            return delegate.purge(deletion, budget);
        }
    }
}
