package dev.mlapi.core.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.testkit.EmbeddedSqs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/** TaskQueue against a real SQS (ElasticMQ in this JVM). */
class TaskQueueTest {

    private static EmbeddedSqs sqs;
    private static String queueUrl;

    @BeforeAll
    static void start() {
        sqs = EmbeddedSqs.start();
        queueUrl = sqs.createQueue(QueueCatalog.TRAINING_TASKS, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        sqs.close();
    }

    @BeforeEach
    void empty() {
        sqs.client().purgeQueue(r -> r.queueUrl(queueUrl));
    }

    private static List<String> receiveAll() {
        List<String> bodies = new ArrayList<>();
        while (true) {
            List<Message> messages = sqs.client().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(0)).messages();
            if (messages.isEmpty()) {
                return bodies;
            }
            messages.forEach(m -> bodies.add(m.body()));
        }
    }

    private static List<String> tasks(int count) {
        return IntStream.range(0, count).mapToObj(i -> "{\"job\":\"j1\",\"kind\":\"fit\",\"unit\":" + i + "}").toList();
    }

    @Test
    void send_deliversEveryTask_inBatchesOfTen() {
        AtomicInteger requests = new AtomicInteger();
        TaskQueue queue = new TaskQueue(new FaultySqs(sqs.client(), requests, 0), queueUrl);

        queue.send(tasks(23));

        assertThat(receiveAll()).containsExactlyInAnyOrderElementsOf(tasks(23));
        assertThat(requests).hasValue(3);
    }

    @Test
    void send_splitsBatchesBySize_asSqsLimitsARequestTo256KiB() {
        String big = "{\"job\":\"j1\",\"kind\":\"fit\",\"pad\":\"" + "x".repeat(100_000) + "\"}";
        AtomicInteger requests = new AtomicInteger();

        new TaskQueue(new FaultySqs(sqs.client(), requests, 0), queueUrl).send(List.of(big, big, big, big, big));

        assertThat(receiveAll()).hasSize(5).containsOnly(big);
        assertThat(requests).hasValue(3); // 2 + 2 + 1: three 100 KB bodies exceed 256 KiB
    }

    @Test
    void send_refusesAnOversizedTask_beforeSendingAnything() {
        String tooBig = "x".repeat(TaskQueue.MAX_BODY_BYTES + 1);
        TaskQueue queue = new TaskQueue(sqs.client(), queueUrl);

        assertThatThrownBy(() -> queue.send(List.of("{\"job\":\"j\",\"kind\":\"fit\"}", tooBig)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task 1 is 262145 bytes")
                .hasMessageContaining("name the data in S3");
        assertThatThrownBy(() -> queue.send(List.of(""))).hasMessageContaining("task 0 is 0 bytes");
        assertThat(receiveAll()).isEmpty();
    }

    @Test
    void send_sendsFailedEntriesAgain_untilSqsTakesThem() {
        AtomicInteger requests = new AtomicInteger();
        // SQS reports the first two entries of each of the first two requests as failed (its fault).
        new TaskQueue(new FaultySqs(sqs.client(), requests, 2), queueUrl).send(tasks(7));

        assertThat(receiveAll()).containsExactlyInAnyOrderElementsOf(tasks(7));
        assertThat(requests).hasValue(3);
    }

    @Test
    void send_givesUp_whenEntriesKeepFailing() {
        AtomicInteger requests = new AtomicInteger();
        TaskQueue queue = new TaskQueue(new FaultySqs(sqs.client(), requests, Integer.MAX_VALUE), queueUrl);

        assertThatThrownBy(() -> queue.send(tasks(3)))
                .isInstanceOf(ServiceUnavailable.class)
                .hasMessageContaining("SQS did not accept 3 of 3 tasks")
                .hasMessageContaining("after " + TaskQueue.ATTEMPTS + " attempt(s)")
                .hasMessageContaining("InternalError");
        assertThat(requests).hasValue(TaskQueue.ATTEMPTS);
        assertThat(receiveAll()).isEmpty();
    }

    @Test
    void of_findsTheQueueByItsVariable_andSaysWhichIsMissing() {
        Map<String, String> env = new HashMap<>();
        env.put(Env.SQS_ENDPOINT, sqs.endpoint().toString());
        env.put(QueueCatalog.TRAINING_TASKS.envVar(), queueUrl);
        Wiring wiring = Wiring.create(Config.fromMap(env));
        assertThat(wiring.config().sqsEndpoint()).contains(sqs.endpoint());

        TaskQueue.of(wiring, QueueCatalog.TRAINING_TASKS).send(tasks(1));

        assertThat(receiveAll()).containsExactlyElementsOf(tasks(1));
        assertThatThrownBy(() -> TaskQueue.of(wiring, QueueCatalog.BATCH_TASKS))
                .hasMessageContaining(Env.BATCH_TASKS_QUEUE_URL + " is not set");
    }

    @Test
    void aTaskReceivedMaxReceiveCountTimes_movesToTheDeadLetterQueue() throws InterruptedException {
        QueueSpec spec = new QueueSpec("RedriveQueue", "REDRIVE_QUEUE_URL", "mlapi-redrive-test", Duration.ofMinutes(1), 2);
        String url = sqs.createQueue(spec, Duration.ofSeconds(1));
        new TaskQueue(sqs.client(), url).send(List.of("{\"job\":\"j\",\"kind\":\"poison\"}"));
        String deadLetters = sqs.queueUrl(spec.deadLetterLocalName());

        int receives = 0;
        List<Message> dead = List.of();
        for (int round = 0; round < 20 && dead.isEmpty(); round++) {
            receives += sqs.client().receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(2)).messages().size();
            dead = sqs.client().receiveMessage(r -> r.queueUrl(deadLetters).waitTimeSeconds(0)).messages();
        }

        assertThat(receives).isEqualTo(spec.maxReceiveCount());
        assertThat(dead).extracting(Message::body).containsExactly("{\"job\":\"j\",\"kind\":\"poison\"}");
    }

    /** The real client, except that SQS reports the first entries of the first requests as failed (its fault). */
    private static final class FaultySqs implements SqsClient {
        private final SqsClient real;
        private final AtomicInteger requests;
        private final int failingRequests;

        FaultySqs(SqsClient real, AtomicInteger requests, int failingRequests) {
            this.real = real;
            this.requests = requests;
            this.failingRequests = failingRequests;
        }

        @Override
        public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
            int n = requests.incrementAndGet();
            if (n > failingRequests) {
                return real.sendMessageBatch(request);
            }
            List<SendMessageBatchRequestEntry> entries = request.entries();
            int failing = failingRequests == Integer.MAX_VALUE ? entries.size() : Math.min(2, entries.size());
            SendMessageBatchResponse sent = real.sendMessageBatch(request.toBuilder()
                    .entries(entries.subList(failing, entries.size())).build());
            List<BatchResultErrorEntry> failed = entries.subList(0, failing).stream()
                    .map(e -> BatchResultErrorEntry.builder().id(e.id()).senderFault(false).code("InternalError")
                            .message("injected").build()).toList();
            return sent.toBuilder().failed(failed).build();
        }

        @Override
        public String serviceName() {
            return real.serviceName();
        }

        @Override
        public void close() {
        }
    }
}
