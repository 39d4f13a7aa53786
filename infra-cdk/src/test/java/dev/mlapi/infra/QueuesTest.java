package dev.mlapi.infra;

import static dev.mlapi.infra.support.Cfn.at;
import static dev.mlapi.infra.support.Cfn.list;
import static dev.mlapi.infra.support.Cfn.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.OpenApiRoutes;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.catalog.Resource;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.infra.sam.SamTemplateGenerator;
import dev.mlapi.infra.support.Cfn;
import dev.mlapi.infra.support.CloudFormationYaml;
import dev.mlapi.infra.support.DeploymentView;
import dev.mlapi.infra.support.DeploymentView.FunctionView;
import dev.mlapi.infra.support.Repository;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The queues of {@link QueueCatalog} in both deployments, and a queue-triggered function (none
 * is in the catalog yet, so the test declares one) mapped, granted and configured alike.
 */
class QueuesTest {

    private static final DeploymentView SAM = DeploymentView.ofSam(CloudFormationYaml.load(Repository.SAM_TEMPLATE));
    private static final DeploymentView STACK = TestStacks.get().view;

    /** Consumes the training tasks, and sends batch tasks (so it is a producer too). */
    static final FunctionSpec WORKER = FunctionSpec.event("queue-test-worker")
            .optModule("train")
            .setDescription("A test consumer of the training tasks.")
            .setHandler("dev.mlapi.train.QueueTestWorker::handleRequest")
            .setSize(2048, Duration.ofMinutes(15), "the longest a task may take; the queue hides it 6 times as long")
            .setTrigger(new Trigger.Sqs(QueueCatalog.TRAINING_TASKS, 2, 5, Duration.ofSeconds(3)))
            .optGrant(Resource.BATCH_TASKS_QUEUE, "sqs:SendMessage")
            .build();

    private static List<FunctionSpec> catalogWithWorker() {
        List<FunctionSpec> catalog = new ArrayList<>(FunctionCatalog.ALL);
        catalog.add(WORKER);
        return catalog;
    }

    private static App app() {
        Map<String, Object> context = new HashMap<>(TestStacks.cdkJsonContext());
        context.put(StackSettings.REPOSITORY_ROOT, Repository.ROOT.toString());
        context.put(StackSettings.MISSING_JAR_PLACEHOLDER, TestStacks.PLACEHOLDER.toString());
        return App.Builder.create().context(context).build();
    }

    @Test
    void everyQueue_hasItsDeadLetterQueue_redriveEncryptionAndTlsOnly_inTheStackAndTemplateYaml() {
        for (DeploymentView view : List.of(STACK, SAM)) {
            assertThat(Cfn.resourcesOfType(view.template(), "AWS::SQS::Queue").keySet()).as(view.source())
                    .containsAll(QueueCatalog.ALL.stream().flatMap(q -> List.of(q.logicalId(), q.deadLetterLogicalId())
                            .stream()).toList());
            for (QueueSpec queue : QueueCatalog.ALL) {
                String what = view.source() + " " + queue.logicalId();
                Map<String, Object> properties = at(view.resource(queue.logicalId()), "Properties");
                assertThat(properties.get("VisibilityTimeout")).as(what).isEqualTo((int) queue.visibilityTimeout().toSeconds());
                assertThat(properties.get("SqsManagedSseEnabled")).as(what + " encryption").isEqualTo(true);
                Map<String, Object> redrive = at(properties, "RedrivePolicy");
                assertThat(redrive.get("maxReceiveCount")).as(what + " redrive").isEqualTo(queue.maxReceiveCount());
                assertThat(Cfn.referencedIds(redrive.get("deadLetterTargetArn"))).as(what + " redrive")
                        .containsExactly(queue.deadLetterLogicalId());
                Map<String, Object> deadLetters = at(view.resource(queue.deadLetterLogicalId()), "Properties");
                assertThat(deadLetters.get("MessageRetentionPeriod")).as(what + " dead letters")
                        .isEqualTo((int) QueueSpec.DEAD_LETTER_RETENTION.toSeconds());
                assertThat(deadLetters.get("SqsManagedSseEnabled")).as(what + " dead letters").isEqualTo(true);
                assertThat(deadLetters).as(what + " dead letters redrive nowhere").doesNotContainKey("RedrivePolicy");
                for (String id : List.of(queue.logicalId(), queue.deadLetterLogicalId())) {
                    assertThat(deniesPlainHttp(view, id)).as("%s: %s denies plain-HTTP access", view.source(), id).isTrue();
                }
            }
        }
    }

    private static boolean deniesPlainHttp(DeploymentView view, String queueId) {
        return Cfn.resourcesOfType(view.template(), "AWS::SQS::QueuePolicy").values().stream()
                .filter(policy -> Cfn.referencedIds(policy.get("Queues")).contains(queueId))
                .flatMap(policy -> list(at(policy, "PolicyDocument").get("Statement")).stream())
                .map(Cfn::map)
                .anyMatch(s -> "Deny".equals(s.get("Effect"))
                        && "false".equals(at(s, "Condition", "Bool").get("aws:SecureTransport"))
                        && Cfn.referencedIds(s.get("Resource")).contains(queueId));
    }

