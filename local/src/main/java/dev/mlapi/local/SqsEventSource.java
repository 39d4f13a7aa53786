package dev.mlapi.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.core.testkit.LocalContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import java.util.HashSet;

/**
 * Lambda's SQS event source mapping, for one queue-triggered function in the local server: up
 * to {@code concurrency} pollers each receive up to {@code batchSize} messages (long polling,
 * gathering for at most the trigger's batching window), invoke the function with an
 * {@link SQSEvent}, and delete the messages the function did not list in its
 * {@link SQSBatchResponse#getBatchItemFailures()} ({@code ReportBatchItemFailures}). A failed
 * message stays in the queue and is delivered again once its visibility timeout passes, with a
 * higher {@code ApproximateReceiveCount}; a function that throws (or lists an id that is not in
 * the batch) fails the whole batch. After the queue's {@code maxReceiveCount} receives, ElasticMQ
 * itself moves the message to the dead-letter queue (the queue's redrive policy).
 *
 * <p>One difference, on purpose: the local queues' visibility timeout is short (seconds, see
 * {@link LocalSettings#sqsVisibilityTimeout()}) so that failed tasks come back quickly, and while
 * the function runs this source extends the visibility of the batch's messages. In AWS the
 * visibility timeout is at least 6 × the function's timeout, so a message is never delivered
 * again while its invocation may still run; the extension keeps that true locally.
 */
