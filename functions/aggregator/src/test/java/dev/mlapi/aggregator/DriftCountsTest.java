package dev.mlapi.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.aws.DynamoDbDriftCounts;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.drift.DriftCounts;
import dev.mlapi.core.drift.InputCounts;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.testkit.StreamEvents;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * The served inputs' bucket counts, added up per version and hour by the aggregator from the log's
 * stream, against DynamoDB Local: exact sums, each entry once however often it is delivered.
 */
class DriftCountsTest {

    private static final Instant HOUR = Instant.parse("2026-12-01T10:00:00Z");

    private TestStack stack;

    @BeforeEach
    void start() {
        stack = TestStack.start();
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    private static RequestLogEntry prediction(Instant at, String model, int status, Optional<String> counts) {
        return new RequestLogEntry(UUID.randomUUID().toString(), at, "POST /predict", "POST", "/predict",
                Optional.of("alice"), status, 0.004, 120, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(model), Optional.of("setosa"), Optional.empty(), Optional.empty(), at.plus(Duration.ofDays(30)),
                Optional.of("stable"), counts);
    }

    /** {@code rows} random rows over {@code features} features of 11 buckets. */
    private static InputCounts randomCounts(Random random, int features, int rows) {
        long[][] counts = new long[features][11];
        for (int r = 0; r < rows; r++) {
            for (int f = 0; f < features; f++) {
                counts[f][random.nextInt(11)]++;
            }
        }
        return InputCounts.of("b1", counts);
    }

    private static DynamodbEvent eventOf(List<RequestLogEntry> entries) {
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            records.add(StreamEvents.insertOf(DynamoDbRequestLog.toItem(entries.get(i)),
                    List.of(DynamoDbRequestLog.REQUEST_ID), i + 1));
        }
        return StreamEvents.eventOf(records);
    }

    private DynamoDbDriftCounts countsOver(DynamoDbClient client) {
        return new DynamoDbDriftCounts(client, stack.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS),
                stack.config().requestLogRetention(), Clock.systemUTC());
    }

    @Test
    void handleRequest_addsUpTheInputCountsPerVersionAndHour_onlyOfServedPredictions_exactlyOnce() {
        List<RequestLogEntry> entries = new ArrayList<>();
        entries.add(prediction(HOUR.plusSeconds(5), "iris:1", 200, Optional.of("b1|0;2;1")));
        entries.add(prediction(HOUR.plusSeconds(9), "iris:1", 200, Optional.of("b1|0,4;2,3;1:2")));
        entries.add(prediction(HOUR.plusSeconds(60 * 70), "iris:1", 200, Optional.of("b1|5;5;5"))); // the next hour
        entries.add(prediction(HOUR.plusSeconds(20), "iris:2", 200, Optional.of("b1|7;7;7"))); // another version
        entries.add(prediction(HOUR.plusSeconds(30), "iris:1", 500, Optional.of("b1|9;9;9"))); // not answered
        entries.add(prediction(HOUR.plusSeconds(40), "iris:1", 200, Optional.of("b1|x;;"))); // unreadable: skipped
        entries.add(prediction(HOUR.plusSeconds(50), "iris:1", 200, Optional.empty())); // no baseline
        AggregateRequestLogHandler handler = new AggregateRequestLogHandler(stack.wiring());

        assertThat(handler.handleRequest(eventOf(entries), null).getBatchItemFailures()).isEmpty();
        assertThat(handler.handleRequest(eventOf(entries), null).getBatchItemFailures()).isEmpty(); // redelivered

        DriftCounts counts = countsOver(stack.wiring().dynamoDb());
        InputCounts firstHour = counts.read("iris:1", "b1", HOUR, HOUR.plus(Duration.ofHours(1)));
        assertThat(firstHour.rows()).isEqualTo(3);
        assertThat(firstHour.dense(0, 6)).containsExactly(2, 0, 0, 0, 1, 0);
        assertThat(firstHour.dense(1, 6)).containsExactly(0, 0, 2, 1, 0, 0);
        assertThat(firstHour.dense(2, 6)).containsExactly(0, 3, 0, 0, 0, 0);
        assertThat(counts.read("iris:1", "b1", HOUR, HOUR.plus(Duration.ofHours(2))).rows()).isEqualTo(4);
        assertThat(counts.read("iris:2", "b1", HOUR, HOUR.plus(Duration.ofHours(2))).dense(0, 8))
                .containsExactly(0, 0, 0, 0, 0, 0, 0, 1);
        assertThat(counts.read("iris:1", "other-baseline", HOUR, HOUR.plus(Duration.ofHours(2))).rows()).isZero();
    }

    @Test
    void handleRequest_whenACountsWriteFails_reportsItsFirstRecord_andARetryCountsEachEntryOnce() {
        Random random = new Random(7);
        List<RequestLogEntry> entries = new ArrayList<>();
        InputCounts expected = InputCounts.empty("b1", 0);
        for (int i = 0; i < 120; i++) {
            // 100 features: 10 items an hour; a marker each: 120 entries need several transactions
            InputCounts counts = randomCounts(random, 100, 1 + random.nextInt(5));
            entries.add(prediction(HOUR.plusSeconds(i * 97L), "wide:3", 200, Optional.of(counts.encode())));
            expected = expected.plus(counts);
        }
        AtomicInteger driftTransactions = new AtomicInteger();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        ThrottlingDynamoDb dynamoDb = new ThrottlingDynamoDb(stack.wiring().dynamoDb()).throttle(request -> {
            if (request instanceof TransactWriteItemsRequest t && t.transactItems().get(0).put() != null
                    && t.transactItems().get(0).put().item().get("rollup").s().startsWith("drift-applied#")) {
                sizes.add(t.transactItems().size());
                return driftTransactions.incrementAndGet() == 2;
            }
            return false;
        });
        RequestLogAggregator aggregator = new RequestLogAggregator(stack.wiring().requestRollups(), Optional.empty(),
                Optional.of(countsOver(dynamoDb)));

        var failures = aggregator.aggregate(eventOf(entries).getRecords()).getBatchItemFailures();

        assertThat(failures).hasSize(1);
        int failedAt = Integer.parseInt(failures.get(0).getItemIdentifier());
        assertThat(failedAt).isGreaterThan(1).isLessThanOrEqualTo(entries.size());
        dynamoDb.heal();
        // Lambda retries from the failed record; a whole redelivery after that changes nothing either.
        assertThat(aggregator.aggregate(eventOf(entries).getRecords().subList(failedAt - 1, entries.size()))
                .getBatchItemFailures()).isEmpty();
        assertThat(aggregator.aggregate(eventOf(entries).getRecords()).getBatchItemFailures()).isEmpty();

        InputCounts stored = countsOver(stack.wiring().dynamoDb()).read("wide:3", "b1", HOUR, HOUR.plus(Duration.ofHours(4)));
        assertThat(stored.rows()).isEqualTo(expected.rows());
        for (int f = 0; f < 100; f++) {
            assertThat(stored.dense(f, 11)).as("feature %d", f).containsExactly(expected.dense(f, 11));
        }
        assertThat(sizes).as("every transaction within DynamoDB's 100 items").allMatch(size -> size <= 100);
    }
}
