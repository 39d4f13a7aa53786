package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.mlapi.catalog.ApiRoute;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.OpenApiRoutes;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.EventCodec;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.runtime.ClassPriming;
import dev.mlapi.local.FunctionContract.Step;
import dev.mlapi.local.FunctionContract.Violation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * README's "Adding a function" is complete: a scratch function {@code echo} ({@code GET /echo}),
 * added to a copy of the repository's shared files by exactly the README's steps, passes
 * {@link FunctionContract} (the checks {@code ProjectConsistencyTest} runs over every catalog
 * function) with no other edit, and leaving out any one step fails, naming that step. The README's
 * list is held to {@link Step}, item by item. Files only, no server: a second or two.
 *
 * <p>One step is imitated: regenerating {@code template.yaml} is infra-cdk's
 * ({@code SamTemplateGenerator}, whose staleness infra-cdk's tests catch); here the step writes the
 * function's resource as the generator names it.
 */
class AddingAFunctionTest {

    static final String NAME = "echo";

    @TempDir
    Path repository;

    @Test
    void everyStepOfTheReadme_addsAFunctionThatPassesEveryCheck() throws IOException {
        assertThat(check(EnumSet.allOf(Step.class), ScratchFunction.Echo.class)).isEmpty();
    }

    /**
     * And the local server hosts it as it hosts the others: behind the route {@code openapi.yaml}
     * gives it, its route answering its sample event (decoded as the pipeline decodes it; the
     * pipeline's request-log write is left out, as this test has no DynamoDB).
     */
    @Test
    void theAddedFunction_isHostedByTheLocalServer_andAnswersItsSampleEvent() throws IOException {
        assertThat(check(EnumSet.allOf(Step.class), ScratchFunction.Echo.class)).isEmpty();
        List<ApiRoute> routes = OpenApiRoutes.read(repository.resolve("openapi.yaml")).stream()
                .filter(route -> route.function().equals(NAME)).toList();
        FunctionHost host = FunctionHost.create(List.of(spec(ScratchFunction.Echo.class)), routes, wiring(),
                repository.resolve("event-sources"));
        APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent(
                repository.resolve("events/" + NAME + "-get.json").toString());
        assertThat(host.routes()).singleElement().satisfies(target -> {
            assertThat(target.route().routeKey()).isEqualTo("GET /echo").isEqualTo(event.getRouteKey());
            ApiPipeline.Route route = ((HttpFunction) target.handler()).pipeline().routes().get(0);
            ApiResponse response = route.handler().handle(EventCodec.decode(event, Instant.now()));
            assertThat(response.status()).isEqualTo(200);
        });
        host.close();
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void leavingOutAStep_failsNamingIt(Step omitted) throws IOException {
        Set<Step> steps = EnumSet.allOf(Step.class);
        steps.remove(omitted);
        List<Violation> violations = check(steps, ScratchFunction.Echo.class);
        assertThat(violations).as("without " + omitted).isNotEmpty()
                .anySatisfy(v -> assertThat(v.toString()).contains(omitted.label()));
    }

    @Test
    void aHandlerWhoseAccessDisagreesWithTheOperationsSecurity_fails() throws IOException {
        List<Violation> violations = check(EnumSet.allOf(Step.class), ScratchFunction.AdminEcho.class);
        assertThat(violations).extracting(Violation::toString).singleElement().asString()
                .contains("GET /echo is Access.ADMIN in the handler but PUBLIC by its security in openapi.yaml")
                .contains(Step.OPENAPI.label());
    }

    @Test
    void anOperationForAdminsOnly_saysSoWithTheAdminScope() throws IOException {
        addScratchFunction(EnumSet.allOf(Step.class), ScratchFunction.AdminEcho.class);
        Path openApi = repository.resolve("openapi.yaml");
        Files.writeString(openApi, Files.readString(openApi).replace("      security: [] # echo",
                "      security: [{bearer: []}, {password: [" + FunctionContract.ADMIN_SCOPE + "]}]"));
        assertThat(new FunctionContract(repository, catalog(true, ScratchFunction.AdminEcho.class))
                .check(List.of(spec(ScratchFunction.AdminEcho.class)), this::handler)).isEmpty();
        assertThat(new FunctionContract(repository, catalog(true, ScratchFunction.Echo.class))
                .check(List.of(spec(ScratchFunction.Echo.class)), this::handler)).extracting(Violation::toString)
                .anySatisfy(v -> assertThat(v).contains("GET /echo is Access.PUBLIC in the handler but ADMIN"));
    }

    /** The README's numbered list: one item per {@link Step}, in order, each naming what its step checks. */
    @Test
    void theReadmeListsEveryStep_inOrder() throws IOException {
        String readme = Files.readString(LocalServer.repositoryRoot().resolve("README.md"));
        int start = readme.indexOf("### Adding a function");
        assertThat(start).as("README has the section").isNotNegative();
        String section = readme.substring(start, readme.indexOf("\n#", start + 1));
        List<String> items = new ArrayList<>();
        Matcher item = Pattern.compile("(?m)^(\\d+)\\. (.*(?:\\n(?!\\d+\\. )(?!\\n).*)*)").matcher(section);
        while (item.find()) {
            items.add(item.group(2));
        }
        Step[] steps = Step.values();
        assertThat(items).as("numbered items of README's \"Adding a function\"").hasSize(steps.length);
        for (int i = 0; i < steps.length; i++) {
            assertThat(items.get(i)).as("item " + (i + 1)).contains(steps[i].readmeMarker);
        }
    }

    private List<Violation> check(Set<Step> steps, Class<?> handler) throws IOException {
        Class<?> shaped = steps.contains(Step.HANDLER) ? handler : ScratchFunction.ShapelessEcho.class;
        addScratchFunction(steps, shaped);
        return new FunctionContract(repository, catalog(steps.contains(Step.CATALOG), shaped))
                .check(List.of(spec(shaped)), this::handler);
    }

    private Object handler(FunctionSpec spec) {
        try {
            return Class.forName(spec.handlerClass()).getConstructor(Wiring.class).newInstance(wiring());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Clients of nothing: DynamoDB on a closed port, so nothing leaves this machine. */
    private static Wiring wiring() {
        return Wiring.create(Config.fromMap(Map.of(Config.Env.DYNAMODB_ENDPOINT, "http://127.0.0.1:9",
                Config.Env.JWT_SECRET, "a-scratch-secret-of-at-least-32-characters")));
    }

    private static FunctionSpec spec(Class<?> handler) {
        return FunctionSpec.http(NAME)
                .setDescription("Echoes what it is given (a scratch function of AddingAFunctionTest).")
                .setHandler(handler.getName() + "::handleRequest")
                .setSize(512, Duration.ofSeconds(10), "Nothing to compute.")
                .build();
    }

    private static List<FunctionSpec> catalog(boolean withScratch, Class<?> handler) {
        List<FunctionSpec> catalog = new ArrayList<>(FunctionCatalog.ALL);
        if (withScratch) {
            catalog.add(spec(handler));
        }
        return catalog;
    }

    /** A copy of the shared files the README's steps edit, and the scratch function added by {@code steps}. */
    private void addScratchFunction(Set<Step> steps, Class<?> handler) throws IOException {
        Path real = LocalServer.repositoryRoot();
        for (String file : List.of("pom.xml", "local/pom.xml", "openapi.yaml", "template.yaml")) {
            Files.createDirectories(repository.resolve(file).getParent());
            Files.copy(real.resolve(file), repository.resolve(file));
        }
        Files.createDirectories(repository.resolve("events"));
        Path module = repository.resolve("functions").resolve(NAME);
        Files.createDirectories(module);
        String artifact = "<artifactId>mlapi-" + NAME + "</artifactId>";
        if (steps.contains(Step.MODULE)) {
            Files.writeString(module.resolve("pom.xml"), Files.readString(real.resolve("functions/health/pom.xml"))
                    .replace("<artifactId>mlapi-health</artifactId>", artifact)
                    .replace("<function.name>health</function.name>", "<function.name>" + NAME + "</function.name>"));
        }
        if (steps.contains(Step.ROOT_POM)) {
            edit("pom.xml", "    <module>local</module>\n", "    <module>functions/" + NAME + "</module>\n    <module>local</module>\n");
            edit("pom.xml", "    </dependencies>\n  </dependencyManagement>", "      <dependency>\n        <groupId>dev.mlapi</groupId>\n"
                    + "        " + artifact + "\n        <version>${project.version}</version>\n      </dependency>\n"
                    + "    </dependencies>\n  </dependencyManagement>");
        }
        if (steps.contains(Step.LOCAL_POM)) {
            edit("local/pom.xml", "  <dependencies>\n", "  <dependencies>\n    <dependency>\n      <groupId>dev.mlapi</groupId>\n"
                    + "      " + artifact + "\n    </dependency>\n");
        }
        if (steps.contains(Step.OPENAPI)) {
            edit("openapi.yaml", "\npaths:\n", "\npaths:\n  /echo:\n    get:\n      operationId: echo\n      x-function: " + NAME + "\n"
                    + "      summary: Echoes (a scratch function)\n      security: [] # echo\n"
                    + "      responses:\n        \"200\": {description: echoed}\n");
        }
        if (steps.contains(Step.EVENTS)) {
            Files.writeString(repository.resolve("events/" + NAME + "-get.json"),
                    Files.readString(real.resolve("events/health-check.json")).replace("/health", "/echo"));
        }
        if (steps.contains(Step.PRIMING_LIST)) {
            Path list = module.resolve("src/main/resources").resolve(ClassPriming.LIST);
            Files.createDirectories(list.getParent());
            Files.writeString(list, "# Written by PrimingClassList\njava.util.AbstractMap$1\n");
        }
        if (steps.contains(Step.TEMPLATE)) {
            edit("template.yaml", "\nResources:\n", "\nResources:\n  EchoFunction:\n    Type: AWS::Serverless::Function\n"
                    + "    Properties:\n      Handler: " + handler.getName() + "::handleRequest\n");
        }
    }

    private void edit(String file, String anchor, String replacement) throws IOException {
        Path path = repository.resolve(file);
        String text = Files.readString(path);
        assertThat(text).as(file).contains(anchor);
        Files.writeString(path, text.replaceFirst(Pattern.quote(anchor), Matcher.quoteReplacement(replacement)));
    }
}
