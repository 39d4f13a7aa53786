package dev.mlapi.train;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.training.ModelTrainer;
import dev.mlapi.training.SearchOptions;
import dev.mlapi.training.TrainSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The same grid (≥ 60 fits on a ≥ 50k-row generated table) three ways, on real ElasticMQ,
 * DynamoDB Local and S3Proxy in this JVM: the in-process search ({@link ModelTrainer#train} on one
 * core: search, refit, export, verification, registration), and the fan-out (the planner, then
 * fit workers consuming the training queue, then the refit) with 1 and with 2 workers of one core
 * each. Prints wall time, fits, tasks, the per-task overhead and the speed-ups, and the machine's
 * load. Not a test: {@code ./mvnw -q -o -pl functions/train -am test-compile exec:exec@bench -Dbench=train}.
 * {@code -Dbench.algorithm=random_forest} runs issue 23's forest grid instead ({@code n_estimators}
 * {50, 100} × {@code max_depth} {8, none} = 4 candidates × 5 folds = 20 fits) on a generated table of
 * 20 features ({@code -Dbench.rows=20000} for issue 23's size).
 */
public final class FanOutBenchmark {

    static final int ROWS = Integer.getInteger("bench.rows", 50_000);
    /** {@code decision_tree} (the default: the 6 × 2 grid) or {@code random_forest} (issue 23's 2 × 2 grid). */
    static final boolean FOREST = "random_forest".equals(System.getProperty("bench.algorithm", "decision_tree"));
    static final long SEED = 42;

    public static void main(String[] args) throws Exception {
        String only = System.getProperty("bench", "");
        if (!only.isEmpty() && !only.equals("train")) {
            return;
        }
        try (TrainingQueue queue = TrainingQueue.start(Duration.ofMinutes(15)); TestStack stack = TestStack.start(queue.environment())) {
            new FanOutBenchmark(queue, stack).run();
        }
        System.exit(0); // DynamoDB Local's scheduler thread is not a daemon
    }

    private final TrainingQueue queue;
    private final TestStack stack;
    private final TrainHandler api;
    private final TrainWorkerHandler planner;
    private final TrainingTable table;
    private final String token;
    private final String csv;

    private FanOutBenchmark(TrainingQueue queue, TestStack stack) {
        this.queue = queue;
        this.stack = stack;
        this.api = new TrainHandler(stack.wiring());
        this.planner = new TrainWorkerHandler(stack.wiring());
        this.table = TrainComponents.table(stack.wiring());
        this.token = stack.signedIn("bench", Role.ADMIN).token();
        this.csv = table(ROWS);
    }

    /**
     * 6 × 2 = 12 candidates × 5 folds = 60 fits of decision trees; or, with {@link #FOREST}, issue
     * 23's forest grid: 2 × 2 = 4 candidates × 5 folds = 20 fits.
     */
    private Map<String, Object> request(String modelName, String table) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model_name", modelName);
        request.put("algorithm", FOREST ? "random_forest" : "decision_tree");
        request.put("target", "label");
        request.put("dataset", Map.of("csv", table));
        Map<String, Object> grid = new LinkedHashMap<>();
        if (FOREST) {
            grid.put("n_estimators", List.of(50, 100));
            grid.put("max_depth", java.util.Arrays.asList(8, null));
        } else {
            grid.put("max_depth", List.of(4, 6, 8, 10, 12, 16));
            grid.put("min_samples_leaf", List.of(1, 10));
        }
        request.put("params", grid);
        request.put("cv_folds", 5);
        request.put("seed", 7);
        return request;
    }

    private record Run(String name, double wallSeconds, int fits, int tasks, int workersSeen, double fitSeconds,
            double overheadSeconds, double fanOutSeconds, String bestParams, double bestScore) {
    }

    private void run() throws Exception {
        String load = loadAverage();
        System.out.printf(Locale.ROOT, "fan-out benchmark: %d rows × %s, 5 folds; %d cores; load average at start"
                + " %s%n", ROWS, FOREST ? "20 features, random_forest n_estimators {50, 100} × max_depth {8, none}"
                : "6 features, decision_tree 6×2 grid", Runtime.getRuntime().availableProcessors(), load);
        // Warm-up: the same code paths on a small table, so no variant pays the JIT alone.
        String small = table(Math.min(3_000, ROWS));
        inProcess("warm-up", small);
        fanOut("warm-up", small, 2);
        queue.purge();

        List<Run> runs = new ArrayList<>();
        runs.add(inProcess("in-process search, 1 core", csv));
        runs.add(fanOut("fan-out, 1 worker", csv, 1));
        runs.add(fanOut("fan-out, 2 workers", csv, 2));
        String loadAfter = loadAverage();

        double inProcessWall = runs.get(0).wallSeconds();
        double oneWorker = runs.get(1).wallSeconds();
        System.out.println();
        System.out.println("| variant | wall, s | fits | tasks | workers seen | fit time, s (sum) | per-task overhead in the"
                + " worker, ms | % of the task's fit time | per-task overhead incl. queue, ms | vs in-process | vs 1 worker |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Run run : runs) {
            boolean fanned = run.tasks() > 0;
            double perTaskFit = fanned ? run.fitSeconds() / run.tasks() : 0;
            double overheadMs = fanned ? 1000 * run.overheadSeconds() / run.tasks() : 0;
            int workers = run.name().contains("2 workers") ? 2 : 1;
            // Everything the workers spent that was not fitting, per task: load, parse, queue, records, idle.
            double allOverheadMs = fanned ? 1000 * Math.max(0, workers * run.fanOutSeconds() - run.fitSeconds())
                    / run.tasks() : 0;
            System.out.printf(Locale.ROOT, "| %s | %.1f | %d | %s | %s | %.1f | %s | %s | %s | %.2f× | %s |%n",
                    run.name(), run.wallSeconds(), run.fits(), fanned ? run.tasks() : "–",
                    fanned ? run.workersSeen() : "–", run.fitSeconds(),
                    fanned ? String.format(Locale.ROOT, "%.0f", overheadMs) : "–",
                    fanned ? String.format(Locale.ROOT, "%.1f %%", 100 * overheadMs / 1000 / perTaskFit) : "–",
                    fanned ? String.format(Locale.ROOT, "%.0f (%.1f %%)", allOverheadMs,
                            100 * allOverheadMs / 1000 / perTaskFit) : "–",
                    inProcessWall / run.wallSeconds(),
                    fanned ? String.format(Locale.ROOT, "%.2f×", oneWorker / run.wallSeconds()) : "–");
        }
        System.out.println();
        for (Run run : runs) {
            System.out.printf(Locale.ROOT, "%s: best %s, score %.6f%n", run.name(), run.bestParams(), run.bestScore());
        }
        System.out.printf(Locale.ROOT, "fan-out 1 worker / in-process: %.2f× the time (aim ≤ 1.15×); 2 workers: %.2f×"
                + " faster than 1 (aim ≥ 1.7×)%n", oneWorker / inProcessWall, oneWorker / runs.get(2).wallSeconds());
        System.out.printf("load average at start %s, at end %s%n", load, loadAfter);
    }

    /** The old path: one JVM, one core, the whole job (search, refit, export, verification, registration). */
    private Run inProcess(String name, String table) {
        byte[] body = Json.write(request("in-process-" + UUID.randomUUID(), table));
        ModelTrainer trainer = new ModelTrainer(TrainComponents.Storage.create(stack.wiring()).registry());
        long started = System.nanoTime();
        TrainSpec spec = TrainSpec.parse(body); // the old worker parsed the CSV too
        ModelTrainer.Outcome outcome = trainer.train(spec, "bench", (done, total) -> { },
                SearchOptions.defaults().withParallelism(1));
        double wall = (System.nanoTime() - started) / 1e9;
        double fitSeconds = outcome.candidates().stream().mapToDouble(c -> c.meanFitSeconds() * spec.cvFolds()).sum();
        return new Run(name, wall, spec.candidates().size() * spec.cvFolds(), 0, 1, fitSeconds, 0, wall,
                String.valueOf(outcome.best().params()), outcome.best().meanScore());
    }

    /** Submit, plan, and {@code workers} fit workers of one core each until the job finishes; wall from plan to result. */
    private Run fanOut(String name, String table, int workers) throws Exception {
        var response = invoke(api, withJson(withBearer(load("train-submit-inline.json"), token),
                request("fanned-" + UUID.randomUUID(), table)));
        if (response.getStatusCode() != 202) {
            throw new IllegalStateException(response.getBody());
        }
        String jobId = body(response).get("job_id").asText();
        AtomicBoolean finished = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            FitWorkerHandler handler = new FitWorkerHandler(TrainComponents.fitWorker(stack.wiring(), 1));
            Thread thread = new Thread(() -> consume(handler, finished), "fanout-worker-" + (w + 1));
            threads.add(thread);
        }
        long started = System.nanoTime();
        threads.forEach(Thread::start);
        planner.handleRequest(TrainFixtures.inserted(jobId, "INSERT", "job"), new LocalContext(
                UUID.randomUUID().toString(), "train-worker", System.currentTimeMillis() + 900_000));
        TrainingJob job;
        while (!(job = this.table.findJob(jobId).orElseThrow()).status().isFinished()) {
            Thread.sleep(20);
        }
        double wall = (System.nanoTime() - started) / 1e9;
        finished.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        if (job.status() != JobStatus.SUCCEEDED) {
            throw new IllegalStateException(name + ": " + job.status() + " " + job.error().orElse(""));
        }
        JsonNode result = Json.readTree(job.result().orElseThrow().getBytes(StandardCharsets.UTF_8));
        return new Run(name, wall, job.total(), result.get("tasks").asInt(), result.get("workers_seen").asInt(),
                result.get("fit_seconds").asDouble(), result.get("task_overhead_seconds").asDouble(),
                result.get("fanout_seconds").asDouble(), result.get("best_params").toString(),
                result.get("best_score").asDouble());
    }

    /** One local worker: as Lambda's SQS poller with batch size 1 and one execution environment. */
    private void consume(FitWorkerHandler handler, AtomicBoolean finished) {
        while (!finished.get()) {
            List<Message> messages = queue.sqs.client().receiveMessage(r -> r.queueUrl(queue.url).maxNumberOfMessages(1)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .messages();
            for (Message message : messages) {
                SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
                record.setMessageId(message.messageId());
                record.setBody(message.body());
                record.setAttributes(Map.of("ApproximateReceiveCount",
                        message.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1")));
                SQSEvent event = new SQSEvent();
                event.setRecords(List.of(record));
                var response = handler.handleRequest(event, new LocalContext(UUID.randomUUID().toString(), "fit-worker",
                        System.currentTimeMillis() + Duration.ofMinutes(15).toMillis()));
                if (response.getBatchItemFailures().isEmpty()) {
                    try {
                        queue.sqs.client().deleteMessage(r -> r.queueUrl(queue.url)
                                .receiptHandle(message.receiptHandle()));
                    } catch (RuntimeException e) {
                        System.err.println("could not delete a finished task: " + e);
                    }
                }
            }
        }
    }

    /** The benchmark's table: {@link TrainFixtures#largeCsv} (6 features), or 20 features for the forest grid. */
    private static String table(int rows) {
        if (!FOREST) {
            return TrainFixtures.largeCsv(rows, SEED);
        }
        java.util.Random random = new java.util.Random(SEED);
        StringBuilder csv = new StringBuilder();
        for (int f = 0; f < 20; f++) {
            csv.append('x').append(f).append(',');
        }
        csv.append("label\n");
        double[] x = new double[20];
        for (int i = 0; i < rows; i++) {
            for (int f = 0; f < x.length; f++) {
                x[f] = random.nextGaussian();
                csv.append(String.format(Locale.ROOT, "%.4f,", x[f]));
            }
            double signal = x[0] - 0.8 * x[1] + 0.6 * x[2] * x[3] + Math.sin(2 * x[4]) + 0.5 * Math.abs(x[5])
                    - 0.3 * x[6] + random.nextGaussian();
            csv.append(signal > 0.3 ? "yes" : "no").append('\n');
        }
        return csv.toString();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
