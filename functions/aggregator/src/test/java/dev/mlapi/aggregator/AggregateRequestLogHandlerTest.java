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
import dev.mlapi.core.testkit.TestStack;
import java.nio.file.Path;
import dev.mlapi.core.rollup.Dimension;
import dev.mlapi.core.rollup.LogSketch;
import dev.mlapi.core.rollup.RequestRollups;
import dev.mlapi.core.rollup.Rollup;
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
        AtomicInteger writes = new AtomicInteger();
        // Fault injection: the third entry's transaction fails, as a throttled write would.
        RequestRollups failingOnce = new RequestRollups() {
            @Override
            public boolean apply(RequestLogEntry entry) {
                if (writes.incrementAndGet() == 3) {
                    throw new IllegalStateException("injected: storage unavailable");
                }
                return rollups.apply(entry);
            }

            @Override
            public boolean remove(RequestLogEntry entry) {
                return rollups.remove(entry);
            }

            @Override
            public Map<Instant, Map<String, Rollup>> read(Dimension dimension, Instant from, Instant to) {
                return rollups.read(dimension, from, to);
            }
        };
        AggregateRequestLogHandler handler = new AggregateRequestLogHandler(new RequestLogAggregator(failingOnce));

        StreamsEventResponse first = handler.handleRequest(sample(), null);
        assertThat(first.getBatchItemFailures()).extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly("111000000000000000003");

        // Lambda retries from the reported record: records 3 and 4.
        DynamodbEvent retry = sample();
        retry.setRecords(List.copyOf(retry.getRecords().subList(2, 4)));
        assertThat(handler.handleRequest(retry, null).getBatchItemFailures()).isEmpty();

        assertThat(day("2026-11-30").requests()).isEqualTo(2);
        assertThat(day("2026-12-01").requests()).isEqualTo(2);
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
