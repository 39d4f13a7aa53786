package dev.mlapi.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FunctionCatalogTest {

    @Test
    void names_areUniqueAndNoneIsALibrary() {
        Set<String> names = FunctionCatalog.ALL.stream().map(FunctionSpec::name).collect(Collectors.toSet());
        assertThat(names).hasSize(FunctionCatalog.ALL.size()).doesNotContainAnyElementsOf(FunctionCatalog.LIBRARIES);
    }

    @Test
    void httpFunctions_getTheBaseline_eventFunctionsDoNot() {
        for (FunctionSpec spec : FunctionCatalog.ofKind(FunctionSpec.Kind.HTTP)) {
            assertThat(spec.actionsOn(Resource.USERS_TABLE)).as(spec.name()).contains("dynamodb:BatchGetItem");
            assertThat(spec.actionsOn(Resource.REQUEST_LOG_TABLE)).as(spec.name()).contains("dynamodb:PutItem");
            assertThat(spec.environment()).as(spec.name()).containsKeys(Env.JWT_SECRET_ARN, Env.USERS_TABLE);
        }
        FunctionSpec aggregator = FunctionCatalog.AGGREGATOR;
        assertThat(aggregator.actionsOn(Resource.USERS_TABLE)).isEmpty();
        assertThat(aggregator.actionsOn(Resource.JWT_SECRET)).isEmpty();
        assertThat(aggregator.actionsOn(Resource.REQUEST_LOG_STREAM)).contains("dynamodb:GetRecords");
        assertThat(aggregator.actionsOn(Resource.OWN_FAILURE_QUEUE)).containsExactly("sqs:SendMessage");
        assertThat(aggregator.environment()).containsKey(Env.REQUEST_ROLLUPS_TABLE).doesNotContainKey(Env.JWT_SECRET_ARN);
    }

    @Test
    void authorizer_readsOnlyTheSigningKey_andIsBoundByApiGatewaysTenSeconds() {
        assertThat(FunctionCatalog.ofKind(FunctionSpec.Kind.AUTHORIZER)).containsExactly(FunctionCatalog.AUTHORIZER);
        FunctionSpec authorizer = FunctionCatalog.AUTHORIZER;
        assertThat(authorizer.grants()).extracting(Grant::resource)
                .containsExactlyInAnyOrder(Resource.JWT_SECRET, Resource.OWN_LOG_GROUP);
        assertThat(authorizer.actionsOn(Resource.JWT_SECRET)).containsExactly("secretsmanager:GetSecretValue");
        assertThat(authorizer.environment()).containsKey(Env.JWT_SECRET_ARN)
                .doesNotContainKeys(Env.USERS_TABLE, Env.TOKENS_TABLE, Env.REQUEST_LOG_TABLE);
        assertThat(authorizer.trigger()).isEmpty();
        assertThatThrownBy(() -> FunctionSpec.authorizer("x").setDescription("d").setHandler("a.B::c")
                .setSize(512, Duration.ofSeconds(11), "why").build())
                .hasMessageContaining("API Gateway waits 10 s");
        assertThatThrownBy(() -> FunctionSpec.authorizer("x").setDescription("d").setHandler("a.B::c")
                .setSize(512, Duration.ofSeconds(5), "why").optRouteThrottle(1, 1).build())
                .hasMessageContaining("only an HTTP function");
    }

    @Test
    void environment_namesEveryGrantedResource_andOnlyThose() {
        assertThat(FunctionCatalog.HEALTH.environment()).doesNotContainKey(Env.MODELS_BUCKET);
        assertThat(FunctionCatalog.CLASSIFY.environment().get(Env.MODELS_BUCKET))
                .isEqualTo(new EnvValue.ResourceName(Resource.MODELS_BUCKET));
        assertThat(FunctionCatalog.LOGIN.environment().get(Env.ADMIN_PASSWORD_SECRET_ARN))
                .isEqualTo(new EnvValue.ResourceName(Resource.ADMIN_PASSWORD_SECRET));
    }

    @Test
    void spec_refusesTimeoutsItsKindCannotHave_andUnexplainedSizes() {
        assertThatThrownBy(() -> FunctionSpec.http("x").setDescription("d").setHandler("a.B::c")
                .setSize(512, Duration.ofSeconds(30), "why").build())
                .hasMessageContaining("API Gateway waits 30 s");
        assertThatThrownBy(() -> FunctionSpec.event("x").setDescription("d").setHandler("a.B::c")
                .setSize(512, Duration.ofMinutes(16), "why")
                .setTrigger(new Trigger.DynamoDbStream(TableCatalog.REQUEST_LOG, 10, Duration.ZERO, 1)).build())
                .hasMessageContaining("1..900 s");
        assertThatThrownBy(() -> FunctionSpec.event("x").setDescription("d").setHandler("a.B::c")
                .setSize(512, Duration.ofMinutes(1), "why").build())
                .hasMessageContaining("needs a trigger");
        assertThatThrownBy(() -> FunctionSpec.http("x").setDescription("d").setHandler("a.B::c")
                .setSize(512, Duration.ofSeconds(5), " ").build())
                .hasMessageContaining("say in one line why");
        assertThatThrownBy(() -> new Trigger.DynamoDbStream(TableCatalog.USERS, 10, Duration.ZERO, 1))
                .hasMessageContaining("has no stream");
        assertThatThrownBy(() -> Grant.of(Resource.USERS_TABLE, "dynamodb:*"))
                .hasMessageContaining("not one exact IAM action");
    }

    @Test
    void fitWorker_sharesTrainsJar_andConsumesTheTrainingTasksQueue() {
        assertThat(FunctionCatalog.FIT_WORKER.jarPath()).isEqualTo(FunctionCatalog.TRAIN.jarPath());
        Trigger.Sqs sqs = (Trigger.Sqs) FunctionCatalog.FIT_WORKER.trigger().orElseThrow();
        assertThat(sqs.queue()).isEqualTo(QueueCatalog.TRAINING_TASKS);
        assertThat(sqs.batchSize()).isEqualTo(1);
        assertThat(FunctionCatalog.FIT_WORKER.actionsOn(Resource.TRAINING_TASKS_QUEUE)).contains("sqs:SendMessage",
                "sqs:ReceiveMessage", "sqs:DeleteMessage");
    }

    @Test
    void trainWorker_sharesTrainsJar_andIsTriggeredByInsertsOnly() {
        assertThat(FunctionCatalog.TRAIN_WORKER.module()).isEqualTo("train");
        assertThat(FunctionCatalog.TRAIN_WORKER.jarPath()).isEqualTo(FunctionCatalog.TRAIN.jarPath());
        Trigger.DynamoDbStream stream = (Trigger.DynamoDbStream) FunctionCatalog.TRAIN_WORKER.trigger().orElseThrow();
        assertThat(stream.filterPattern()).contains("{\"eventName\":[\"INSERT\"]}");
        assertThat(stream.delivers("INSERT")).isTrue();
        assertThat(stream.delivers("MODIFY")).isFalse();
        Trigger.DynamoDbStream all = (Trigger.DynamoDbStream) FunctionCatalog.AGGREGATOR.trigger().orElseThrow();
        assertThat(all.filterPattern()).isEmpty();
        assertThat(all.delivers("REMOVE")).isTrue();
        assertThatThrownBy(() -> all.withEventNames("DELETE")).isInstanceOf(IllegalArgumentException.class);
        // The fit worker (its refit) writes the registry; the planner and the API do not.
        assertThat(FunctionCatalog.FIT_WORKER.actionsOn(Resource.MODELS_OBJECTS)).contains("s3:PutObject");
        assertThat(FunctionCatalog.TRAIN_WORKER.actionsOn(Resource.MODELS_OBJECTS)).isEmpty();
        assertThat(FunctionCatalog.TRAIN_WORKER.actionsOn(Resource.TRAINING_TASKS_QUEUE))
                .containsExactly("sqs:SendMessage");
        assertThat(FunctionCatalog.TRAIN.actionsOn(Resource.MODELS_OBJECTS)).containsExactly("s3:GetObject");
        assertThat(Resource.TRAINING_OBJECTS.objectPrefix()).isEqualTo("training/");
    }
}
