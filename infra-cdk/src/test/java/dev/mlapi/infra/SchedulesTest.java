package dev.mlapi.infra;

import static dev.mlapi.infra.support.Cfn.at;
import static dev.mlapi.infra.support.Cfn.list;
import static dev.mlapi.infra.support.Cfn.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.infra.support.Cfn;
import dev.mlapi.infra.support.CloudFormationYaml;
import dev.mlapi.infra.support.DeploymentView;
import dev.mlapi.infra.support.Repository;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Scheduled functions ({@link Trigger.Schedule}) in both deployments: the stack's EventBridge rule
 * and template.yaml's {@code Schedule} event carry the catalog's expression, and EventBridge may
 * invoke the function's live alias from that rule only.
 */
class SchedulesTest {

    private static final DeploymentView SAM = DeploymentView.ofSam(CloudFormationYaml.load(Repository.SAM_TEMPLATE));
    private static final DeploymentView STACK = TestStacks.get().view;

    static List<FunctionSpec> scheduled() {
        return FunctionCatalog.ofKind(FunctionSpec.Kind.EVENT).stream()
                .filter(spec -> spec.trigger().orElseThrow().<Boolean>match(s -> false, q -> false, s -> true)).toList();
    }

    @Test
    void theImageSweeperAndTheRegistryCleanUp_runOnASchedule() {
        assertThat(scheduled()).extracting(FunctionSpec::name).contains("image-sweeper", "registry-cleanup");
    }

    @Test
    void everyScheduledFunction_isTriggeredAlikeInTheStackAndTemplateYaml() {
        for (FunctionSpec spec : scheduled()) {
            assertScheduledAlike(STACK, SAM, spec);
        }
    }

    @Test
    void theStack_hasOneRulePerScheduledFunction_andNoOther() {
        assertThat(Cfn.resourcesOfType(STACK.template(), "AWS::Events::Rule")).hasSize(scheduled().size());
    }

    /**
     * {@code spec}'s rule in the stack and its Schedule event in template.yaml: the same expression,
     * enabled, one target (the live alias), and one permission, for that rule alone.
     */
    static void assertScheduledAlike(DeploymentView stack, DeploymentView sam, FunctionSpec spec) {
        Trigger.Schedule schedule = spec.trigger().orElseThrow().match(stream -> {
            throw new AssertionError(spec.name() + " is triggered by a stream");
        }, sqs -> {
            throw new AssertionError(spec.name() + " is triggered by a queue");
        }, s -> s);
        String functionId = stack.functions().get(spec.name()).logicalId();
        Map<String, Map<String, Object>> aliases = Cfn.resourcesOfType(stack.template(), "AWS::Lambda::Alias");
        String aliasId = aliases.entrySet().stream()
                .filter(e -> Cfn.referencedIds(e.getValue().get("FunctionName")).contains(functionId))
                .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new AssertionError(spec.name() + " has no alias"));

        Map<String, Map<String, Object>> rules = Cfn.resourcesOfType(stack.template(), "AWS::Events::Rule");
        List<Map.Entry<String, Map<String, Object>>> own = rules.entrySet().stream()
                .filter(e -> list(e.getValue().get("Targets")).stream()
                        .anyMatch(t -> Cfn.referencedIds(map(t).get("Arn")).contains(aliasId)))
                .toList();
        assertThat(own).as("%s: rules targeting its alias", spec.name()).hasSize(1);
        String ruleId = own.get(0).getKey();
        Map<String, Object> rule = own.get(0).getValue();
        assertThat(rule.get("ScheduleExpression")).as(spec.name()).isEqualTo(schedule.expression());
        assertThat(rule.get("State")).as(spec.name()).isEqualTo("ENABLED");
        assertThat(list(rule.get("Targets"))).as("%s: the rule invokes the function only", spec.name()).hasSize(1);

        // Least privilege: EventBridge may invoke the alias, from this rule only; nothing else may.
        List<Map<String, Object>> permissions = Cfn.resourcesOfType(stack.template(), "AWS::Lambda::Permission")
                .values().stream()
                .filter(p -> Cfn.referencedIds(p.get("FunctionName")).contains(aliasId)
                        || Cfn.referencedIds(p.get("FunctionName")).contains(functionId))
                .toList();
        assertThat(permissions).as("%s: permissions to invoke it", spec.name()).hasSize(1);
        Map<String, Object> permission = permissions.get(0);
        assertThat(permission.get("Action")).isEqualTo("lambda:InvokeFunction");
        assertThat(permission.get("Principal")).isEqualTo("events.amazonaws.com");
        assertThat(Cfn.referencedIds(permission.get("SourceArn"))).as("%s: only its own rule", spec.name())
                .containsExactly(ruleId);
        assertThat(Cfn.referencedIds(permission.get("FunctionName"))).containsExactly(aliasId);

        Map<String, Object> events = map(sam.functions().get(spec.name()).properties().get("Events"));
        assertThat(events).as("%s: events in template.yaml", spec.name()).hasSize(1);
        Map<String, Object> event = map(events.get(Trigger.Schedule.EVENT_NAME));
        assertThat(event.get("Type")).isEqualTo("Schedule");
        Map<String, Object> properties = at(event, "Properties");
        assertThat(properties.get("Schedule")).as(spec.name()).isEqualTo(rule.get("ScheduleExpression"));
        assertThat(properties.get("Description")).as(spec.name()).isEqualTo(rule.get("Description"));
        assertThat(properties.get("Enabled")).as(spec.name()).isEqualTo(true);
        // SAM points the rule and its permission at the AutoPublishAlias (the live alias), as the stack does.
        assertThat(sam.functions().get(spec.name()).properties().get("AutoPublishAlias")).isEqualTo(MlApiStack.LIVE_ALIAS);
    }
}
