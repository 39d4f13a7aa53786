package dev.mlapi.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.infra.support.Repository;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;

/** AWS's own best-practice rules over the stack: every error is fixed or suppressed with a reason. */
class CdkNagTest {

    @Test
    void awsSolutionsPack_findsNoUnsuppressedError() {
        Map<String, Object> context = new HashMap<>(TestStacks.cdkJsonContext());
        context.put(StackSettings.REPOSITORY_ROOT, Repository.ROOT.toString());
        context.put(StackSettings.MISSING_JAR_PLACEHOLDER, TestStacks.PLACEHOLDER.toString());
        App app = App.Builder.create().context(context).build();
        MlApiStack stack = new MlApiStack(app, "Nagged", StackProps.builder().build(), StackSettings.fromContext(app.getNode()));
        Aspects.of(stack).add(AwsSolutionsChecks.Builder.create().verbose(true).build());
        app.synth();
        var errors = Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        List<String> messages = errors.stream().map(e -> e.getId() + ": " + e.getEntry().getData()).toList();
        messages.forEach(System.err::println);
        assertThat(messages).isEmpty();
    }
}
