package dev.mlapi.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.testkit.TestStack;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The aggregator through its Lambda handler, on the sample stream event, against DynamoDB Local. */
class AggregateRequestLogHandlerTest {

    private static final Path SAMPLE = Path.of("../../events/aggregator-request-log-stream.json");

    private TestStack stack;
    private DynamoDbRequestStats stats;

    @BeforeEach
    void start() {
        stack = TestStack.start();
        stats = new DynamoDbRequestStats(stack.wiring().dynamoDb(),
                stack.config().environment().tableName(TableCatalog.REQUEST_STATS), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    private static DynamodbEvent sample() {
        return EventLoader.loadDynamoDbEvent(SAMPLE.toString());
    }

    @Test
    void handleRequest_countsRequestsErrorsAndTimePerDay() {
        StreamsEventResponse response = new AggregateRequestLogHandler(stack.wiring()).handleRequest(sample(), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        DayTotals first = stats.read("2026-11-30");
        assertThat(first.requests()).isEqualTo(2);
        assertThat(first.clientErrors()).isEqualTo(1);
        assertThat(first.serverErrors()).isZero();
        assertThat(first.processingSeconds()).isCloseTo(0.0353, org.assertj.core.data.Offset.offset(1e-9));
        DayTotals second = stats.read("2026-12-01");
        assertThat(second.requests()).isEqualTo(2);
        assertThat(second.serverErrors()).isEqualTo(1);
    }

    @Test
    void handleRequest_whenAWriteFails_reportsTheFirstRecordOfThatDay_andARetryCountsEachRequestOnce() {
        AtomicInteger writes = new AtomicInteger();
        // Fault injection: the second day's first update fails, as a throttled UpdateItem would.
        RequestStats failingOnce = new RequestStats() {
            @Override
            public void add(DayTotals totals) {
                if (writes.incrementAndGet() == 2) {
                    throw new IllegalStateException("injected: storage unavailable");
                }
                stats.add(totals);
            }

            @Override
            public DayTotals read(String day) {
                return stats.read(day);
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

        assertThat(stats.read("2026-11-30").requests()).isEqualTo(2);
        assertThat(stats.read("2026-12-01").requests()).isEqualTo(2);
    }

    @Test
    void handleRequest_ignoresRemovalsAndRecordsItCannotRead() {
        DynamodbEvent event = sample();
        event.getRecords().get(0).setEventName("REMOVE");
        event.getRecords().get(1).getDynamodb().getNewImage().remove("status_code");

        assertThat(new AggregateRequestLogHandler(stack.wiring()).handleRequest(event, null).getBatchItemFailures())
                .isEmpty();

        assertThat(stats.read("2026-11-30").requests()).isZero();
        assertThat(stats.read("2026-12-01").requests()).isEqualTo(2);
    }
}