final class SqsEventSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SqsEventSource.class);
    /** Long polling per receive; short, so that closing does not wait long. */
    private static final int WAIT_SECONDS = 1;

    private final FunctionSpec spec;
    private final Trigger.Sqs trigger;
    private final RequestHandler<SQSEvent, SQSBatchResponse> handler;
    private final Supplier<SqsClient> sqsClient;
    private final Supplier<String> queueUrlLookup;
    private SqsClient sqs;
    private String queueUrl;
    private final String region;
    private final int concurrency;
    private final ExecutorService pollers;
    private final ScheduledExecutorService heartbeat;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();
    private volatile boolean running;
    private String queueArn;
    private Duration visibilityTimeout;

    /**
     * @param sqs         the client, asked for at {@link #start()}
     * @param queueUrl    the queue's URL, asked for at {@link #start()} (the queues exist by then)
     * @param concurrency batches in flight at once: {@code LOCAL_SQS_CONCURRENCY}, at most the
     *                    trigger's maximum concurrency
     */
    SqsEventSource(FunctionSpec spec, Trigger.Sqs trigger, RequestHandler<SQSEvent, SQSBatchResponse> handler,
            Supplier<SqsClient> sqs, Supplier<String> queueUrl, String region, int concurrency) {
        this.spec = spec;
        this.trigger = trigger;
        this.handler = handler;
        this.sqsClient = sqs;
        this.queueUrlLookup = queueUrl;
        this.region = region;
        this.concurrency = Math.max(1, Math.min(concurrency, trigger.maxConcurrency()));
        AtomicInteger threads = new AtomicInteger();
        this.pollers = Executors.newFixedThreadPool(this.concurrency, runnable -> {
            Thread thread = new Thread(runnable, "sqs-" + spec.name() + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sqs-" + spec.name() + "-visibility");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Reads the queue's ARN and visibility timeout, then starts the pollers. */
    void start() {
        sqs = sqsClient.get();
        queueUrl = queueUrlLookup.get();
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN, QueueAttributeName.VISIBILITY_TIMEOUT)).attributes();
        queueArn = attributes.get(QueueAttributeName.QUEUE_ARN);
        visibilityTimeout = Duration.ofSeconds(Long.parseLong(attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT)));
        running = true;
        for (int i = 0; i < concurrency; i++) {
            pollers.submit(this::pollUntilClosed);
        }
    }

    FunctionSpec spec() {
        return spec;
    }

    /** Batches in flight at once, at most (for tests of the bound). */
    int concurrency() {
        return concurrency;
    }

    /** The most batches that were ever in flight at once. */
    int mostInFlight() {
        return mostInFlight.get();
    }

    private void pollUntilClosed() {
        while (running && !Thread.currentThread().isInterrupted()) {
            List<Message> batch = new CopyOnWriteArrayList<>();
            ScheduledFuture<?> keepHidden = null;
            try {
                List<Message> first = receive(trigger.batchSize(), WAIT_SECONDS);
                if (first.isEmpty()) {
                    continue;
                }
                batch.addAll(first);
                // Hidden from the first receive on: while the window gathers more, and while the function runs.
                keepHidden = keepHidden(batch);
                long windowEnds = System.nanoTime() + trigger.maxBatchingWindow().toNanos();
                while (batch.size() < trigger.batchSize() && System.nanoTime() < windowEnds && running) {
                    List<Message> more = receive(trigger.batchSize() - batch.size(), 0);
                    if (more.isEmpty()) {
                        sleep(Math.min(50, Math.max(1, (windowEnds - System.nanoTime()) / 1_000_000)));
                    }
                    batch.addAll(more);
                }
                if (running) {
                    deliver(List.copyOf(batch), keepHidden);
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("{}: receiving from {} failed; trying again", spec.name(), queueUrl, e);
                sleep(1_000);
            } finally {
                if (keepHidden != null) {
                    keepHidden.cancel(false);
                }
            }
        }
    }

    private List<Message> receive(int max, int waitSeconds) {
        return sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(max)
                .waitTimeSeconds(waitSeconds)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")).messages();
    }

    /** Invokes the function with the batch and deletes what it handled, as Lambda does. */
    private void deliver(List<Message> batch, ScheduledFuture<?> keepHidden) {
        int now = inFlight.incrementAndGet();
        mostInFlight.accumulateAndGet(now, Math::max);
        try {
            Set<String> failed = invoke(toEvent(batch));
            // Failed messages become visible once their current visibility timeout ends.
            keepHidden.cancel(false);
            List<Message> handled = batch.stream().filter(m -> !failed.contains(m.messageId())).toList();
            delete(handled);
            if (!failed.isEmpty()) {
                LOG.info("{}: {} of {} messages failed; delivered again within {} s unless received {} times",
                        spec.name(), failed.size(), batch.size(), visibilityTimeout.toSeconds(),
                        trigger.queue().maxReceiveCount());
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Runs the handler; the ids of the messages that failed: those it lists, or every one when it
     * throws, returns an id not in the batch, or an empty one (Lambda's rules).
     */
    private Set<String> invoke(SQSEvent event) {
        Set<String> all = event.getRecords().stream().map(SQSEvent.SQSMessage::getMessageId).collect(Collectors.toSet());
        String requestId = UUID.randomUUID().toString();
        try {
            SQSBatchResponse response = handler.handleRequest(event, new LocalContext(requestId, spec.name(),
                    System.currentTimeMillis() + spec.timeout().toMillis()));
            if (response == null || response.getBatchItemFailures() == null) {
                return Set.of();
            }
            Set<String> failed = new HashSet<>();
            for (SQSBatchResponse.BatchItemFailure failure : response.getBatchItemFailures()) {
                String id = failure == null ? null : failure.getItemIdentifier();
                if (id == null || id.isBlank() || !all.contains(id)) {
                    LOG.warn("{}: invocation {} reported failure of '{}', which is not in the batch: the whole batch"
                            + " failed", spec.name(), requestId, id);
                    return all;
                }
                failed.add(id);
            }
            return failed;
        } catch (RuntimeException | Error e) {
            LOG.warn("{}: invocation {} failed; the whole batch is delivered again", spec.name(), requestId, e);
            return all;
        }
    }

    private SQSEvent toEvent(List<Message> batch) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message message : batch) {
            SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
            record.setMessageId(message.messageId());
            record.setReceiptHandle(message.receiptHandle());
            record.setBody(message.body());
            record.setMd5OfBody(message.md5OfBody());
            record.setMd5OfMessageAttributes(message.md5OfMessageAttributes());
            Map<String, String> attributes = new LinkedHashMap<>();
            message.attributes().forEach((name, value) -> attributes.put(name.toString(), value));
            record.setAttributes(attributes);
            Map<String, SQSEvent.MessageAttribute> messageAttributes = new HashMap<>();
            message.messageAttributes().forEach((name, value) -> {
                SQSEvent.MessageAttribute attribute = new SQSEvent.MessageAttribute();
                attribute.setDataType(value.dataType());
                attribute.setStringValue(value.stringValue());
                messageAttributes.put(name, attribute);
            });
            record.setMessageAttributes(messageAttributes);
            record.setEventSource("aws:sqs");
            record.setEventSourceArn(queueArn);
            record.setAwsRegion(region);
            records.add(record);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    /**
     * While the batch gathers and the function runs, its messages stay hidden: their visibility is
     * extended every third of the timeout ({@code batch} may still grow).
     */
    private ScheduledFuture<?> keepHidden(List<Message> batch) {
        long periodMillis = Math.max(100, visibilityTimeout.toMillis() / 3);
        int extendSeconds = (int) Math.max(1, visibilityTimeout.toSeconds());
        return heartbeat.scheduleAtFixedRate(() -> {
            try {
                List<Message> messages = List.copyOf(batch);
                List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < messages.size(); i++) {
                    entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                            .receiptHandle(messages.get(i).receiptHandle()).visibilityTimeout(extendSeconds).build());
                }
                sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
            } catch (RuntimeException e) {
                LOG.warn("{}: could not extend the visibility of a batch in flight", spec.name(), e);
            }
        }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void delete(List<Message> handled) {
        if (handled.isEmpty()) {
            return;
        }
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < handled.size(); i++) {
            entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                    .receiptHandle(handled.get(i).receiptHandle()).build());
        }
        var response = sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
        if (response.hasFailed() && !response.failed().isEmpty()) {
            LOG.warn("{}: {} handled messages could not be deleted and will be delivered again: {}", spec.name(),
                    response.failed().size(), response.failed().get(0).message());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        pollers.shutdownNow();
        heartbeat.shutdownNow();
        try {
            pollers.awaitTermination(WAIT_SECONDS + 5L, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
