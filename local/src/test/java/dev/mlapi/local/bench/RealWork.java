package dev.mlapi.local.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.bench.ColdStartProbe;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.images.ManageImagesHandler;
import dev.mlapi.predict.BatchWorkerHandler;
import dev.mlapi.predict.PredictHandler;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import dev.mlapi.train.TrainHandler;
import dev.mlapi.train.TrainWorkerHandler;
import dev.mlapi.training.ModelTrainer;
import dev.mlapi.training.TrainSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The real work that sizes a function, for {@link SizingBenchmark}: before a function's JVM is spawned,
 * one event per invoke made through the same code the API uses (the API's handlers and the planners run
 * here, on the bench stack, and the tasks they queue are taken off ElasticMQ), and afterwards a check that
 * every invoke did its work (the jobs table), so a probe whose invokes did nothing fails loudly.
 *
 * <ul>
 * <li>batch-worker: per invoke, a batch-scoring job of a 20,000-row table (one chunk, the product's
 * {@code BATCH_CHUNK_ROWS}) by the iris tree, submitted through predict's {@code POST /predict/batch},
 * planned by batch-worker's handler here; the event is its score task;</li>
 * <li>tag-worker: per invoke, a {@code POST /images/classify} job over 25 photos (the product's batch
 * size: copies of {@code ../shared/images}); the event is its tag task;</li>
 * <li>train-worker: per invoke, a {@code POST /train} job with a 20,000-row inline table (random forest);
 * the event is the stream's INSERT of the job, which the worker plans (reads and parses the table);</li>
 * <li>fit-worker: per invoke, such a job planned here by train-worker's handler; the event is its first
 * fit task (a random forest candidate's fits on 20,000 rows);</li>
 * <li>classify: the shared photos, one per invoke in turn; predict: a 100-tree forest trained here by the
 * training library, 25 distinct rows per invoke.</li>
 * </ul>
 */
final class RealWork {

    /** Rows of the generated tables: batch scoring's chunk, and a table of the size users bring to training. */
    static final int ROWS = 20_000;
    /** Photos per tag task (TaggingPlan.BATCH_SIZE). */
    static final int PHOTOS = 25;
    static final String FOREST = "bench-forest";

    /** The events of one probe (invoke i uses {@code events[i % n]}) and the check that every invoke did its work. */
    record Prepared(Path folder, Check check, String what) {
    }

    interface Check {
        void verify() throws Exception;
    }

    private final BenchStack bench;
    private final JobsTable jobs;
    private final Path work;
    private boolean forestTrained;

    RealWork(BenchStack bench) throws IOException {
        this.bench = bench;
        this.jobs = new JobsTable(bench.stack().wiring().dynamoDb(),
                bench.stack().config().environment().tableName(TableCatalog.JOBS_AND_DATASETS));
        this.work = Files.createDirectories(bench.root().resolve("local/target/bench/real-work"));
    }

    /** What sizes {@code spec}, for {@code invokes} invokes (the first included); empty: its sample event is used. */
    Optional<Prepared> prepare(FunctionSpec spec, int invokes) throws Exception {
        return switch (spec.name()) {
            case "batch-worker" -> Optional.of(batchWorker(invokes));
            case "tag-worker" -> Optional.of(tagWorker(invokes));
            case "train-worker" -> Optional.of(trainWorker(invokes));
            case "fit-worker" -> Optional.of(fitWorker(invokes));
            case "classify" -> Optional.of(classify());
            case "predict" -> Optional.of(predict());
            default -> Optional.empty();
        };
    }

    // ---- batch-worker

    private String dataset;

    private Prepared batchWorker(int invokes) throws Exception {
        if (dataset == null) {
            dataset = uploadDataset("bench-score.csv", scoringTable(ROWS).getBytes(StandardCharsets.UTF_8));
        }
        purge(QueueCatalog.BATCH_TASKS);
        PredictHandler predict = new PredictHandler(bench.stack().wiring());
        BatchWorkerHandler planner = new BatchWorkerHandler(bench.stack().wiring());
        List<String> ids = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < invokes; i++) {
            JsonNode accepted = api(predict, "predict-batch.json", Map.of("model", "iris@production", "dataset_id", dataset),
                    202);
            String job = accepted.get("job_id").asText();
            String plan = only(QueueCatalog.BATCH_TASKS, job);
            SQSBatchResponse planned = planner.handleRequest(sqsEvent("batch-worker-score-task.json", plan), null);
            if (!planned.getBatchItemFailures().isEmpty()) {
                throw new IllegalStateException("the plan of " + job + " failed");
            }
            String score = only(QueueCatalog.BATCH_TASKS, job);
            if (!score.contains("\"score\"") || !score.contains("\"rows\":" + ROWS)) {
                throw new IllegalStateException("job " + job + ": expected one score task of " + ROWS + " rows, got " + score);
            }
            ids.add(job);
            bodies.add(score);
        }
        Path folder = events("batch-worker", "batch-worker-score-task.json", bodies);
        return new Prepared(folder, () -> expectDone(ids, 1), invokes + " jobs, one chunk of " + ROWS
                + " rows each (iris tree), one per invoke");
    }

    /** An id, the iris tree's four columns, a note: {@code rows} rows. */
    static String scoringTable(int rows) {
        Random random = new Random(9);
        StringBuilder csv = new StringBuilder("id,sepal_length,sepal_width,petal_length,petal_width,note\n");
        for (int i = 1; i <= rows; i++) {
            csv.append(String.format(Locale.ROOT, "r%d,%.2f,%.2f,%.2f,%.2f,%s%n", i, 4.5 + 3 * random.nextDouble(),
                    2 + 2 * random.nextDouble(), 1 + 6 * random.nextDouble(), 0.1 + 2.4 * random.nextDouble(),
                    i % 9 == 0 ? "seen twice" : "ok"));
        }
        return csv.toString();
    }

    private String uploadDataset(String name, byte[] csv) throws Exception {
        TrainHandler train = new TrainHandler(bench.stack().wiring());
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(csv));
        JsonNode reserved = api(train, "train-dataset-reserve.json", Map.of("name", name, "size", csv.length, "sha256",
                sha256), 201);
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(reserved.get("upload").get("url").asText()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(csv));
        reserved.get("upload").get("headers").fields().forEachRemaining(h -> {
            if (!h.getKey().equalsIgnoreCase("content-length") && !h.getKey().equalsIgnoreCase("host")) {
                put.header(h.getKey(), h.getValue().asText());
            }
        });
        HttpResponse<String> uploaded = HttpClient.newHttpClient().send(put.build(), HttpResponse.BodyHandlers.ofString());
        if (uploaded.statusCode() != 200) {
            throw new IllegalStateException("dataset upload answered " + uploaded.statusCode() + ": " + uploaded.body());
        }
        String id = reserved.get("dataset_id").asText();
        APIGatewayV2HTTPEvent commit = Events.withPath(bench.adminEvent("train-dataset-commit.json"),
                "/datasets/" + id + "/commit", Map.of("dataset_id", id));
        check(Events.invoke(train, commit), 200);
        return id;
    }

    // ---- tag-worker

    private boolean photosUploaded;

    private Prepared tagWorker(int invokes) throws Exception {
        ManageImagesHandler images = new ManageImagesHandler(bench.stack().wiring());
        if (!photosUploaded) {
            api(images, "images-create-tag.json", Map.of("name", "bench-album"), 201);
            List<Path> photos = photos();
            Map<String, byte[]> files = new LinkedHashMap<>();
            for (int i = 0; i < PHOTOS; i++) {
                Path photo = photos.get(i % photos.size());
                files.put(i + "-" + photo.getFileName(), Files.readAllBytes(photo));
            }
            String boundary = "----sizing-bench";
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            files.forEach((name, bytes) -> {
                body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + name
                        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                body.writeBytes(bytes);
                body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            });
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nbench-album\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            APIGatewayV2HTTPEvent upload = Events.withBinaryBody(bench.adminEvent("images-upload.json"),
                    "multipart/form-data; boundary=" + boundary, body.toByteArray());
            APIGatewayV2HTTPResponse uploaded = Events.invoke(images, upload);
            if (uploaded.getStatusCode() != 201 && uploaded.getStatusCode() != 200) {
                throw new IllegalStateException("upload answered " + uploaded.getStatusCode() + ": " + uploaded.getBody());
            }
            photosUploaded = true;
        }
        purge(QueueCatalog.IMAGE_TASKS);
        List<String> ids = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < invokes; i++) {
            JsonNode accepted = api(images, "images-classify.json", Map.of("tag", "bench-album", "apply", false), 202);
            String job = accepted.get("job_id").asText();
            String task = only(QueueCatalog.IMAGE_TASKS, job);
            if (Json.mapper().readTree(task).get("images").size() != PHOTOS) {
                throw new IllegalStateException("job " + job + ": expected one tag task of " + PHOTOS + " images, got " + task);
            }
            ids.add(job);
            bodies.add(task);
        }
        Path folder = events("tag-worker", "tag-worker-tag-task.json", bodies);
        return new Prepared(folder, () -> expectDone(ids, 1), invokes + " jobs, one batch of " + PHOTOS
                + " photos each (MobileNetV2 int8), one per invoke");
    }

    private List<Path> photos() throws IOException {
        Path folder = bench.root().toAbsolutePath().resolveSibling("shared").resolve("images");
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> photos = files.filter(f -> f.getFileName().toString().matches(".*\\.(jpg|png)")).sorted().toList();
            if (photos.isEmpty()) {
                throw new IllegalStateException("no photos in " + folder);
            }
            return photos;
        }
    }

    // ---- train-worker and fit-worker

    /** A random forest grid on a {@code rows}-row, 6-feature two-class table (TrainFixtures.largeCsv's). */
    static Map<String, Object> forestJob(String model, int rows, long seed) {
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder("a,b,c,d,e,f,label\n");
        for (int i = 0; i < rows; i++) {
            double[] x = new double[6];
            for (int j = 0; j < x.length; j++) {
                x[j] = random.nextGaussian();
            }
            boolean positive = x[0] + 0.5 * x[1] * x[2] - x[3] + 0.8 * random.nextGaussian() > 0;
            for (double v : x) {
                csv.append(String.format(Locale.ROOT, "%.4f,", v));
            }
            csv.append(positive ? "yes" : "no").append('\n');
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model_name", model);
        request.put("algorithm", "random_forest");
        request.put("target", "label");
        request.put("dataset", Map.of("csv", csv.toString()));
        request.put("params", Map.of("n_estimators", List.of(FIT_TREES), "max_depth", List.of(8)));
        request.put("cv_folds", 3);
        request.put("seed", 42);
        return request;
    }

    /** Trees of the fit-worker's forest candidate (BENCH_FIT_TREES; default 50). */
    static final int FIT_TREES = Integer.parseInt(System.getenv().getOrDefault("BENCH_FIT_TREES", "50"));

    private List<String> submitTrainJobs(int invokes) throws Exception {
        TrainHandler train = new TrainHandler(bench.stack().wiring());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < invokes; i++) {
            JsonNode accepted = api(train, "train-submit-inline.json", forestJob("bench-rf-" + i, ROWS, i), 202);
            ids.add(accepted.get("job_id").asText());
        }
        return ids;
    }

    private Prepared trainWorker(int invokes) throws Exception {
        purge(QueueCatalog.TRAINING_TASKS);
        List<String> ids = submitTrainJobs(invokes);
        List<String> events = new ArrayList<>();
        for (String id : ids) {
            events.add(Files.readString(Events.folder().resolve("train-worker-job-inserted.json"))
                    .replace("job-0f1e2d3c4b5a69788796a5b4c3d2e1f0", id));
        }
        Path folder = write("train-worker", events);
        return new Prepared(folder, () -> {
            for (String id : ids) {
                JobsTable.Job job = jobs.find(id).orElseThrow();
                if (job.total() == 0 || !job.isRunning()) {
                    throw new IllegalStateException("train-worker did not plan " + id + ": " + job);
                }
            }
        }, invokes + " forest jobs (" + ROWS + " rows × 6 features inline), one planned per invoke");
    }

    private Prepared fitWorker(int invokes) throws Exception {
        purge(QueueCatalog.TRAINING_TASKS);
        List<String> ids = submitTrainJobs(invokes);
        TrainWorkerHandler planner = new TrainWorkerHandler(bench.stack().wiring());
        List<String> bodies = new ArrayList<>();
        for (String id : ids) {
            String inserted = Files.readString(Events.folder().resolve("train-worker-job-inserted.json"))
                    .replace("job-0f1e2d3c4b5a69788796a5b4c3d2e1f0", id);
            planner.handleRequest(ColdStartProbe.mapper().readValue(inserted,
                    com.amazonaws.services.lambda.runtime.events.DynamodbEvent.class), null);
        }
        List<Message> all = receiveAll(QueueCatalog.TRAINING_TASKS);
        for (String id : ids) {
            String first = all.stream().map(Message::body).filter(b -> b.contains(id) && b.contains("\"fit\""))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no fit task of " + id + " in " + all));
            bodies.add(first);
        }
        // The planner timed one fit of each job here: the invoke's fits are counted on top of it.
        Map<String, Integer> before = new LinkedHashMap<>();
        ids.forEach(id -> before.put(id, jobs.find(id).orElseThrow().done()));
        int fits = Json.mapper().readTree(bodies.get(0)).get("fits").size();
        Path folder = events("fit-worker", "fit-worker-task.json", bodies);
        return new Prepared(folder, () -> {
            for (String id : ids) {
                JobsTable.Job job = jobs.find(id).orElseThrow();
                if (job.done() < before.get(id) + fits) {
                    throw new IllegalStateException("fit-worker did not do the " + fits + " fits of " + id + " (done "
                            + before.get(id) + " before, " + job.done() + " after): " + job);
                }
            }
        }, invokes + " forest jobs (" + ROWS + " rows, n_estimators " + FIT_TREES + ", max_depth 8, 3 folds): one fit task"
                + " each (" + fits + " fits), one per invoke");
    }

    // ---- classify and predict

    private Prepared classify() throws Exception {
        List<String> events = new ArrayList<>();
        for (Path photo : photos()) {
            ObjectNode json = (ObjectNode) Json.mapper().readTree(bench.event("classify-image-base64.json").toFile());
            ObjectNode body = (ObjectNode) Json.mapper().readTree(json.get("body").asText());
            body.put("image_base64", Base64.getEncoder().encodeToString(Files.readAllBytes(photo)));
            json.put("body", Json.mapper().writeValueAsString(body));
            ((ObjectNode) json.get("headers")).remove("content-length");
            events.add(Json.mapper().writeValueAsString(json));
        }
        return new Prepared(write("classify", events), () -> { }, events.size() + " photos of ../shared/images in turn");
    }

    private Prepared predict() throws Exception {
        if (!forestTrained) {
            S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(bench.stack().config()),
                    Clock.systemUTC());
            Path iris = bench.root().toAbsolutePath().resolveSibling("shared").resolve("datasets/iris.csv");
            TrainSpec spec = TrainSpec.parse(Json.write(Map.of("model_name", FOREST, "algorithm", "random_forest",
                    "dataset", Map.of("csv", Files.readString(iris)), "params", Map.of("n_estimators", List.of(100)),
                    "cv_folds", 2, "seed", 7)));
            Manifest manifest = new ModelTrainer(registry).train(spec, "bench", (done, total) -> { }).manifest();
            registry.setAlias(FOREST, "production", manifest.version(), "bench");
            forestTrained = true;
        }
        Random random = new Random(11);
        List<String> events = new ArrayList<>();
        for (int e = 0; e < 16; e++) {
            List<Map<String, Object>> instances = new ArrayList<>();
            for (int r = 0; r < 25; r++) {
                instances.add(Map.of("sepal_length", round(4.5 + 3 * random.nextDouble()), "sepal_width",
                        round(2 + 2 * random.nextDouble()), "petal_length", round(1 + 6 * random.nextDouble()),
                        "petal_width", round(0.1 + 2.4 * random.nextDouble())));
            }
            ObjectNode json = (ObjectNode) Json.mapper().readTree(bench.event("predict-instances-objects.json").toFile());
            json.put("body", Json.writeString(Map.of("model", FOREST + "@production", "instances", instances)));
            ((ObjectNode) json.get("headers")).remove("content-length");
            events.add(Json.mapper().writeValueAsString(json));
        }
        return new Prepared(write("predict", events), () -> { }, "a 100-tree forest (trained here on iris), 25 distinct"
                + " rows per invoke, 16 requests in turn");
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    // ---- helpers

    private JsonNode api(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler, String file,
            Object body, int status) throws IOException {
        return check(Events.invoke(handler, Events.withJson(bench.adminEvent(file), body)), status);
    }

    private static JsonNode check(APIGatewayV2HTTPResponse response, int status) throws IOException {
        if (response.getStatusCode() != status) {
            throw new IllegalStateException("expected " + status + ", got " + response.getStatusCode() + ": "
                    + response.getBody());
        }
        return Json.mapper().readTree(response.getBody());
    }

    private void expectDone(List<String> ids, int units) {
        for (String id : ids) {
            JobsTable.Job job = jobs.find(id).orElseThrow();
            if (job.done() < units) {
                throw new IllegalStateException("an invoke did nothing: job " + id + " has " + job.done() + " of " + units
                        + " units done: " + job);
            }
        }
    }

    private SqsClient sqs() {
        return bench.sqs().client();
    }

    private String url(QueueSpec queue) {
        return bench.queueUrl(queue);
    }

    private void purge(QueueSpec queue) {
        receiveAll(queue);
    }

    /** Every message now visible in the queue (each then invisible for its visibility timeout, so never seen twice). */
    private List<Message> receiveAll(QueueSpec queue) {
        List<Message> all = new ArrayList<>();
        while (true) {
            List<Message> some = sqs().receiveMessage(r -> r.queueUrl(url(queue)).maxNumberOfMessages(10)
                    .waitTimeSeconds(0)).messages();
            if (some.isEmpty()) {
                return all;
            }
            all.addAll(some);
            for (Message m : some) {
                sqs().deleteMessage(r -> r.queueUrl(url(queue)).receiptHandle(m.receiptHandle()));
            }
        }
    }

    /** The one message of job {@code job} now in the queue. */
    private String only(QueueSpec queue, String job) {
        List<Message> all = receiveAll(queue);
        List<String> mine = all.stream().map(Message::body).filter(b -> b.contains(job)).toList();
        if (mine.size() != 1) {
            throw new IllegalStateException("expected one task of " + job + " in " + queue.localName() + ", got " + mine);
        }
        return mine.get(0);
    }

    private static SQSEvent sqsEvent(String sample, String body) throws IOException {
        return ColdStartProbe.mapper().readValue(withBody(sample, body), SQSEvent.class);
    }

    private static String withBody(String sample, String body) throws IOException {
        ObjectNode event = (ObjectNode) Json.mapper().readTree(Events.folder().resolve(sample).toFile());
        ObjectNode record = (ObjectNode) event.get("Records").get(0);
        record.put("body", body);
        record.put("messageId", UUID.randomUUID().toString());
        record.remove("md5OfBody");
        return Json.mapper().writeValueAsString(event);
    }

    private Path events(String function, String sample, List<String> bodies) throws IOException {
        List<String> events = new ArrayList<>();
        for (String body : bodies) {
            events.add(withBody(sample, body));
        }
        return write(function, events);
    }

    private Path write(String function, List<String> events) throws IOException {
        Path folder = work.resolve(function + "-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(folder);
        for (int i = 0; i < events.size(); i++) {
            Files.writeString(folder.resolve(String.format(Locale.ROOT, "%04d.json", i)), events.get(i));
        }
        return folder;
    }
}
