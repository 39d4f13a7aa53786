package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.QueueCatalog;
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
    void everyQueue_andItsDeadLetterQueue_exist_andTheFunctionsReachThem() {
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
                new LocalStartup.StartupTask("first", wiring -> ran.add("first")),
                new LocalStartup.StartupTask("failing", wiring -> {
                    throw new IllegalStateException("recovery failed");
                }),
                new LocalStartup.StartupTask("last", wiring -> ran.add("last"))), null);
        assertThat(ran).containsExactly("first", "last");
    }
}
