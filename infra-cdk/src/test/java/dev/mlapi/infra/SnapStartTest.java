package dev.mlapi.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.OpenApiRoutes;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.infra.sam.SamTemplateGenerator;
import dev.mlapi.infra.support.CloudFormationYaml;
import dev.mlapi.infra.support.DeploymentView;
import dev.mlapi.infra.support.Repository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

/**
 * The catalog says per function whether SnapStart is on, and both deployments follow it: the
 * stack's function has SnapStart on published versions or none, template.yaml's the Globals' or
 * {@code ApplyOn: None}.
 */
class SnapStartTest {

    /** A function whose cold starts stay on demand. */
    static final FunctionSpec ON_DEMAND = FunctionSpec.event("on-demand-test-worker")
            .optModule("aggregator")
            .setDescription("A test stream consumer without SnapStart.")
            .setHandler("dev.mlapi.aggregator.AggregateRequestLogHandler::handleRequest")
            .setSize(512, Duration.ofSeconds(60), "as the aggregator")
            .setTrigger(new Trigger.DynamoDbStream(TableCatalog.REQUEST_LOG, 100, Duration.ofSeconds(5), 5))
            .optSnapStart(false)
            .build();

    @Test
    void aFunctionWithoutSnapStart_hasNoneInTheStackAndTemplateYaml_theOthersKeepIt() {
        List<FunctionSpec> catalog = new ArrayList<>(FunctionCatalog.ALL);
        catalog.add(ON_DEMAND);
        Map<String, Object> context = new HashMap<>(TestStacks.cdkJsonContext());
        context.put(StackSettings.REPOSITORY_ROOT, Repository.ROOT.toString());
        context.put(StackSettings.MISSING_JAR_PLACEHOLDER, TestStacks.PLACEHOLDER.toString());
        App app = App.Builder.create().context(context).build();
        MlApiStack stack = new MlApiStack(app, "WithOnDemand", StackProps.builder().build(),
                StackSettings.fromContext(app.getNode()), catalog);
        DeploymentView cdk = DeploymentView.ofStack(Template.fromStack(stack).toJSON());
        DeploymentView sam = DeploymentView.ofSam(CloudFormationYaml.loadString(new SamTemplateGenerator(
                OpenApiRoutes.read(Repository.OPENAPI), catalog).render()));

        for (FunctionSpec spec : catalog) {
            String expected = spec.snapStart() ? "PublishedVersions" : "None";
            for (DeploymentView view : List.of(cdk, sam)) {
                assertThat(ParityTest.snapStartOf(view.functions().get(spec.name()).properties()))
                        .as("%s SnapStart in %s", spec.name(), view.source()).isEqualTo(expected);
            }
        }
    }
}
