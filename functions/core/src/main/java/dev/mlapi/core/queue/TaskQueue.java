package dev.mlapi.core.queue;

import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * The one way code sends tasks: messages to one SQS queue ({@link dev.mlapi.catalog.QueueCatalog}),
 * by {@code SendMessageBatch} of up to 10. A message body is a small JSON object naming the job and
 * the unit of work (datasets stay in S3); each body is checked against SQS's size limit before
 * anything is sent. Entries SQS did not accept for a reason of its own are sent again a few times;
 * then, or for an entry refused as the sender's fault, the send fails.
 *
 * <p>Tasks sent before a failure stay sent: a consumer must be idempotent anyway (SQS delivers at
 * least once), so a caller may send the same list again.
 */
public final class TaskQueue {

    /** SQS's limit on one message, and on one {@code SendMessageBatch} request (bodies summed): 256 KiB. */
    public static final int MAX_BODY_BYTES = 256 * 1024;
    /** SQS's limit on the entries of one {@code SendMessageBatch}. */
    public static final int MAX_BATCH_ENTRIES = 10;
    /** Sends of one batch's failed entries before giving up (the SDK already retries whole requests). */
    static final int ATTEMPTS = 4;
    private static final Duration FIRST_PAUSE = Duration.ofMillis(50);

    private final SqsClient sqs;
    private final String queueUrl;

    public TaskQueue(SqsClient sqs, String queueUrl) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
    }

    /** The queue {@code queue} of this deployment, through the wiring's SQS client and the queue's URL variable. */
    public static TaskQueue of(Wiring wiring, QueueSpec queue) {
        return new TaskQueue(wiring.sqs(), wiring.config().environment().queueUrl(queue));
    }

    public String queueUrl() {
        return queueUrl;
    }

    /**
     * Sends every body as one message, in batches of at most {@link #MAX_BATCH_ENTRIES} messages
     * and {@link #MAX_BODY_BYTES} bytes.
     *
     * @throws IllegalArgumentException before sending anything, when a body is empty or larger than
     *                                  {@link #MAX_BODY_BYTES} (UTF-8)
     * @throws ServiceUnavailable       when SQS did not accept some messages after {@link #ATTEMPTS}
     *                                  sends, or refused one; the message names how many and why
     */
    public void send(List<String> bodies) {
        List<Integer> sizes = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            String body = Objects.requireNonNull(bodies.get(i), "task " + i + " is null");
            int bytes = body.getBytes(StandardCharsets.UTF_8).length;
            if (bytes == 0 || bytes > MAX_BODY_BYTES) {
                throw new IllegalArgumentException("task " + i + " is " + bytes + " bytes; a task must be 1.."
                        + MAX_BODY_BYTES + " bytes (SQS's limit): name the data in S3 instead of carrying it");
            }
            sizes.add(bytes);
        }
        Map<String, SendMessageBatchRequestEntry> batch = new LinkedHashMap<>();
        int batchBytes = 0;
        for (int i = 0; i < bodies.size(); i++) {
            if (batch.size() == MAX_BATCH_ENTRIES || batchBytes + sizes.get(i) > MAX_BODY_BYTES) {
                sendBatch(batch);
                batch.clear();
                batchBytes = 0;
            }
            String id = Integer.toString(i);
            batch.put(id, SendMessageBatchRequestEntry.builder().id(id).messageBody(bodies.get(i)).build());
            batchBytes += sizes.get(i);
        }
        if (!batch.isEmpty()) {
            sendBatch(batch);
        }
    }

    private void sendBatch(Map<String, SendMessageBatchRequestEntry> entries) {
        Map<String, SendMessageBatchRequestEntry> pending = new LinkedHashMap<>(entries);
        for (int attempt = 1; ; attempt++) {
            SendMessageBatchResponse response = sqs.sendMessageBatch(r -> r.queueUrl(queueUrl)
                    .entries(pending.values()));
            response.successful().forEach(ok -> pending.remove(ok.id()));
            if (pending.isEmpty()) {
                return;
            }
            List<BatchResultErrorEntry> failed = response.failed();
            List<BatchResultErrorEntry> refused = failed.stream().filter(BatchResultErrorEntry::senderFault).toList();
            if (!refused.isEmpty() || attempt >= ATTEMPTS) {
                String reason = (refused.isEmpty() ? failed : refused).stream().findFirst()
                        .map(error -> error.code() + " " + error.message()).orElse("no result for them");
                throw new ServiceUnavailable("SQS did not accept " + pending.size() + " of " + entries.size()
                        + " tasks for " + queueUrl + " after " + attempt + " attempt(s): " + reason);
            }
            pause(attempt);
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(FIRST_PAUSE.toMillis() << (attempt - 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailable("interrupted while sending tasks again");
        }
    }
}
