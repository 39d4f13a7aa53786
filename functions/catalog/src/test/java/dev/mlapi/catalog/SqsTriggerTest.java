package dev.mlapi.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SqsTriggerTest {

    private static FunctionSpec.Builder worker(Duration timeout) {
        return FunctionSpec.event("test-worker").setDescription("d").setHandler("a.B::c")
                .setSize(1024, timeout, "why");
    }

    @Test
    void queues_haveDerivedDeadLetterQueues_andUniqueNames() {
        assertThat(QueueCatalog.TRAINING_TASKS.deadLetterLogicalId()).isEqualTo("TrainingTasksQueueDeadLetters");
        assertThat(QueueCatalog.TRAINING_TASKS.deadLetterLocalName()).isEqualTo("mlapi-training-tasks-dead-letters");
        assertThat(QueueCatalog.BATCH_TASKS.envVar()).isEqualTo(Env.BATCH_TASKS_QUEUE_URL);
        assertThat(QueueCatalog.ALL).allSatisfy(queue -> {
            assertThat(queue.maxReceiveCount()).isEqualTo(3);
            assertThat(queue.visibilityTimeout()).isEqualTo(Duration.ofMinutes(90));
        });
        Set<String> names = QueueCatalog.ALL.stream().map(QueueSpec::localName).collect(Collectors.toSet());
        assertThat(names).hasSize(QueueCatalog.ALL.size());
        assertThat(Resource.of(QueueCatalog.TRAINING_TASKS)).isEqualTo(Resource.TRAINING_TASKS_QUEUE);
        assertThat(Resource.of(QueueCatalog.BATCH_TASKS)).isEqualTo(Resource.BATCH_TASKS_QUEUE);
        assertThat(Resource.TRAINING_TASKS_QUEUE.kind()).isEqualTo(Resource.Kind.QUEUE);
        assertThat(Resource.TRAINING_TASKS_QUEUE.envVar()).contains(Env.TRAINING_TASKS_QUEUE_URL);
    }

    @Test
    void queueSpec_refusesWhatSqsRefuses() {
        assertThatThrownBy(() -> new QueueSpec("Q", "Q_URL", "q", Duration.ofHours(13), 3))
                .hasMessageContaining("0..12 h");
        assertThatThrownBy(() -> new QueueSpec("Q", "Q_URL", "q", Duration.ofMinutes(1), 0))
                .hasMessageContaining("max receive count must be 1..1000");
        assertThatThrownBy(() -> new QueueSpec("Q", "Q_URL", "Not_A_Name", Duration.ofMinutes(1), 3))
                .hasMessageContaining("queue name");
    }

    @Test
    void sqsTrigger_refusesWhatLambdaRefuses() {
        QueueSpec queue = QueueCatalog.TRAINING_TASKS;
        assertThatThrownBy(() -> new Trigger.Sqs(queue, 0, 2, Duration.ZERO)).hasMessageContaining("batch size must be 1..10");
        assertThatThrownBy(() -> new Trigger.Sqs(queue, 11, 2, Duration.ZERO)).hasMessageContaining("batch size must be 1..10");
        assertThatThrownBy(() -> new Trigger.Sqs(queue, 1, 1, Duration.ZERO)).hasMessageContaining("2..1000");
        assertThatThrownBy(() -> new Trigger.Sqs(queue, 1, 1001, Duration.ZERO)).hasMessageContaining("2..1000");
        assertThatThrownBy(() -> new Trigger.Sqs(queue, 1, 2, Duration.ofSeconds(301)))
                .hasMessageContaining("batching window must be 0..300 s");
        assertThatThrownBy(() -> new Trigger.Sqs(queue, 1, 2, Duration.ofSeconds(-1)))
                .hasMessageContaining("batching window must be 0..300 s");
        Trigger.Sqs ok = new Trigger.Sqs(queue, 10, 1000, Duration.ofMinutes(5));
        assertThat(ok.<String>match(stream -> "stream", sqs -> "sqs", schedule -> "schedule")).isEqualTo("sqs");
    }

    @Test
    void consumer_getsTheConsumeActionsOnItsQueue_andItsUrl_andNoFailureQueue() {
        FunctionSpec spec = worker(Duration.ofMinutes(15))
                .setTrigger(new Trigger.Sqs(QueueCatalog.TRAINING_TASKS, 1, 10, Duration.ZERO)).build();
        assertThat(spec.actionsOn(Resource.TRAINING_TASKS_QUEUE)).containsExactly("sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage");
        assertThat(spec.actionsOn(Resource.BATCH_TASKS_QUEUE)).isEmpty();
        assertThat(spec.actionsOn(Resource.OWN_FAILURE_QUEUE)).isEmpty();
        assertThat(spec.environment().get(Env.TRAINING_TASKS_QUEUE_URL))
                .isEqualTo(new EnvValue.ResourceName(Resource.TRAINING_TASKS_QUEUE));
    }

    @Test
    void producer_getsSendMessage_andTheQueuesUrl() {
        FunctionSpec spec = FunctionSpec.http("producer").setDescription("d").setHandler("a.B::c")
                .setSize(1024, Duration.ofSeconds(29), "why")
                .optGrant(Resource.BATCH_TASKS_QUEUE, "sqs:SendMessage").build();
        assertThat(spec.actionsOn(Resource.BATCH_TASKS_QUEUE)).containsExactly("sqs:SendMessage");
        assertThat(spec.environment()).containsKey(Env.BATCH_TASKS_QUEUE_URL).doesNotContainKey(Env.TRAINING_TASKS_QUEUE_URL);
    }

    @Test
    void consumer_whoseTimeoutExceedsASixthOfTheVisibilityTimeout_isRefused() {
        // 90 min / 6 = 15 min: the longest timeout allowed, and Lambda's maximum anyway.
        QueueSpec shortQueue = new QueueSpec("ShortQueue", "SHORT_QUEUE_URL", "short", Duration.ofMinutes(5), 3);
        assertThatThrownBy(() -> worker(Duration.ofSeconds(51))
                .setTrigger(new Trigger.Sqs(shortQueue, 1, 2, Duration.ZERO)).build())
                .hasMessageContaining("at least 6 times the function's timeout (51 s)");
        // Exactly 6 ×: allowed (the queue needs a resource to grant on, which a test queue does not have).
        assertThatThrownBy(() -> worker(Duration.ofSeconds(50))
                .setTrigger(new Trigger.Sqs(shortQueue, 1, 2, Duration.ZERO)).build())
                .hasMessageContaining("no resource for queue ShortQueue");
    }
}
