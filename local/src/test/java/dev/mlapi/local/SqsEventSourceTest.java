package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.core.queue.TaskQueue;
import dev.mlapi.core.testkit.EmbeddedSqs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local SQS event source against a real SQS (ElasticMQ): Lambda's batches, partial batch
 * responses, whole-batch failures, redrive to the dead-letter queue, and the concurrency bound.
 */
class SqsEventSourceTest {

    /** Short, so that failed messages come back quickly; the source keeps handled ones hidden meanwhile. */
    private static final Duration VISIBILITY = Duration.ofSeconds(2);
    private static final AtomicInteger QUEUES = new AtomicInteger();

    private static EmbeddedSqs sqs;

    @BeforeAll
    static void start() {
        sqs = EmbeddedSqs.start();
    }

    @AfterAll
    static void stop() {
        sqs.close();
    }

    /** A fresh queue (3 receives, then its dead-letter queue), like the training tasks but of this test. */
    private static QueueSpec newQueue() {
        int n = QUEUES.incrementAndGet();
        return new QueueSpec("TestQueue" + n, "TEST_QUEUE_" + n + "_URL", "mlapi-source-test-" + n,
                QueueCatalog.TRAINING_TASKS.visibilityTimeout(), 3);
    }

    private static final FunctionSpec SPEC = FunctionSpec.event("test-worker").optModule("train")
            .setDescription("a test consumer").setHandler("dev.mlapi.train.TestWorker::handleRequest")
            .setSize(512, Duration.ofMinutes(1), "a test")
            .setTrigger(new Trigger.Sqs(QueueCatalog.TRAINING_TASKS, 10, 2, Duration.ZERO))
            .build();

    private static SqsEventSource source(QueueSpec queue, String url, int batchSize, int concurrency,
            int maxConcurrency, RequestHandler<SQSEvent, SQSBatchResponse> handler) {
        Trigger.Sqs trigger = new Trigger.Sqs(queue, batchSize, maxConcurrency, Duration.ofMillis(500));
        return new SqsEventSource(SPEC, trigger, handler, sqs::client, () -> url, "us-east-1", concurrency);
    }

    private static List<String> bodies(int count) {
        return IntStream.range(0, count).mapToObj(i -> "{\"job\":\"j\",\"kind\":\"test\",\"unit\":" + i + "}").toList();
    }

    private static int receiveCount(SQSEvent.SQSMessage message) {
        return Integer.parseInt(message.getAttributes().get("ApproximateReceiveCount"));
    }

    /** Messages visible or in flight. */
    private static int messagesIn(String url) {
        Map<QueueAttributeName, String> attributes = sqs.client().getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still not true after 60 s: " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void aBatch_isDeliveredAsLambdaDeliversIt_andDeletedWhenHandled() throws Exception {
        QueueSpec queue = newQueue();
        String url = sqs.createQueue(queue, VISIBILITY);
        String arn = sqs.client().getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        List<SQSEvent.SQSMessage> delivered = new CopyOnWriteArrayList<>();
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        new TaskQueue(sqs.client(), url).send(bodies(5));

        try (SqsEventSource source = source(queue, url, 5, 1, 2, (event, context) -> {
            batchSizes.add(event.getRecords().size());
            delivered.addAll(event.getRecords());
            return SQSBatchResponse.builder().withBatchItemFailures(List.of()).build();
        })) {
            source.start();
            await("5 messages delivered", () -> delivered.size() >= 5);
            await("the queue is empty", () -> messagesIn(url) == 0);
        }

        assertThat(delivered).extracting(SQSEvent.SQSMessage::getBody).containsExactlyInAnyOrderElementsOf(bodies(5));
        assertThat(batchSizes).allSatisfy(size -> assertThat(size).isBetween(1, 5));
        assertThat(delivered).allSatisfy(message -> {
            assertThat(message.getMessageId()).isNotBlank();
            assertThat(message.getReceiptHandle()).isNotBlank();
            assertThat(message.getEventSource()).isEqualTo("aws:sqs");
            assertThat(message.getEventSourceArn()).isEqualTo(arn).startsWith("arn:aws:sqs:");
            assertThat(message.getAwsRegion()).isEqualTo("us-east-1");
            assertThat(receiveCount(message)).isEqualTo(1);
            assertThat(message.getAttributes()).containsKeys("SentTimestamp", "ApproximateFirstReceiveTimestamp");
        });
    }

