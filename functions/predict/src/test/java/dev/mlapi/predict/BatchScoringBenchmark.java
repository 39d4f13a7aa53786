package dev.mlapi.predict;

import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.EmbeddedSqs;
import dev.mlapi.core.testkit.InterleavedBench;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import dev.mlapi.registry.S3ModelRegistry;
import dev.mlapi.training.ModelTrainer;
import dev.mlapi.training.TrainSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Batch scoring's throughput per worker against {@code /predict}'s cost per row, with a 100-tree
 * random forest (trained here by the training library) on DynamoDB Local, S3Proxy and ElasticMQ:
 * one batch-worker runs every task of a 200,000-row job in turn (plan, 10 chunks of 20,000 rows,
 * assembly), and {@code POST /predict} through its handler answers 1 and 1,000 instances.
 *
 * <pre>./mvnw -q -o -pl functions/predict -am -DskipTests test-compile exec:exec@bench-batch</pre>
 */
public final class BatchScoringBenchmark {

    static final int ROWS = 200_000;
    static final int CHUNK_ROWS = 20_000;
    static final int TREES = 100;
    static final int PREDICT_CALLS = 200;

    private BatchScoringBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        InterleavedBench.runThenHalt("batch", BatchScoringBenchmark::run);
    }

    private static void run() throws Exception {
        try (EmbeddedSqs sqs = EmbeddedSqs.start()) {
            String queueUrl = sqs.createQueue(QueueCatalog.BATCH_TASKS, Duration.ofMinutes(5));
            try (TestStack stack = TestStack.start(Map.of(Env.SQS_ENDPOINT, sqs.endpoint().toString(),
                    Env.BATCH_TASKS_QUEUE_URL, queueUrl, Env.BATCH_CHUNK_ROWS, Integer.toString(CHUNK_ROWS)))) {
                measure(stack, sqs, queueUrl);
            }
        }
    }

    private static void measure(TestStack stack, EmbeddedSqs sqs, String queueUrl) throws Exception {
        RegistrySettings settings = RegistrySettings.from(stack.config());
        S3ModelRegistry registry = S3ModelRegistry.create(settings, Clock.systemUTC());
        StringBuilder training = new StringBuilder("sepal_length,sepal_width,petal_length,petal_width,species\n");
        java.util.Random random = new java.util.Random(11);
        String[] species = {"setosa", "versicolor", "virginica"};
        for (int i = 0; i < 2_000; i++) {
            int c = random.nextInt(3);
            training.append(String.format(Locale.ROOT, "%.1f,%.1f,%.1f,%.1f,%s%n", 4.5 + c + random.nextDouble(),
                    2.5 + random.nextDouble(), 1.2 + 2.2 * c + random.nextDouble(), 0.1 + 0.9 * c + random.nextDouble(),
                    species[c]));
        }
        TrainSpec spec = TrainSpec.parse(Json.write(Map.of("model_name", "bench-forest", "algorithm", "random_forest",
                "target", "species", "dataset", Map.of("csv", training.toString()),
                "params", Map.of("n_estimators", List.of(TREES)), "cv_folds", 2, "seed", 7)));
        Manifest manifest = new ModelTrainer(registry).train(spec, "bench", (done, total) -> { }).manifest();
        System.out.printf(Locale.ROOT, "model %s: random_forest n_estimators=%d, inputs %s%n", manifest.ref(), TREES,
                PredictService.inputColumns(manifest));

        BatchScoringTest.stack = stack;
        BatchScoringTest.s3 = S3Clients.s3(settings);
        BatchScoringTest.bucket = settings.bucket();
        try (PredictService service = PredictService.create(stack.config(), registry)) {
            BatchComponents components = BatchComponents.create(stack.wiring(), service, BatchScoringTest.s3,
                    settings.bucket(), BatchComponents.tasks(stack.wiring()));
            PredictHandler handler = new PredictHandler(stack.wiring(), service, components.jobs());
            BatchWorkerHandler worker = new BatchWorkerHandler(components.worker(), service, 3);
            JobsTable jobs = new JobsTable(stack.wiring().dynamoDb(),
                    stack.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS));
            String token = stack.signedIn("bench", Role.ADMIN).token();

            String csv = BatchScoringTest.flowers(ROWS, 12);
            String datasetId = BatchScoringTest.dataset("bench", csv);
            // warm: a small job through every task kind (model load, JIT), then the measured one
            runJob(handler, worker, jobs, sqs, queueUrl, token, BatchScoringTest.dataset("bench",
                    BatchScoringTest.flowers(3 * CHUNK_ROWS / 2, 13)), manifest.ref(), new long[3]);
            long[] phases = new long[3];
            long started = System.nanoTime();
            String jobId = runJob(handler, worker, jobs, sqs, queueUrl, token, datasetId, manifest.ref(), phases);
            double wall = (System.nanoTime() - started) / 1e9;
            JobsTable.Job job = jobs.find(jobId).orElseThrow();
            if (!job.status().equals("succeeded")) {
                throw new IllegalStateException("the job " + job.status() + ": " + job.error().orElse(""));
            }

            List<Object> rows = new ArrayList<>();
            String[] lines = csv.split("\n");
            for (int i = 1; rows.size() < 1_000 && i < lines.length; i++) {
                String[] cells = lines[i].split(",");
                if (cells.length != 7) {
                    continue;
                }
                ObjectNode instance = Json.mapper().createObjectNode();
                instance.put("sepal_length", cells[1]).put("sepal_width", cells[2]).put("petal_length", cells[3])
                        .put("petal_width", cells[4]);
                rows.add(instance);
            }
            double one = predictMedian(handler, token, manifest.ref(), rows.subList(0, 1));
            double thousand = predictMedian(handler, token, manifest.ref(), rows);

            System.out.printf(Locale.ROOT, "%nbatch scoring, one worker, %d rows in %d chunks of %d (%.1f MB CSV)%n",
                    ROWS, job.total(), CHUNK_ROWS, csv.length() / 1e6);
            System.out.printf(Locale.ROOT, "| path | rows | time | rows/s | µs per row |%n|---|---:|---:|---:|---:|%n");
            System.out.printf(Locale.ROOT, "| batch job, end to end (queue, plan, score, assemble) | %d | %.2f s | %.0f | %.1f |%n",
                    ROWS, wall, ROWS / wall, wall * 1e6 / ROWS);
            System.out.printf(Locale.ROOT, "|   plan (stream the CSV, cut chunks) | %d | %.2f s | %.0f | %.1f |%n",
                    ROWS, phases[0] / 1e9, ROWS / (phases[0] / 1e9), phases[0] / 1e3 / ROWS);
            System.out.printf(Locale.ROOT, "|   score tasks (read range, parse, ONNX, write part, count) | %d | %.2f s | %.0f | %.1f |%n",
                    ROWS, phases[1] / 1e9, ROWS / (phases[1] / 1e9), phases[1] / 1e3 / ROWS);
            System.out.printf(Locale.ROOT, "|   assemble (multipart concatenation) | %d | %.2f s | %.0f | %.1f |%n",
                    ROWS, phases[2] / 1e9, ROWS / (phases[2] / 1e9), phases[2] / 1e3 / ROWS);
            System.out.printf(Locale.ROOT, "| POST /predict, 1 instance (median of %d) | 1 | %.2f ms | %.0f | %.1f |%n",
                    PREDICT_CALLS, one / 1e6, 1e9 / one, one / 1e3);
            System.out.printf(Locale.ROOT, "| POST /predict, 1,000 instances (median of %d) | 1000 | %.2f ms | %.0f | %.1f |%n",
                    PREDICT_CALLS, thousand / 1e6, 1000 * 1e9 / thousand, thousand / 1e3 / 1000);
        }
    }

    /** Submits and runs every task of the job with one worker, in turn; adds plan/score/assembly nanoseconds to {@code phases}. */
    private static String runJob(PredictHandler handler, BatchWorkerHandler worker, JobsTable jobs, EmbeddedSqs sqs,
            String queueUrl, String token, String datasetId, String model, long[] phases) {
        var accepted = invoke(handler, withJson(withBearer(load("predict-batch.json"), token),
                Map.of("model", model, "dataset_id", datasetId)));
        if (accepted.getStatusCode() != 202) {
            throw new IllegalStateException(accepted.getBody());
        }
        String jobId = Json.readTree(accepted.getBody().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .get("job_id").asText();
        while (jobs.find(jobId).orElseThrow().isActive()) {
            List<Message> messages = sqs.client().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .messages();
            for (Message message : messages) {
                SQSEvent.SQSMessage lambda = new SQSEvent.SQSMessage();
                lambda.setMessageId(message.messageId());
                lambda.setBody(message.body());
                lambda.setAttributes(Map.of("ApproximateReceiveCount", "1"));
                SQSEvent event = new SQSEvent();
                event.setRecords(List.of(lambda));
                long t0 = System.nanoTime();
                worker.handleRequest(event, null);
                int phase = message.body().contains("\"plan\"") ? 0 : message.body().contains("\"score\"") ? 1 : 2;
                phases[phase] += System.nanoTime() - t0;
                sqs.client().deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            }
        }
        return jobId;
    }

    private static double predictMedian(PredictHandler handler, String token, String model, List<Object> instances) {
        Map<String, Object> body = Map.of("model", model, "instances", instances);
        long[] times = new long[PREDICT_CALLS];
        for (int i = 0; i < PREDICT_CALLS / 2; i++) {
            invoke(handler, withJson(withBearer(load("predict-instances-objects.json"), token), body));
        }
        for (int i = 0; i < PREDICT_CALLS; i++) {
            var event = withJson(withBearer(load("predict-instances-objects.json"), token), body);
            long t0 = System.nanoTime();
            var response = invoke(handler, event);
            times[i] = System.nanoTime() - t0;
            if (response.getStatusCode() != 200) {
                throw new IllegalStateException(response.getBody());
            }
        }
        Arrays.sort(times);
        return times[times.length / 2];
    }
}
