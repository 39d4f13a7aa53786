package dev.mlapi.core.testkit;

import dev.mlapi.catalog.QueueSpec;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * An SQS server (ElasticMQ) in this JVM, bound to 127.0.0.1 only, in memory: its queues are gone
 * when it stops. {@link #createQueue} makes a {@link QueueSpec}'s queue and its dead-letter queue
 * with the redrive policy, as the stack does; ElasticMQ itself then moves a message received
 * {@code maxReceiveCount} times to the dead-letter queue.
 */
public final class EmbeddedSqs implements AutoCloseable {

    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    /** The account in the queues' URLs and ARNs ({@code http://127.0.0.1:9324/000000000000/<name>}). */
    public static final String ACCOUNT_ID = "000000000000";

    private final SQSRestServer server;
    private final URI endpoint;
    private final SqsClient client;

    private EmbeddedSqs(SQSRestServer server, URI endpoint) {
        this.server = server;
        this.endpoint = endpoint;
        this.client = SqsClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** On any free loopback port. */
    public static EmbeddedSqs start() {
        return start(0);
    }

    /** On {@code port} of 127.0.0.1 (0 = any free port). */
    public static EmbeddedSqs start(int requestedPort) {
        int port = requestedPort == 0 ? EmbeddedDynamoDb.freePort() : requestedPort;
        SQSRestServer server = SQSRestServerBuilder
                .withInterface("127.0.0.1")
                .withPort(port)
                // The queue URLs ElasticMQ hands out name this address.
                .withServerAddress(new NodeAddress("http", "127.0.0.1", port, ""))
                .withAWSAccountId(ACCOUNT_ID)
                .withAWSRegion("us-east-1")
                .start();
        server.waitUntilStarted();
        return new EmbeddedSqs(server, URI.create("http://127.0.0.1:" + port));
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A client of this server (its own; the functions build theirs from {@code SQS_ENDPOINT}). */
    public SqsClient client() {
        return client;
    }

    /** {@code queue} and its dead-letter queue, with {@code queue}'s own visibility timeout; returns its URL. */
    public String createQueue(QueueSpec queue) {
        return createQueue(queue, queue.visibilityTimeout());
    }

    /**
     * {@code queue} and its dead-letter queue (asked to keep messages {@link QueueSpec#DEAD_LETTER_RETENTION};
     * ElasticMQ ignores retention and keeps them until deleted or the server stops), the
     * queue redriving to it after {@link QueueSpec#maxReceiveCount()} receives, with
     * {@code visibilityTimeout} instead of the queue's own (the local server's shorter one).
     * Creating an existing queue again with the same attributes is a no-op.
     *
     * @return the queue's URL
     */
    public String createQueue(QueueSpec queue, Duration visibilityTimeout) {
        String deadLetters = client.createQueue(r -> r.queueName(queue.deadLetterLocalName()).attributes(Map.of(
                QueueAttributeName.MESSAGE_RETENTION_PERIOD,
                Long.toString(QueueSpec.DEAD_LETTER_RETENTION.toSeconds())))).queueUrl();
        String deadLettersArn = client.getQueueAttributes(r -> r.queueUrl(deadLetters)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        return client.createQueue(r -> r.queueName(queue.localName()).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibilityTimeout.toSeconds()),
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + deadLettersArn
                        + "\",\"maxReceiveCount\":\"" + queue.maxReceiveCount() + "\"}"))).queueUrl();
    }

    /** Every queue of {@code queues} (see {@link #createQueue(QueueSpec, Duration)}); their URLs by variable. */
    public Map<String, String> createQueues(List<QueueSpec> queues, java.util.function.Function<QueueSpec, Duration> visibility) {
        Map<String, String> urls = new LinkedHashMap<>();
        for (QueueSpec queue : queues) {
            urls.put(queue.envVar(), createQueue(queue, visibility.apply(queue)));
        }
        return urls;
    }

    /** The URL of an existing queue by name (a dead-letter queue: {@link QueueSpec#deadLetterLocalName()}). */
    public String queueUrl(String name) {
        return client.getQueueUrl(r -> r.queueName(name)).queueUrl();
    }

    /**
     * Stops the server, waiting at most {@link #STOP_WAIT} (ElasticMQ's own {@code stopAndWait}
     * waits a minute, and its actor system can take that long when a long poll or a handler's
     * call is still open at shutdown): the queues are in memory, so nothing is lost by not waiting.
     */
    @Override
    public void close() {
        client.close();
        try {
            scala.concurrent.Await.result(server.stopAndGetFuture().apply(),
                    scala.concurrent.duration.Duration.create(STOP_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        } catch (Exception e) { // TimeoutException, undeclared in Scala's signature
            System.getLogger(EmbeddedSqs.class.getName()).log(System.Logger.Level.WARNING,
                    "ElasticMQ did not stop within " + STOP_WAIT + "; going on without it (" + e + ")");
        }
    }
}
