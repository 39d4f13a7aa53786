package dev.mlapi.train;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withPath;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.queue.TaskQueue;
import dev.mlapi.core.testkit.LocalContext;
import dev.mlapi.training.ClassWeight;
import dev.mlapi.training.GridSearch;
import dev.mlapi.training.SearchOptions;
import dev.mlapi.training.TrainSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A grid search fanned out: the planner (train-worker) sends fit tasks to a real queue (ElasticMQ),
 * the fit worker's handler runs them as Lambda's event source would, on DynamoDB Local and S3Proxy.
 * The job ends with the in-process search's best parameters and scores, every fit counted once
 * however often its task is delivered; a fit that always throws fails its job naming it and puts
 * its task in the dead-letter queue; a cancelled job's tasks start no fit; and work lost with the
 * queue (a killed server) is sent again by {@link JobRecovery}, to the same end, nothing counted twice.
 */
class FanOutTest {

    static TrainFixtures.Pipeline train;

    @BeforeAll
    static void start() {
        train = TrainFixtures.Pipeline.start();
    }

    @AfterAll
    static void stop() {
        train.close();
    }

    /** The planner runs the job's stream record: it claims the job, times one fit and sends the tasks. */
    static void plan(String jobId) {
        var response = train.planner.handleRequest(TrainFixtures.inserted(jobId, "INSERT", "job"),
                new LocalContext(UUID.randomUUID().toString(), "train-worker",
                        System.currentTimeMillis() + Duration.ofMinutes(15).toMillis()));
        assertThat(response.getBatchItemFailures()).isEmpty();
    }

