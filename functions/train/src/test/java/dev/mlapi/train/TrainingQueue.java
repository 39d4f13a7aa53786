package dev.mlapi.train;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.core.testkit.EmbeddedSqs;
import dev.mlapi.core.testkit.LocalContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The training tasks queue on a real SQS (ElasticMQ in this JVM), with its dead-letter queue and
 * a short visibility timeout, and a consumer that feeds the fit worker as Lambda's event source
 * would (one message per batch, its receive count, failed items left to reappear).
 */
final class TrainingQueue implements AutoCloseable {

    /** A failed task is delivered again after this: short, so a poison task reaches the dead-letter queue quickly. */
    static final Duration VISIBILITY = Duration.ofSeconds(1);

    final EmbeddedSqs sqs;
    final String url;
    final String deadLetters;

    private TrainingQueue(EmbeddedSqs sqs, Duration visibility) {
        this.sqs = sqs;
        this.url = sqs.createQueue(QueueCatalog.TRAINING_TASKS, visibility);
        this.deadLetters = sqs.queueUrl(QueueCatalog.TRAINING_TASKS.deadLetterLocalName());
    }

    static TrainingQueue start() {
        return start(VISIBILITY);
    }

    /** With {@code visibility} as the queue's visibility timeout (longer than any task, for a benchmark). */
    static TrainingQueue start(Duration visibility) {
        return new TrainingQueue(EmbeddedSqs.start(), visibility);
    }

    /** What a function needs to send to it. */
    Map<String, String> environment() {
        return Map.of(Env.SQS_ENDPOINT, sqs.endpoint().toString(), QueueCatalog.TRAINING_TASKS.envVar(), url);
    }

    /** Messages waiting or in flight. */
    int pending() {
        Map<QueueAttributeName, String> attributes = sqs.client().getQueueAttributes(r -> r.queueUrl(url)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** Delivers tasks to {@code handler} until the queue is empty; returns how many deliveries it made. */
    int drain(FitWorkerHandler handler) {
        return drainWhile(handler, () -> true);
    }

    /** As {@link #drain}, stopping early (before the next delivery) once {@code more} says no. */
    int drainWhile(FitWorkerHandler handler, BooleanSupplier more) {
        int deliveries = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (more.getAsBoolean() && System.nanoTime() < deadline) {
            List<Message> messages = sqs.client().receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(1)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .messages();
            if (messages.isEmpty()) {
                if (pending() == 0) {
                    return deliveries;
                }
                continue;
            }
            deliveries++;
            deliver(handler, messages.get(0));
        }
        return deliveries;
    }

    private void deliver(FitWorkerHandler handler, Message message) {
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        record.setMessageId(message.messageId());
        record.setReceiptHandle(message.receiptHandle());
        record.setBody(message.body());
        record.setEventSource("aws:sqs");
        record.setAttributes(Map.of("ApproximateReceiveCount",
                message.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1")));
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(record));
        SQSBatchResponse response = handler.handleRequest(event, new LocalContext(UUID.randomUUID().toString(),
                "fit-worker", System.currentTimeMillis() + Duration.ofMinutes(15).toMillis()));
        if (response.getBatchItemFailures().isEmpty()) {
            sqs.client().deleteMessage(r -> r.queueUrl(url).receiptHandle(message.receiptHandle()));
        }
    }

    /** The bodies in the dead-letter queue (received, so hidden for a moment afterwards). */
    List<String> deadLetterBodies() {
        return sqs.client().receiveMessage(r -> r.queueUrl(deadLetters).maxNumberOfMessages(10).waitTimeSeconds(1))
                .messages().stream().map(Message::body).toList();
    }

    /** Drops every waiting task: what a restart of the local server does to its in-memory queues. */
    void purge() {
        sqs.client().purgeQueue(r -> r.queueUrl(url));
    }

    @Override
    public void close() {
        sqs.close();
    }
}
