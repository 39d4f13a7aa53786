package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.testkit.EmbeddedSqs;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.testkit.ThrottlingDynamoDb;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.queue.TaskQueue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The local server's SQS: every queue of the catalog with its dead-letter queue, known to every function. */
class LocalQueuesTest {

    @TempDir
    Path data;

    @Test
    void everyQueue_andItsDeadLetterQueue_exist_andTheFunctionsReachThem() throws InterruptedException {
        LocalSettings settings = new LocalSettings(0, "127.0.0.1", data, 0, 0).withSqs(2, Duration.ofSeconds(3));
        try (LocalServer server = LocalServer.start(settings, LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", "local-admin-password"))) {
            Config config = server.wiring().config();
            assertThat(config.sqsEndpoint()).hasValueSatisfying(uri -> assertThat(uri.getHost()).isEqualTo("127.0.0.1"));
            SqsClient sqs = server.wiring().sqs();
            for (QueueSpec queue : QueueCatalog.ALL) {
                String url = config.environment().queueUrl(queue);
                assertThat(url).endsWith("/" + queue.localName());
                Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(url)
                        .attributeNames(QueueAttributeName.ALL)).attributes();
                // The local visibility timeout, not the queue's 90 minutes: failed tasks come back in seconds.
                assertThat(attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo("3");
                assertThat(attributes.get(QueueAttributeName.REDRIVE_POLICY))
                        .contains(queue.deadLetterLocalName()).contains("\"maxReceiveCount\":3");
                // ElasticMQ keeps messages until deleted (no retention period): the dead-letter queue only has to exist.
                String deadLetters = sqs.getQueueUrl(r -> r.queueName(queue.deadLetterLocalName())).queueUrl();
                assertThat(attributes.get(QueueAttributeName.REDRIVE_POLICY)).contains(sqs.getQueueAttributes(r -> r
                        .queueUrl(deadLetters).attributeNames(QueueAttributeName.QUEUE_ARN)).attributes()
                        .get(QueueAttributeName.QUEUE_ARN));

                String task = "{\"job\":\"local-test\",\"kind\":\"" + queue.localName() + "\"}";
                TaskQueue.of(server.wiring(), queue).send(List.of(task));
                boolean consumed = FunctionCatalog.ALL.stream().anyMatch(spec -> spec.trigger().orElse(null)
                        instanceof Trigger.Sqs sqsTrigger && sqsTrigger.queue().equals(queue));
                if (consumed) {
                    // its consumer's event source takes the task (a job no one has: done with at once)
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    int left;
                    do {
                        Thread.sleep(200);
                        Map<QueueAttributeName, String> counts = sqs.getQueueAttributes(r -> r.queueUrl(url)
                                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
                        left = Integer.parseInt(counts.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                                + Integer.parseInt(counts.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
                    } while (left > 0 && System.nanoTime() < deadline);
                    assertThat(left).as(queue.localName() + ": its consumer took the task").isZero();
                    continue;
                }
                List<Message> received = new ArrayList<>();
                for (int i = 0; i < 10 && received.isEmpty(); i++) {
                    received.addAll(sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(1)).messages());
                }
                assertThat(received).extracting(Message::body).containsExactly(task);
            }
        }
    }

    @Test
    void startupTasks_runInOrder_andOneThatFailsDoesNotStopTheOthers() {
        List<String> ran = new ArrayList<>();
        LocalStartup.runStartupTasks(List.of(
                new LocalStartup.StartupTask("first", (wiring, active) -> ran.add("first")),
                new LocalStartup.StartupTask("failing", (wiring, active) -> {
                    throw new IllegalStateException("recovery failed");
                }),
                new LocalStartup.StartupTask("last", (wiring, active) -> ran.add("last"))), null);
        assertThat(ran).containsExactly("first", "last");
    }

    @Test
    void startupTasks_readTheJobsIndexOnce_forAllThreeRecoveries() {
        try (EmbeddedSqs sqs = EmbeddedSqs.start();
                TestStack stack = TestStack.start(queues(sqs))) {
            AtomicInteger indexQueries = new AtomicInteger();
            Wiring wiring = stack.wiring().withDynamoDb(real -> new ThrottlingDynamoDb(real).throttle(request -> {
                if (request instanceof QueryRequest query && TableCatalog.TRAINING_BY_KIND.equals(query.indexName())) {
                    indexQueries.incrementAndGet();
                }
                return false;
            }));

            LocalStartup.runStartupTasks(wiring);

            assertThat(indexQueries).as("queries of the jobs table's by_kind index").hasValue(1);
        }
    }

    private static Map<String, String> queues(EmbeddedSqs sqs) {
        Map<String, String> env = new java.util.HashMap<>(sqs.createQueues(QueueCatalog.ALL, queue -> Duration.ofSeconds(3)));
        env.put(Config.Env.SQS_ENDPOINT, sqs.endpoint().toString());
        return env;
    }
}
