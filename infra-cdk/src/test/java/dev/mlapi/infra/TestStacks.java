package dev.mlapi.infra;


import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.infra.support.DeploymentView;
import dev.mlapi.infra.support.Repository;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

/**
 * The stacks under test, synthesized once per test JVM (synthesis costs seconds, the tests
 * only read): the app as deployed, and a variant with other settings (no deletion protection,
 * another admin, origin and default model).
 */
final class TestStacks {

    static final Path PLACEHOLDER = Path.of("src/test/resources/placeholder-code").toAbsolutePath();

    private static TestStacks instance;

    final MlApiStack stack;
    final Template template;
    final DeploymentView view;
    final MlApiStack variant;
    final Template variantTemplate;
    final DeploymentView variantView;

    private TestStacks() {
        Map<String, Object> context = new HashMap<>(cdkJsonContext());
        context.put(StackSettings.REPOSITORY_ROOT, Repository.ROOT.toString());
        context.put(StackSettings.MISSING_JAR_PLACEHOLDER, PLACEHOLDER.toString());
        App app = App.Builder.create().context(context).build();
        StackSettings settings = StackSettings.fromContext(app.getNode());
        FunctionCatalog.ALL.stream()
                .filter(spec -> !Files.isRegularFile(Repository.ROOT.resolve(spec.jarPath())))
                .forEach(spec -> System.err.println("[infra-cdk tests] " + spec.jarPath()
                        + " is not built: synthesizing with a placeholder"));
        this.stack = new MlApiStack(app, MlApiApp.STACK_ID, StackProps.builder().build(), settings);

        StackSettings unprotected = new StackSettings(settings.repositoryRoot(), false, "root",
                List.of("https://app.example.com"), "resnet@staging", Optional.of("ops@example.com"),
                settings.missingJarPlaceholder());
        this.variant = new MlApiStack(app, "Variant", StackProps.builder().build(), unprotected, FunctionCatalog.ALL);

        this.template = Template.fromStack(stack);
        this.variantTemplate = Template.fromStack(variant);
        this.view = DeploymentView.ofStack(template.toJSON());
        this.variantView = DeploymentView.ofStack(variantTemplate.toJSON());
    }

    static synchronized TestStacks get() {
        if (instance == null) {
            instance = new TestStacks();
        }
        return instance;
    }

    /** The context {@code cdk synth} runs with, so the tests see the same settings and feature flags. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> cdkJsonContext() {
        try (Reader reader = Files.newBufferedReader(Path.of("cdk.json"))) {
            Map<String, Object> cdkJson = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
            return (Map<String, Object>) cdkJson.getOrDefault("context", Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
