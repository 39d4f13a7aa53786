package dev.mlapi.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How the local server runs: where it listens, where it keeps data, its storage ports, how it
 * consumes its queues.
 *
 * @param port           HTTP port of the API ({@code PORT}, default 3000; 0 = any free port)
 * @param host           interface to bind ({@code HOST}, default 127.0.0.1)
 * @param dataDir        where users, tokens, the request log and models persist ({@code .local/})
 * @param dynamoDbPort   DynamoDB Local's port ({@code DYNAMODB_LOCAL_PORT}, default 8000; 0 = any)
 * @param s3Port         the S3 server's port ({@code S3_LOCAL_PORT}, default 9000; 0 = any)
 * @param sqsPort        ElasticMQ's port, always on 127.0.0.1 ({@code SQS_LOCAL_PORT}, default 9324; 0 = any)
 * @param sqsConcurrency batches of one queue-triggered function in flight at once
 *                       ({@code LOCAL_SQS_CONCURRENCY}, default: the machine's cores; at most the
 *                       trigger's own maximum concurrency)
 * @param sqsVisibilityTimeout the local queues' visibility timeout ({@code LOCAL_SQS_VISIBILITY_TIMEOUT_SECONDS},
 *                       default 10 s): how soon a failed task is delivered again. In AWS it is the
 *                       queue's own (90 min, 6 × the consumer's timeout); locally a failed task
 *                       comes back within seconds so retries and the dead-letter queue can be
 *                       watched. A task still being handled is not delivered again meanwhile: the
 *                       local event source extends its visibility while the function runs.
 * @param scheduleInterval every scheduled function (image sweeper, registry clean-up) this often
 *                       instead of on its own schedule ({@code LOCAL_SCHEDULE_INTERVAL_SECONDS}; default:
 *                       the schedules of the catalog, as in AWS)
 */
public record LocalSettings(int port, String host, Path dataDir, int dynamoDbPort, int s3Port, int sqsPort,
        int sqsConcurrency, Duration sqsVisibilityTimeout, Optional<Duration> scheduleInterval) {

    /** {@code LOCAL_SQS_CONCURRENCY}'s default: one batch per core. */
    public static final int DEFAULT_SQS_CONCURRENCY = Runtime.getRuntime().availableProcessors();
    /** {@code LOCAL_SQS_VISIBILITY_TIMEOUT_SECONDS}'s default. */
    public static final Duration DEFAULT_SQS_VISIBILITY_TIMEOUT = Duration.ofSeconds(10);

    public LocalSettings {
        if (sqsConcurrency < 1) {
            throw new IllegalArgumentException("LOCAL_SQS_CONCURRENCY must be at least 1, got " + sqsConcurrency);
        }
        if (sqsVisibilityTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("LOCAL_SQS_VISIBILITY_TIMEOUT_SECONDS must be at least 1, got "
                    + sqsVisibilityTimeout.toSeconds());
        }
        if (scheduleInterval.isPresent() && scheduleInterval.get().compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("LOCAL_SCHEDULE_INTERVAL_SECONDS must be at least 1, got "
                    + scheduleInterval.get().toSeconds());
        }
    }

    /** Tests: ElasticMQ on any free port, the default concurrency and visibility timeout. */
    public LocalSettings(int port, String host, Path dataDir, int dynamoDbPort, int s3Port) {
        this(port, host, dataDir, dynamoDbPort, s3Port, 0, DEFAULT_SQS_CONCURRENCY, DEFAULT_SQS_VISIBILITY_TIMEOUT,
                Optional.empty());
    }

    /** The same settings with every scheduled function run this often. */
    public LocalSettings withScheduleInterval(Duration interval) {
        return new LocalSettings(port, host, dataDir, dynamoDbPort, s3Port, sqsPort, sqsConcurrency,
                sqsVisibilityTimeout, Optional.of(interval));
    }

    /** The same settings with another queue concurrency and visibility timeout. */
    public LocalSettings withSqs(int concurrency, Duration visibilityTimeout) {
        return new LocalSettings(port, host, dataDir, dynamoDbPort, s3Port, sqsPort, concurrency, visibilityTimeout,
                scheduleInterval);
    }

    public static LocalSettings fromMap(Map<String, String> env, Path repositoryRoot) {
        return new LocalSettings(
                Integer.parseInt(env.getOrDefault("PORT", "3000")),
                env.getOrDefault("HOST", "127.0.0.1"),
                Path.of(env.getOrDefault("MLAPI_DATA_DIR", repositoryRoot.resolve(".local").toString())),
                Integer.parseInt(env.getOrDefault("DYNAMODB_LOCAL_PORT", "8000")),
                Integer.parseInt(env.getOrDefault("S3_LOCAL_PORT", "9000")),
                Integer.parseInt(env.getOrDefault("SQS_LOCAL_PORT", "9324")),
                Integer.parseInt(env.getOrDefault("LOCAL_SQS_CONCURRENCY", Integer.toString(DEFAULT_SQS_CONCURRENCY))),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("LOCAL_SQS_VISIBILITY_TIMEOUT_SECONDS",
                        Long.toString(DEFAULT_SQS_VISIBILITY_TIMEOUT.toSeconds())))),
                Optional.ofNullable(env.get("LOCAL_SCHEDULE_INTERVAL_SECONDS")).filter(v -> !v.isBlank())
                        .map(v -> Duration.ofSeconds(Long.parseLong(v.trim()))));
    }
}