    /** The job's unit items, read from the table itself. */
    static List<Map<String, AttributeValue>> units(String jobId) {
        String name = train.stack.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS);
        return train.stack.wiring().dynamoDb().scanPaginator(r -> r.tableName(name).consistentRead(true)
                .filterExpression("#kind = :unit AND #job = :job")
                .expressionAttributeNames(Map.of("#kind", "kind", "#job", "job"))
                .expressionAttributeValues(Map.of(":unit", AttributeValue.fromS("unit"),
                        ":job", AttributeValue.fromS(jobId)))).items().stream().toList();
    }

    static Map<String, Object> forest(String modelName, int rows, List<Object> trees, List<Object> depths, int folds) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model_name", modelName);
        request.put("algorithm", "random_forest");
        request.put("target", "label");
        request.put("dataset", Map.of("csv", TrainFixtures.largeCsv(rows, 3)));
        request.put("params", Map.of("n_estimators", trees, "max_depth", depths));
        request.put("cv_folds", folds);
        request.put("seed", 9);
        return request;
    }

    @Test
    void aGridJob_givesTheInProcessSearchsBestParamsAndScores_andCountsEachFitOnce_howeverOftenDelivered() {
        Map<String, Object> request = forest("fanned-forest", 600, List.of(10, 20), List.of(3, 6), 4);
        String jobId = train.submit(request);
        plan(jobId);
        TrainingJob planned = train.job(jobId);
        assertThat(planned.total()).as("2 × 2 candidates × 4 folds").isEqualTo(16);
        assertThat(planned.done()).as("the planner's timed fit").isEqualTo(1);
        // Redeliveries: the same fits sent again, twice, beside the planner's tasks.
        String again = TrainingTask.fits(jobId, List.of(new TrainingTask.Fit(1, 0), new TrainingTask.Fit(3, 3)),
                planned.datasetKey(), "").toJson();
        new TaskQueue(train.queue.sqs.client(), train.queue.url).send(List.of(again, again));

        train.queue.drain(train.fitWorker);

        TrainingJob done = train.job(jobId);
        assertThat(done.status()).as(done.error().orElse("")).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.done()).isEqualTo(16);
        assertThat(units(jobId)).hasSize(16);
        JsonNode result = Json.readTree(done.result().orElseThrow().getBytes(StandardCharsets.UTF_8));
        assertThat(result.get("tasks").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(result.get("workers_seen").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(result.get("fanout_seconds").asDouble()).isPositive();

        TrainSpec spec = TrainSpec.parse(Json.write(request));
        GridSearch.Result inProcess = GridSearch.run(spec.split().training(), spec.algorithm(), spec.candidates(),
                spec.cvFolds(), spec.seed(), spec.scoring(), ClassWeight.NONE, SearchOptions.defaults(), (d, t) -> { });
        assertThat(Json.mapper().convertValue(result.get("best_params"), Map.class))
                .isEqualTo(inProcess.bestCandidate().params());
        assertThat(result.get("best_score").asDouble()).isEqualTo(inProcess.bestCandidate().meanScore());
        for (int c = 0; c < inProcess.candidates().size(); c++) {
            assertThat(result.get("candidates").get(c).get("mean_score").asDouble()).as("candidate " + c)
                    .isEqualTo(inProcess.candidates().get(c).meanScore());
            assertThat(result.get("candidates").get(c).get("std_score").asDouble()).as("candidate " + c)
                    .isEqualTo(inProcess.candidates().get(c).stdScore());
        }
        assertThat(train.versionsOf("fanned-forest")).isEqualTo(1);
        var view = body(invoke(train.api, withPath(withBearer(load("train-get.json"), train.alice), "/train/" + jobId,
                Map.of("job_id", jobId))));
        assertThat(view.get("progress").get("done").asInt()).isEqualTo(16);
        assertThat(view.get("progress").get("total").asInt()).isEqualTo(16);
    }

    @Test
    void aFitThatAlwaysThrows_failsItsJobNamingTheCandidateAndFold_andItsTaskEndsInTheDeadLetterQueue() {
        // No value a grid accepts makes Tribuo throw; the fault sits in front of the real fit.
        FitWorker poisoned = new FitWorker(train.table, new JobInputs(train.storage.files(), DatasetCache.inTempDirectory()),
                new FitRunner(train.table, new TaskQueue(train.queue.sqs.client(), train.queue.url), Clock.systemUTC(),
                        (plan, candidate, fold, options) -> {
                            if (candidate == 1) {
                                throw new IllegalStateException("no split is possible for this candidate");
                            }
                            return plan.fit(candidate, fold, options);
                        }),
                TrainComponents.worker(train.stack.wiring()), train.storage.registry(), Clock.systemUTC(), 1);
        Map<String, Object> request = new LinkedHashMap<>(TrainFixtures.irisTree("poisoned"));
        String jobId = train.submit(request);
        plan(jobId);

        train.queue.drain(new FitWorkerHandler(poisoned));

        TrainingJob failed = train.job(jobId);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().orElseThrow()).matches("fit of candidate 1 \\(max_depth=2\\) on fold \\d failed: "
                + "no split is possible for this candidate");
        assertThat(train.queue.deadLetterBodies()).anySatisfy(body -> assertThat(body).contains("\"job\":\"" + jobId + "\""));
        assertThat(train.versionsOf("poisoned")).isZero();
    }

    @Test
    void aCancelledJob_startsNoFitOfItsRemainingTasks_andRegistersNothing() {
        String jobId = train.submit(forest("cancelled-fanned", 600, List.of(10, 20), List.of(3, 6), 4));
        plan(jobId);
        assertThat(train.job(jobId).done()).isEqualTo(1);
        assertThat(train.queue.pending()).isPositive();

        assertThat(train.table.cancel(jobId, "alice", java.time.Instant.now())).isTrue();
        train.queue.drain(train.fitWorker);

        TrainingJob cancelled = train.job(jobId);
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.done()).as("only the planner's fit").isEqualTo(1);
        assertThat(units(jobId)).hasSize(1);
        assertThat(train.versionsOf("cancelled-fanned")).isZero();
    }

    @Test
    void workLostWithTheQueue_isSentAgainByJobRecovery_andTheJobSucceeds_withNoFitCountedTwice() {
        String jobId = train.submit(forest("recovered-forest", 4000, List.of(400, 500), List.of(4, 8), 5));
        plan(jobId);
        TrainingJob planned = train.job(jobId);
        assertThat(train.queue.pending()).as("several tasks").isGreaterThan(1);
        // Half-way, the server dies: the tasks in its queue are gone.
        train.queue.drainWhile(train.fitWorker, () -> train.job(jobId).done() < planned.total() / 2);
        train.queue.purge();
        TrainingJob halfWay = train.job(jobId);
        assertThat(halfWay.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(halfWay.done()).isBetween(1, planned.total() - 1);

        assertThat(new JobRecovery(train.stack.wiring()).resume()).isGreaterThanOrEqualTo(1);
        // Again, this time every fit but no refit: the refit task is lost too.
        train.queue.drainWhile(train.fitWorker, () -> train.job(jobId).done() < planned.total());
        train.queue.purge();
        assertThat(train.job(jobId).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(new JobRecovery(train.stack.wiring()).resume()).isGreaterThanOrEqualTo(1);
        train.queue.drain(train.fitWorker);

        TrainingJob done = train.job(jobId);
        assertThat(done.status()).as(done.error().orElse("")).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.done()).isEqualTo(done.total()).isEqualTo(20);
        assertThat(units(jobId)).hasSize(20);
        assertThat(train.versionsOf("recovered-forest")).isEqualTo(1);
    }
}