    @Test
    void aFailedItem_isDeliveredAgain_andAfterThreeReceivesLandsInTheDeadLetterQueue() throws Exception {
        QueueSpec queue = newQueue();
        String url = sqs.createQueue(queue, VISIBILITY);
        String deadLetters = sqs.queueUrl(queue.deadLetterLocalName());
        String poison = "{\"job\":\"j\",\"kind\":\"poison\"}";
        List<String> bodies = new ArrayList<>(bodies(3));
        bodies.add(poison);
        Map<String, List<Integer>> receives = new ConcurrentHashMap<>();
        new TaskQueue(sqs.client(), url).send(bodies);

        List<Message> dead = new ArrayList<>();
        try (SqsEventSource source = source(queue, url, 10, 1, 2, (event, context) -> {
            List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
            for (SQSEvent.SQSMessage message : event.getRecords()) {
                receives.computeIfAbsent(message.getBody(), b -> new CopyOnWriteArrayList<>()).add(receiveCount(message));
                if (message.getBody().equals(poison)) {
                    failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                }
            }
            return new SQSBatchResponse(failures);
        })) {
            source.start();
            await("the poison message is in the dead-letter queue", () -> {
                dead.addAll(sqs.client().receiveMessage(r -> r.queueUrl(deadLetters).waitTimeSeconds(0)).messages());
                return !dead.isEmpty();
            });
            await("the queue is empty", () -> messagesIn(url) == 0);
        }

        assertThat(dead).extracting(Message::body).containsExactly(poison);
        assertThat(receives.get(poison)).as("receives of the failing message").containsExactly(1, 2, 3);
        bodies(3).forEach(body -> assertThat(receives.get(body)).as("receives of " + body).containsExactly(1));
    }

    @Test
    void aThrownException_failsTheWholeBatch_whichIsDeliveredAgain() throws Exception {
        QueueSpec queue = newQueue();
        String url = sqs.createQueue(queue, VISIBILITY);
        String deadLetters = sqs.queueUrl(queue.deadLetterLocalName());
        Map<String, List<Integer>> receives = new ConcurrentHashMap<>();
        new TaskQueue(sqs.client(), url).send(bodies(3));

        try (SqsEventSource source = source(queue, url, 10, 1, 2, (event, context) -> {
            boolean firstReceive = false;
            for (SQSEvent.SQSMessage message : event.getRecords()) {
                receives.computeIfAbsent(message.getBody(), b -> new CopyOnWriteArrayList<>()).add(receiveCount(message));
                firstReceive |= receiveCount(message) == 1;
            }
            if (firstReceive) {
                throw new IllegalStateException("the function failed");
            }
            return new SQSBatchResponse(List.of());
        })) {
            source.start();
            await("every message handled", () -> messagesIn(url) == 0);
        }

        bodies(3).forEach(body -> assertThat(receives.get(body)).as("receives of " + body).containsExactly(1, 2));
        assertThat(messagesIn(deadLetters)).isZero();
    }

    @Test
    void anItemFailureNotInTheBatch_failsTheWholeBatch() throws Exception {
        QueueSpec queue = newQueue();
        String url = sqs.createQueue(queue, VISIBILITY);
        Map<String, List<Integer>> receives = new ConcurrentHashMap<>();
        new TaskQueue(sqs.client(), url).send(bodies(2));

        try (SqsEventSource source = source(queue, url, 10, 1, 2, (event, context) -> {
            boolean firstReceive = false;
            for (SQSEvent.SQSMessage message : event.getRecords()) {
                receives.computeIfAbsent(message.getBody(), b -> new CopyOnWriteArrayList<>()).add(receiveCount(message));
                firstReceive |= receiveCount(message) == 1;
            }
            return new SQSBatchResponse(firstReceive ? List.of(new SQSBatchResponse.BatchItemFailure("not-an-id"))
                    : List.of());
        })) {
            source.start();
            await("every message handled", () -> messagesIn(url) == 0);
        }

        bodies(2).forEach(body -> assertThat(receives.get(body)).as("receives of " + body).containsExactly(1, 2));
    }

    @Test
    void batchesInFlight_areBoundedByTheLocalConcurrency_andTheTriggersMaximum() throws Exception {
        QueueSpec queue = newQueue();
        String url = sqs.createQueue(queue, VISIBILITY);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<String> handled = Collections.synchronizedList(new ArrayList<>());
        new TaskQueue(sqs.client(), url).send(bodies(8));

        // Each invocation waits until another runs beside it (or 5 s pass): two run at once, never three.
        RequestHandler<SQSEvent, SQSBatchResponse> handler = (event, context) -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (inFlight.get() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            event.getRecords().forEach(m -> handled.add(m.getBody()));
            inFlight.decrementAndGet();
            return new SQSBatchResponse(List.of());
        };
        try (SqsEventSource source = source(queue, url, 1, 2, 100, handler)) {
            assertThat(source.concurrency()).isEqualTo(2);
            source.start();
            await("8 messages handled", () -> handled.size() >= 8);
            assertThat(source.mostInFlight()).isEqualTo(2);
        }
        assertThat(most).hasValue(2);
        assertThat(handled).containsExactlyInAnyOrderElementsOf(bodies(8));

        // LOCAL_SQS_CONCURRENCY above the trigger's maximum concurrency: the trigger's bound holds.
        try (SqsEventSource capped = source(queue, url, 1, 16, 3, handler)) {
            assertThat(capped.concurrency()).isEqualTo(3);
        }
    }
}
