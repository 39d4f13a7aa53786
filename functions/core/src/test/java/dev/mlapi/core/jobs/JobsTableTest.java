package dev.mlapi.core.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.testkit.TestStack;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The jobs table's batch side on DynamoDB Local: units counted exactly once however many workers
 * race (each twice), exactly one of them told it completed the job, the owner's slot taken at
 * insert (refused at the limit) and given back once.
 */
class JobsTableTest {

    static TestStack stack;
    static JobsTable jobs;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        jobs = new JobsTable(stack.wiring().dynamoDb(), stack.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static String insert(String owner, OptionalInt limit) {
        String id = "job-" + UUID.randomUUID().toString().replace("-", "");
        Instant now = Instant.now();
        return jobs.insert(id, owner, JobKind.PREDICT_BATCH, "iris", "{}", "training/datasets/x/data.csv",
                Optional.empty(), now, now.plusSeconds(3600), limit) ? id : null;
    }

    @Test
    void countUnit_whenTwentyWorkersRaceOverTenUnitsEachTwice_countsEachOnce_andOneCountIsTheLast() throws Exception {
        String id = insert("racer", OptionalInt.empty());
        assertThat(jobs.start(id, 10, Instant.now())).isTrue();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<JobsTable.Count>> counts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int unit = i % 10;
            Callable<JobsTable.Count> count = () -> jobs.countUnit(id, "part#" + unit, Map.of(), Instant.now());
            counts.add(pool.submit(count));
        }
        List<JobsTable.Count> outcomes = new ArrayList<>();
        for (Future<JobsTable.Count> count : counts) {
            outcomes.add(count.get());
        }
        pool.shutdown();

        assertThat(jobs.find(id).orElseThrow().done()).isEqualTo(10);
        assertThat(outcomes).filteredOn(c -> c == JobsTable.Count.LAST).hasSize(1);
        assertThat(outcomes).filteredOn(c -> c == JobsTable.Count.DUPLICATE).hasSize(10);
        for (int unit = 0; unit < 10; unit++) {
            assertThat(jobs.unit(id, "part#" + unit)).isPresent();
        }
        // Units stay out of the by-kind index (a write there per unit would double each count's cost).
        String table = stack.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS);
        var indexed = stack.wiring().dynamoDb().query(r -> r.tableName(table).indexName(TableCatalog.TRAINING_BY_KIND)
                .keyConditionExpression("#kind = :unit").expressionAttributeNames(Map.of("#kind", JobsTable.KIND))
                .expressionAttributeValues(Map.of(":unit", JobsTable.s(JobsTable.UNIT))));
        assertThat(indexed.items()).isEmpty();
        assertThat(jobs.unit(id, "part#0").orElseThrow()).containsKey(JobsTable.RECORDED_AT)
                .doesNotContainKey(JobsTable.CREATED_AT);
    }

    @Test
    void insert_takesASlotUpToTheLimit_andFinishingGivesItBackOnce() {
        String first = insert("slots", OptionalInt.of(2));
        String second = insert("slots", OptionalInt.of(2));
        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(insert("slots", OptionalInt.of(2))).as("at the limit").isNull();
        assertThat(jobs.activeJobs("slots")).isEqualTo(2);

        assertThat(jobs.fail(first, "broken", Instant.now())).isTrue();
        assertThat(jobs.fail(first, "again", Instant.now())).as("finished already").isFalse();
        assertThat(jobs.start(second, 1, Instant.now())).isTrue();
        assertThat(jobs.succeed(second, "{}", Instant.now())).isTrue();
        assertThat(jobs.succeed(second, "{}", Instant.now())).isFalse();
        assertThat(jobs.activeJobs("slots")).isZero();
        assertThat(jobs.countUnit(first, "part#0", Map.of(), Instant.now())).isEqualTo(JobsTable.Count.NOT_RUNNING);
        assertThat(jobs.find(first).orElseThrow().error()).contains("broken");
        assertThat(jobs.active(JobKind.PREDICT_BATCH)).extracting(JobsTable.Job::id).doesNotContain(first, second);
    }
}