    @Test
    void aQueueConsumer_isMappedGrantedAndConfiguredAlike_inTheStackAndTemplateYaml() {
        App app = app();
        MlApiStack stack = new MlApiStack(app, "WithWorker", StackProps.builder().build(),
                StackSettings.fromContext(app.getNode()), catalogWithWorker());
        DeploymentView cdk = DeploymentView.ofStack(Template.fromStack(stack).toJSON());
        DeploymentView sam = DeploymentView.ofSam(CloudFormationYaml.loadString(new SamTemplateGenerator(
                OpenApiRoutes.read(Repository.OPENAPI), catalogWithWorker()).render()));

        assertSqsTriggeredAlike(cdk, sam, WORKER);
        FunctionView cdkWorker = cdk.functions().get(WORKER.name());
        FunctionView samWorker = sam.functions().get(WORKER.name());
        // Consumer grants on its queue, SendMessage on the other; no on-failure queue of its own.
        var grants = LeastPrivilegeTest.normalized(LeastPrivilegeTest.grants(cdk, cdkWorker));
        assertThat(LeastPrivilegeTest.normalized(LeastPrivilegeTest.grants(sam, samWorker))).isEqualTo(grants);
        assertThat(grants.get("TrainingTasksQueue")).containsExactlyInAnyOrder("sqs:ReceiveMessage",
                "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility");
        assertThat(grants.get("BatchTasksQueue")).containsExactly("sqs:SendMessage");
        assertThat(grants.keySet()).noneMatch(key -> key.contains("FailureQueue"));
        assertThat(Cfn.resources(sam.template())).doesNotContainKey(WORKER.logicalName() + "FailureQueue");
        assertThat(Cfn.resources(cdk.template()).keySet()).noneMatch(id -> id.startsWith(WORKER.logicalName() + "FailureQueue"));
        // The queues' URLs: a Ref of the queue in both.
        for (DeploymentView view : List.of(cdk, sam)) {
            Map<String, Object> env = view.functions().get(WORKER.name()).environment();
            assertThat(Cfn.referencedIds(env.get(Env.TRAINING_TASKS_QUEUE_URL))).as(view.source())
                    .containsExactly("TrainingTasksQueue");
            assertThat(env.get(Env.TRAINING_TASKS_QUEUE_URL)).as(view.source()).isEqualTo(Map.of("Ref", "TrainingTasksQueue"));
            assertThat(env.get(Env.BATCH_TASKS_QUEUE_URL)).as(view.source()).isEqualTo(Map.of("Ref", "BatchTasksQueue"));
        }
    }

    /**
     * {@code spec}'s SQS event source mapping in the stack and its SQS event in template.yaml:
     * the same queue, batch size, batching window, maximum concurrency, and partial batch responses.
     */
    static void assertSqsTriggeredAlike(DeploymentView stack, DeploymentView sam, FunctionSpec spec) {
        Trigger.Sqs sqs = spec.trigger().orElseThrow().match(stream -> {
            throw new AssertionError(spec.name() + " is triggered by a stream");
        }, queue -> queue, schedule -> {
            throw new AssertionError(spec.name() + " is triggered by a schedule");
        });
        String functionId = stack.functions().get(spec.name()).logicalId();
        List<Map<String, Object>> mappings = Cfn.resourcesOfType(stack.template(), "AWS::Lambda::EventSourceMapping")
                .values().stream().filter(m -> Cfn.referencedIds(m.get("FunctionName")).stream()
                        .anyMatch(id -> id.equals(functionId) || isAliasOf(stack, id, functionId)))
                .toList();
        assertThat(mappings).as("%s: event source mappings in the stack", spec.name()).hasSize(1);
        Map<String, Object> mapping = mappings.get(0);
        assertThat(Cfn.referencedIds(mapping.get("EventSourceArn"))).containsExactly(sqs.queue().logicalId());
        assertThat(mapping.get("BatchSize")).isEqualTo(sqs.batchSize());
        assertThat(mapping.get("MaximumBatchingWindowInSeconds")).isEqualTo((int) sqs.maxBatchingWindow().toSeconds());
        assertThat(mapping.get("FunctionResponseTypes")).isEqualTo(List.of("ReportBatchItemFailures"));
        assertThat(mapping.get("ScalingConfig")).isEqualTo(Map.of("MaximumConcurrency", sqs.maxConcurrency()));
        assertThat(mapping).doesNotContainKeys("DestinationConfig", "StartingPosition");

        Map<String, Object> events = map(sam.functions().get(spec.name()).properties().get("Events"));
        assertThat(events).as("%s: events in template.yaml", spec.name()).hasSize(1);
        Map<String, Object> event = map(events.get(sqs.queue().logicalId()));
        assertThat(event.get("Type")).isEqualTo("SQS");
        Map<String, Object> properties = at(event, "Properties");
        assertThat(Cfn.referencedIds(properties.get("Queue"))).containsExactly(sqs.queue().logicalId());
        for (String property : List.of("BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes",
                "ScalingConfig")) {
            assertThat(properties.get(property)).as("%s %s", spec.name(), property).isEqualTo(mapping.get(property));
        }
    }

    private static boolean isAliasOf(DeploymentView view, String aliasId, String functionId) {
        Map<String, Object> alias = Cfn.resourcesOfType(view.template(), "AWS::Lambda::Alias").get(aliasId);
        return alias != null && Cfn.referencedIds(alias.get("FunctionName")).contains(functionId);
    }

    @Test
    void cdkNag_findsNoUnsuppressedError_withAQueueConsumer() {
        App app = app();
        MlApiStack stack = new MlApiStack(app, "NaggedWithWorker", StackProps.builder().build(),
                StackSettings.fromContext(app.getNode()), catalogWithWorker());
        Aspects.of(stack).add(AwsSolutionsChecks.Builder.create().verbose(true).build());
        app.synth();
        var errors = Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        List<String> messages = errors.stream().map(e -> e.getId() + ": " + e.getEntry().getData()).toList();
        messages.forEach(System.err::println);
        assertThat(messages).isEmpty();
    }
}
