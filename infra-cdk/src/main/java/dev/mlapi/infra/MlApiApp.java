package dev.mlapi.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;

/**
 * The CDK app: one {@link MlApiStack}, environment-agnostic (no look-ups, so it synthesizes
 * offline; the CLI supplies account and region at deploy time). Settings come from context,
 * see {@link StackSettings}.
 */
public final class MlApiApp {

    public static final String STACK_ID = "MlApi";

    private MlApiApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        // AWS's best-practice rules run on every synth: an unsuppressed error fails it.
        Aspects.of(app).add(AwsSolutionsChecks.Builder.create().build());
        new MlApiStack(app, STACK_ID, StackProps.builder()
                .stackName("mlapi")
                .description("mlapi: a serverless ML API (Java Lambdas, HTTP API, DynamoDB, S3 model registry)")
                .build(), StackSettings.fromContext(app.getNode()));
        app.synth();
    }
}
