package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.testkit.TestStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local event source against the real stream of DynamoDB Local: what Lambda's event source
 * mapping promises (order, partial-batch retries, bounded retries, on-failure record, resume
 * after a restart) holds here too.
 */
class DynamoDbStreamSourceTest {

    @TempDir
    Path state;
    TestStack stack;

    @BeforeEach
    void start() {
        stack = TestStack.start();
    }

    @AfterEach
    void stop() {
        stack.close();
    }

    private void logRequests(int count) {
        logRequests(0, count);
    }

    private void logRequests(int from, int count) {
        for (int i = from; i < from + count; i++) {
            Instant at = Instant.parse("2026-12-01T10:00:00Z").plusSeconds(i);
            stack.wiring().requestLog().record(new RequestLogEntry("req-" + i, at, "GET /health", "GET", "/health",
                    Optional.empty(), 200, 0.001, 0, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), at.plusSeconds(3600)));
        }
    }

    private DynamoDbStreamSource source(int maxRetries, RequestHandler<DynamodbEvent, StreamsEventResponse> handler) {
        return source(new Trigger.DynamoDbStream(TableCatalog.REQUEST_LOG, 4, Duration.ZERO, maxRetries), handler);
    }

    private DynamoDbStreamSource source(Trigger.DynamoDbStream trigger,
            RequestHandler<DynamodbEvent, StreamsEventResponse> handler) {
        FunctionSpec spec = FunctionSpec.event("probe").setDescription("test consumer").setHandler("x.Y::z")
                .setSize(256, Duration.ofSeconds(10), "test").setTrigger(trigger).build();
        return new DynamoDbStreamSource(spec, trigger, handler, stack.wiring().dynamoDb(), stack.wiring().dynamoDbStreams(),
                stack.config().requestLogTable(), stack.config().region(), state);
    }

    private static String requestId(DynamodbEvent.DynamodbStreamRecord record) {
        return record.getDynamodb().getNewImage().get("request_id").getS();
    }

    private static StreamsEventResponse ok() {
        return StreamsEventResponse.builder().withBatchItemFailures(List.of()).build();
    }

    @Test
    void poll_deliversEveryRecordInOrder_inBatches_andRetriesFromTheReportedFailure() {
        logRequests(10);
        List<String> handled = new ArrayList<>();
        AtomicInteger failuresLeft = new AtomicInteger(2);
        DynamoDbStreamSource source = source(5, (event, context) -> {
            assertThat(event.getRecords()).hasSizeLessThanOrEqualTo(4);
            for (DynamodbEvent.DynamodbStreamRecord record : event.getRecords()) {
                if (requestId(record).equals("req-5") && failuresLeft.getAndDecrement() > 0) {
                    return StreamsEventResponse.builder().withBatchItemFailures(List.of(
                            StreamsEventResponse.BatchItemFailure.builder()
                                    .withItemIdentifier(record.getDynamodb().getSequenceNumber()).build())).build();
                }
                handled.add(requestId(record));
            }
            return ok();
        });
        for (int i = 0; i < 5; i++) {
            source.poll();
        }
        source.close();

        // Stream order is write order; the log's writes were sequential.
        assertThat(handled).containsExactly("req-0", "req-1", "req-2", "req-3", "req-4", "req-5", "req-6", "req-7",
                "req-8", "req-9");
    }

    @Test
    void poll_whenABatchFailsEveryRetry_describesItInTheFailureFile_andMovesOn() throws Exception {
        logRequests(6);
        AtomicInteger calls = new AtomicInteger();
        List<String> handled = new ArrayList<>();
        DynamoDbStreamSource source = source(2, (event, context) -> {
            calls.incrementAndGet();
            if (requestId(event.getRecords().get(0)).equals("req-0")) {
                throw new IllegalStateException("injected: this batch can never be processed");
            }
            event.getRecords().forEach(r -> handled.add(requestId(r)));
            return ok();
        });
        for (int i = 0; i < 4; i++) {
            source.poll();
        }
        source.close();

        assertThat(handled).containsExactly("req-4", "req-5");
        assertThat(calls.get()).as("1 attempt + 2 retries, then the next batch").isEqualTo(4);
        List<String> failures = Files.readAllLines(source.failureFile());
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0)).contains("\"function\":\"probe\"", "\"batchSize\":4", "\"attempts\":3");
    }

    @Test
    void aRestartedSource_resumesAfterItsCheckpoint() {
        logRequests(3);
        List<String> handled = new ArrayList<>();
        RequestHandler<DynamodbEvent, StreamsEventResponse> handler = (event, context) -> {
            event.getRecords().forEach(r -> handled.add(requestId(r)));
            return ok();
        };
        DynamoDbStreamSource first = source(1, handler);
        first.poll();
        first.close();
        logRequests(3, 5);

        DynamoDbStreamSource second = source(1, handler);
        second.poll();
        second.poll();
        second.close();

        assertThat(handled).containsExactly("req-0", "req-1", "req-2", "req-3", "req-4", "req-5", "req-6", "req-7");
    }

    @Test
    void aTriggerForInsertsOnly_deliversNoModification_andMovesPastThem() {
        logRequests(3);
        for (int i = 0; i < 3; i++) {
            String id = "req-" + i;
            stack.wiring().dynamoDb().updateItem(r -> r.tableName(stack.config().requestLogTable())
                    .key(java.util.Map.of("request_id", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(id)))
                    .updateExpression("SET #note = :note").expressionAttributeNames(java.util.Map.of("#note", "note"))
                    .expressionAttributeValues(java.util.Map.of(":note",
                            software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("changed"))));
        }
        List<String> delivered = new ArrayList<>();
        RequestHandler<DynamodbEvent, StreamsEventResponse> handler = (event, context) -> {
            event.getRecords().forEach(r -> delivered.add(r.getEventName() + " " + requestId(r)));
            return ok();
        };
        Trigger.DynamoDbStream inserts = new Trigger.DynamoDbStream(TableCatalog.REQUEST_LOG, 4, Duration.ZERO, 1)
                .withEventNames("INSERT");
        DynamoDbStreamSource source = source(inserts, handler);
        for (int i = 0; i < 4; i++) {
            source.poll();
        }
        source.close();
        DynamoDbStreamSource restarted = source(inserts, handler);
        restarted.poll();
        restarted.close();

        assertThat(delivered).containsExactly("INSERT req-0", "INSERT req-1", "INSERT req-2");
    }
}
