package dev.mlapi.infra;

import dev.mlapi.catalog.OpenApiRoutes;
import dev.mlapi.catalog.ApiRoute;
import static dev.mlapi.infra.support.Cfn.at;
import static dev.mlapi.infra.support.Cfn.list;
import static dev.mlapi.infra.support.Cfn.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.catalog.TableSpec;
import dev.mlapi.catalog.Trigger;
import dev.mlapi.infra.sam.SamTemplateGenerator;
import dev.mlapi.infra.support.Cfn;
import dev.mlapi.infra.support.CloudFormationYaml;
import dev.mlapi.infra.support.DeploymentView;
import dev.mlapi.infra.support.DeploymentView.FunctionView;
import dev.mlapi.infra.support.DeploymentView.TableView;
import dev.mlapi.infra.support.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * One deployment described three times — {@code openapi.yaml}, {@code template.yaml} (SAM) and
 * the CDK stack — and expected by the code in {@code functions/core}: these tests hold them to
 * each other.
 */
class ParityTest {

    /**
     * Set only for {@code sam local} (env.json), the local server and tests; empty or absent in AWS:
     * endpoints of local storage, secrets in plain text, and the SSRF guard's test-only loophole.
     */
    static final Set<String> LOCAL_ONLY_ENV = Set.of("DYNAMODB_ENDPOINT", "S3_ENDPOINT", "SQS_ENDPOINT", "JWT_SECRET",
            "ADMIN_PASSWORD", "URL_FETCH_ALLOW_LOOPBACK");

    private static final Map<String, String> OPENAPI_ROUTES = OpenApiRoutes.read(Repository.OPENAPI).stream()
            .collect(Collectors.toMap(ApiRoute::routeKey, ApiRoute::function, (a, b) -> a, TreeMap::new));
    private static final DeploymentView SAM = DeploymentView.ofSam(CloudFormationYaml.load(Repository.SAM_TEMPLATE));
    private static final DeploymentView STACK = TestStacks.get().view;

    // --- routes -------------------------------------------------------------------------------

    @Test
    void routes_openApiAndTemplateYamlAgree() {
        assertSameRoutes("openapi.yaml", OPENAPI_ROUTES, SAM.source(), SAM.routes());
    }

    @Test
    void routes_openApiAndTheStackAgree() {
        assertSameRoutes("openapi.yaml", OPENAPI_ROUTES, STACK.source(), STACK.routes());
    }

    @Test
    void routes_templateYamlAndTheStackAgree() {
        assertSameRoutes(SAM.source(), SAM.routes(), STACK.source(), STACK.routes());
    }

    // --- the authorizer -----------------------------------------------------------------------

    /** Route key → the authorizer function, for every operation of openapi.yaml that requires a token. */
    /** A function's SnapStart: {@code PublishedVersions}, or {@code None} (CloudFormation's default, also when absent). */
    static String snapStartOf(Map<String, Object> functionProperties) {
        Object applyOn = at(functionProperties, "SnapStart").get("ApplyOn");
        return applyOn == null ? "None" : String.valueOf(applyOn);
    }

    private static Map<String, String> tokenRoutesOfOpenApi() {
        String authorizer = FunctionCatalog.ofKind(FunctionSpec.Kind.AUTHORIZER).stream().map(FunctionSpec::name)
                .reduce((a, b) -> {
                    throw new AssertionError("more than one authorizer: " + a + ", " + b);
                }).orElseThrow(() -> new AssertionError("FunctionCatalog has no authorizer"));
        Map<String, String> expected = new TreeMap<>();
        OpenApiRoutes.read(Repository.OPENAPI).stream().filter(ApiRoute::requiresToken)
                .forEach(route -> expected.put(route.routeKey(), authorizer));
        return expected;
    }

    @Test
    void everyTokenRoute_isBehindTheAuthorizer_andNoPublicRoute_inTheStackAndTemplateYaml() {
        Map<String, String> expected = tokenRoutesOfOpenApi();
        assertThat(expected).as("routes that require a token").containsKeys("GET /models", "POST /classify",
                "POST /auth/logout").doesNotContainKeys("POST /auth/login", "GET /health", "POST /auth/users",
                "GET /dashboard", "GET /dashboard/{asset}");
        assertThat(expected.size()).as("some routes are public").isLessThan(OPENAPI_ROUTES.size());
        assertSameRoutes("openapi.yaml (operations that require a token)", expected,
                STACK.source() + " (routes behind an authorizer)", STACK.routeAuthorizers());
        assertSameRoutes("openapi.yaml (operations that require a token)", expected,
                SAM.source() + " (routes behind an authorizer)", SAM.routeAuthorizers());
    }

    @Test
    void authorizer_isTheSameRequestAuthorizerInTheStackAndTemplateYaml() {
        Map<String, Map<String, Object>> stackAuthorizers = Cfn.resourcesOfType(STACK.template(),
                "AWS::ApiGatewayV2::Authorizer");
        assertThat(stackAuthorizers).hasSize(1);
        Map<String, Object> stack = stackAuthorizers.values().iterator().next();
        assertThat(stack).containsEntry("AuthorizerType", "REQUEST")
                .containsEntry("Name", MlApiStack.AUTHORIZER_NAME)
                .containsEntry("AuthorizerPayloadFormatVersion", "2.0")
                .containsEntry("EnableSimpleResponses", true)
                .containsEntry("AuthorizerResultTtlInSeconds", MlApiStack.AUTHORIZER_CACHE_SECONDS)
                .containsEntry("IdentitySource", List.of(MlApiStack.AUTHORIZER_IDENTITY_SOURCE));
        Map<String, Object> sam = at(at(SAM.resource("HttpApi"), "Properties"), "Auth", "Authorizers",
                MlApiStack.AUTHORIZER_NAME);
        assertThat(sam).containsEntry("AuthorizerPayloadFormatVersion", "2.0")
                .containsEntry("EnableSimpleResponses", true)
                .doesNotContainKey("FunctionInvokeRole");
        assertThat(at(sam, "Identity")).isEqualTo(Map.of("Headers", List.of("Authorization"),
                "ReauthorizeEvery", MlApiStack.AUTHORIZER_CACHE_SECONDS));
        assertThat(MlApiStack.AUTHORIZER_IDENTITY_SOURCE).isEqualTo("$request.header.Authorization");
    }

    @Test
    void apiGateway_mayInvokeTheAuthorizersLiveAlias_forItsAuthorizersOnly_inBoth() {
        String authorizer = FunctionCatalog.ofKind(FunctionSpec.Kind.AUTHORIZER).get(0).name();
        for (DeploymentView view : List.of(STACK, SAM)) {
            String functionId = view.functions().get(authorizer).logicalId();
            List<Map<String, Object>> permissions = Cfn.resourcesOfType(view.template(), "AWS::Lambda::Permission")
                    .values().stream().filter(p -> Cfn.referencedIds(p.get("FunctionName")).stream()
                            .anyMatch(id -> id.equals(functionId + ".Alias") || isAliasOf(view, id, functionId)))
                    .toList();
            assertThat(permissions).as("%s: permissions to invoke the authorizer", view.source()).hasSize(1);
            Map<String, Object> permission = permissions.get(0);
            assertThat(permission).as(view.source()).containsEntry("Action", "lambda:InvokeFunction")
                    .containsEntry("Principal", "apigateway.amazonaws.com");
            assertThat(Cfn.flatten(permission.get("SourceArn"))).as(view.source()).contains("/authorizers/");
            // The stack names its one authorizer; template.yaml's is inline in the API, so: this API's authorizers.
            assertThat(Cfn.referencedIds(permission.get("SourceArn"))).as(view.source())
                    .anyMatch(id -> List.of("AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi")
                            .contains(String.valueOf(view.resource(id).get("Type"))));
        }
    }

    private static boolean isAliasOf(DeploymentView view, String aliasId, String functionId) {
        Map<String, Object> alias = Cfn.resourcesOfType(view.template(), "AWS::Lambda::Alias").get(aliasId);
        return alias != null && Cfn.referencedIds(alias.get("FunctionName")).contains(functionId);
    }

    // --- functions ----------------------------------------------------------------------------

    @Test
    void everyCatalogFunction_isInTheStackAndInTemplateYaml() {
        List<String> functions = FunctionCatalog.ALL.stream().map(FunctionSpec::name).toList();
        assertThat(STACK.functions().keySet()).as("functions in the CDK stack against FunctionCatalog")
                .containsExactlyInAnyOrderElementsOf(functions);
        assertThat(SAM.functions().keySet()).as("functions in template.yaml against FunctionCatalog")
                .containsExactlyInAnyOrderElementsOf(functions);
    }

    @Test
    void everyHttpFunction_servesARouteOfOpenApi_andNoEventFunctionOrAuthorizerDoes() {
        Set<String> withoutRoutes = new TreeSet<>();
        FunctionCatalog.ofKind(FunctionSpec.Kind.HTTP).forEach(spec -> withoutRoutes.add(spec.name()));
        withoutRoutes.removeAll(OPENAPI_ROUTES.values());
        assertThat(withoutRoutes).as("HTTP functions no operation of openapi.yaml names in x-function").isEmpty();
        FunctionCatalog.ALL.stream().filter(spec -> spec.kind() != FunctionSpec.Kind.HTTP).forEach(spec ->
                assertThat(OPENAPI_ROUTES.values()).as("routes of the event function " + spec.name()).doesNotContain(spec.name()));
    }

    @Test
    void handlersSizesAndTimeouts_matchTemplateYaml() {
        forEachFunctionInBoth((stack, sam) -> {
            assertThat(sam.handler()).as("%s handler", stack.module()).isEqualTo(stack.handler());
            assertThat(sam.memoryMb()).as("%s MemorySize", stack.module()).isEqualTo(stack.memoryMb());
            assertThat(sam.timeoutSeconds()).as("%s Timeout", stack.module()).isEqualTo(stack.timeoutSeconds());
            assertThat(sam.runtime()).as("%s Runtime", stack.module()).isEqualTo(stack.runtime());
            assertThat(list(sam.properties().get("Architectures"))).as("%s Architectures", stack.module())
                    .isEqualTo(list(stack.properties().get("Architectures")));
            assertThat(snapStartOf(sam.properties())).as("%s SnapStart", stack.module())
                    .isEqualTo(snapStartOf(stack.properties()));
            assertThat(sam.properties().get("AutoPublishAlias")).as("%s AutoPublishAlias", stack.module())
                    .isEqualTo(MlApiStack.LIVE_ALIAS);
        });
    }

    @Test
    void handlerClasses_existInTheBuiltJars() throws IOException {
        List<String> unbuilt = new ArrayList<>();
        for (FunctionView fn : SAM.functions().values()) {
            // What the module's Makefile copies for `sam build`.
            Path jar = Repository.ROOT.resolve(FunctionCatalog.find(fn.module()).orElseThrow().jarPath());
            if (!Files.isRegularFile(jar)) {
                unbuilt.add(fn.module());
                continue;
            }
            String classFile = fn.handler().substring(0, fn.handler().indexOf("::")).replace('.', '/') + ".class";
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                assertThat(zip.getEntry(classFile)).as("%s in %s", classFile, jar).isNotNull();
            }
        }
        if (!unbuilt.isEmpty()) {
            System.err.println("[infra-cdk tests] handler class not checked, jar not built: " + unbuilt);
        }
    }

    // --- environment --------------------------------------------------------------------------

    @Test
    void environmentNames_areAllNamedInTheCatalogsEnv() throws IllegalAccessException {
        Set<String> known = new TreeSet<>();
        for (var field : Env.class.getFields()) {
            if (field.getName().equals(field.get(null))) {
                known.add((String) field.get(null));
            }
        }
        for (DeploymentView view : List.of(STACK, SAM)) {
            view.functions().values().forEach(fn -> assertThat(fn.environment().keySet())
                    .as("%s: %s's variables that dev.mlapi.catalog.Env does not name", view.source(), fn.module())
                    .isSubsetOf(known));
        }
    }

    @Test
    void templateYaml_isWhatTheGeneratorWritesFromTheCatalogAndOpenApi() throws IOException {
        String generated = SamTemplateGenerator.forRepository(Repository.ROOT);
        String committed = Files.readString(Repository.SAM_TEMPLATE);
        assertThat(committed).as("template.yaml is stale: regenerate it with `" + SamTemplateGenerator.COMMAND
                + "` and commit it").isEqualTo(generated);
    }

    @Test
    void routeThrottles_areTheCatalogs_inTheStackAndTemplateYaml() {
        Map<String, Object> stackSettings = map(Cfn.resourcesOfType(STACK.template(), "AWS::ApiGatewayV2::Stage")
                .values().iterator().next().get("RouteSettings"));
        Map<String, Object> samSettings = map(at(SAM.resource("HttpApi"), "Properties").get("RouteSettings"));
        assertThat(samSettings).isEqualTo(stackSettings);
        Map<String, Object> expected = new TreeMap<>();
        OpenApiRoutes.read(Repository.OPENAPI).forEach(route -> FunctionCatalog.find(route.function())
                .flatMap(FunctionSpec::routeThrottle).ifPresent(throttle -> expected.put(route.routeKey(),
                        Map.of("ThrottlingBurstLimit", throttle.burst(), "ThrottlingRateLimit", throttle.ratePerSecond()))));
        assertThat(expected).as("classify is throttled below the API, so it cannot starve login").containsKey("POST /classify");
        assertThat(new TreeMap<>(stackSettings)).isEqualTo(expected);
    }

    @Test
    void httpApiDescription_namesEveryFunction_andIsTheSameInTheStackAndTemplateYaml() {
        Object stack = Cfn.resourcesOfType(STACK.template(), "AWS::ApiGatewayV2::Api").values().iterator().next()
                .get("Description");
        assertThat(stack).isEqualTo(at(SAM.resource("HttpApi"), "Properties").get("Description"))
                .isEqualTo(MlApiStack.apiDescription(FunctionCatalog.ALL));
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            assertThat(DocsMatchCatalogTest.namesToken(String.valueOf(stack), spec.name()))
                    .as("the HTTP API's description names " + spec.name()).isTrue();
        }
    }

    @Test
    void eventFunctions_areTriggeredAlikeInTheStackAndTemplateYaml() {
        for (FunctionSpec spec : FunctionCatalog.ofKind(FunctionSpec.Kind.EVENT)) {
            spec.trigger().orElseThrow().visit(stream -> assertStreamTriggeredAlike(spec, stream),
                    sqs -> QueuesTest.assertSqsTriggeredAlike(STACK, SAM, spec),
                    schedule -> SchedulesTest.assertScheduledAlike(STACK, SAM, spec));
        }
    }

    private static void assertStreamTriggeredAlike(FunctionSpec spec, Trigger.DynamoDbStream stream) {
        Map<String, Object> mapping = Cfn.resourcesOfType(STACK.template(), "AWS::Lambda::EventSourceMapping").values()
                .stream().filter(m -> Cfn.referencedIds(m.get("FunctionName"))
                        .stream().anyMatch(id -> id.startsWith(STACK.functions().get(spec.name()).logicalId().substring(0, 4))))
                .findFirst().orElseThrow(() -> new AssertionError("no event source mapping for " + spec.name()));
        assertThat(Cfn.referencedIds(mapping.get("EventSourceArn"))).containsExactly(stream.table().logicalId());
        Map<String, Object> samEvent = map(map(SAM.functions().get(spec.name()).properties().get("Events"))
                .get(stream.table().logicalId() + "Stream"));
        Map<String, Object> samProperties = at(samEvent, "Properties");
        assertThat(samEvent.get("Type")).isEqualTo("DynamoDB");
        assertThat(Cfn.referencedIds(samProperties.get("Stream"))).containsExactly(stream.table().logicalId());
        for (String property : List.of("StartingPosition", "BatchSize", "MaximumBatchingWindowInSeconds",
                "MaximumRetryAttempts", "BisectBatchOnFunctionError", "FunctionResponseTypes", "FilterCriteria")) {
            assertThat(samProperties.get(property)).as("%s %s", spec.name(), property).isEqualTo(mapping.get(property));
        }
        assertThat(mapping.get("BatchSize")).isEqualTo(stream.batchSize());
        assertThat(mapping.get("FunctionResponseTypes")).isEqualTo(List.of("ReportBatchItemFailures"));
        assertThat(mapping.get("FilterCriteria")).as("%s filter", spec.name()).isEqualTo(stream.filterPattern()
                .map(pattern -> (Object) Map.of("Filters", List.of(Map.of("Pattern", pattern)))).orElse(null));
        String stackQueue = Cfn.referencedIds(at(mapping, "DestinationConfig", "OnFailure").get("Destination"))
                .iterator().next();
        String samQueue = Cfn.referencedIds(at(samProperties, "DestinationConfig", "OnFailure").get("Destination"))
                .iterator().next();
        assertThat(STACK.resource(stackQueue).get("Type")).isEqualTo("AWS::SQS::Queue");
        assertThat(SAM.resource(samQueue).get("Type")).isEqualTo("AWS::SQS::Queue");
        assertThat(stackQueue).startsWith(samQueue);
    }

    @Test
    void environmentNames_matchTemplateYaml_lessTheLocalOnlyOnes() {
        forEachFunctionInBoth((stack, sam) -> {
            Set<String> samNames = new TreeSet<>(sam.environment().keySet());
            samNames.removeAll(LOCAL_ONLY_ENV);
            assertThat(new TreeSet<>(stack.environment().keySet())).as("%s environment", stack.module()).isEqualTo(samNames);
        });
    }

    @Test
    void environmentValues_matchTemplateYamlWhereBothAreLiterals() {
        forEachFunctionInBoth((stack, sam) -> stack.environment().forEach((name, value) -> {
            Object samValue = sam.environment().get(name);
            if (value instanceof String && samValue instanceof String) {
                assertThat(samValue).as("%s %s", stack.module(), name).isEqualTo(value);
            }
        }));
    }

    @Test
    void theStack_setsNoLocalOnlyVariable_andTemplateYamlLeavesThemEmpty() {
        STACK.functions().values().forEach(fn ->
                assertThat(fn.environment()).as(fn.module()).doesNotContainKeys(LOCAL_ONLY_ENV.toArray(String[]::new)));
        SAM.functions().values().forEach(fn -> LOCAL_ONLY_ENV.forEach(name -> {
            if (fn.environment().containsKey(name)) {
                assertThat(fn.environment().get(name)).as("template.yaml %s %s: set through env.json only", fn.module(), name)
                        .isEqualTo("");
            }
        }));
    }

    @Test
    void envJson_pointsEveryFunctionAtTheLocalServers() throws IOException {
        Map<String, Object> envJson = map(new Yaml().load(Files.readString(Repository.SAM_ENV)));
        Map<String, Object> everyFunction = map(envJson.get("Parameters"));
        assertThat(everyFunction).containsEntry("DYNAMODB_ENDPOINT", "http://host.docker.internal:8000")
                .containsEntry("S3_ENDPOINT", "http://host.docker.internal:9000")
                .containsEntry("SQS_ENDPOINT", "http://host.docker.internal:9324")
                .containsEntry("JWT_SECRET_ARN", "");
        assertThat(String.valueOf(everyFunction.get("JWT_SECRET"))).hasSizeGreaterThanOrEqualTo(32);
        Set<String> logicalIds = SAM.functions().values().stream().map(FunctionView::logicalId).collect(Collectors.toSet());
        for (FunctionView fn : SAM.functions().values()) {
            assertThat(fn.environment().keySet()).as("%s must declare the local endpoints env.json sets (SAM ignores others)",
                    fn.logicalId()).contains("DYNAMODB_ENDPOINT", "S3_ENDPOINT");
        }
        envJson.forEach((key, overrides) -> {
            if (!key.equals("Parameters")) {
                assertThat(logicalIds).as("env.json entry %s names a function of template.yaml", key).contains(key);
                FunctionView fn = SAM.functions().values().stream().filter(f -> f.logicalId().equals(key)).findFirst().orElseThrow();
                assertThat(fn.environment().keySet()).as("%s declares what env.json sets", key).containsAll(map(overrides).keySet());
            }
        });
        for (TableSpec table : TableCatalog.ALL) {
            assertThat(everyFunction).as("env.json names the local server's tables")
                    .containsEntry(table.envVar(), table.defaultName());
        }
        for (QueueSpec queue : QueueCatalog.ALL) {
            assertThat(everyFunction).as("env.json names the local server's queues")
                    .containsEntry(queue.envVar(), "http://host.docker.internal:9324/000000000000/" + queue.localName());
        }
    }

    // --- tables, bucket, secrets, outputs -----------------------------------------------------

    @Test
    void tables_haveTheKeysIndexesAndTtlTablesJavaDefines() {
        List<TableSpec> expected = TableCatalog.ALL;
        for (DeploymentView view : List.of(STACK, SAM)) {
            assertThat(Cfn.resourcesOfType(view.template(), "AWS::DynamoDB::Table")).as(view.source()).hasSameSizeAs(expected);
            for (TableSpec table : expected) {
                TableView actual = view.tableNamedBy(table.envVar());
                String what = view.source() + " " + table.envVar();
                assertThat(actual.logicalId()).as(what).isEqualTo(table.logicalId());
                assertThat(actual.partitionKey()).as(what + " key").isEqualTo(table.partitionKey());
                assertThat(actual.sortKey()).as(what + " sort key").isEqualTo(table.sortKey());
                assertThat(Cfn.at(view.resource(table.logicalId()), "Properties", "StreamSpecification").get("StreamViewType"))
                        .as(what + " stream").isEqualTo(table.streamsNewImages() ? "NEW_IMAGE" : null);
                assertThat(actual.ttlAttribute()).as(what + " TTL").isEqualTo(table.ttlAttribute());
                Map<String, List<String>> indexes = new TreeMap<>();
                table.indexes().forEach(index -> indexes.put(index.name(),
                        List.of(index.partitionKey(), index.sortKey(), "ALL")));
                assertThat(actual.indexes()).as(what + " indexes").isEqualTo(indexes);
                assertThat(actual.attributeTypes().values()).as(what + " attribute types").containsOnly("S");
                assertThat(actual.billingMode()).as(what).isEqualTo("PAY_PER_REQUEST");
                assertThat(actual.pointInTimeRecovery()).as(what + " point-in-time recovery").isTrue();
            }
        }
    }

    @Test
    void modelsBucket_hasTheSameProtectionsInTheStackAndTemplateYaml() {
        for (DeploymentView view : List.of(STACK, SAM)) {
            String bucket = view.referencedBy(Env.MODELS_BUCKET);
            Map<String, Object> properties = at(view.resource(bucket), "Properties");
            assertThat(at(properties, "PublicAccessBlockConfiguration")).as(view.source()).isEqualTo(Map.of(
                    "BlockPublicAcls", true, "BlockPublicPolicy", true, "IgnorePublicAcls", true, "RestrictPublicBuckets", true));
            assertThat(Cfn.flatten(at(properties, "BucketEncryption"))).as(view.source()).contains("AES256");
            List<Object> cors = list(at(properties, "CorsConfiguration").get("CorsRules"));
            assertThat(cors).as(view.source() + " CORS").hasSize(1);
            assertThat(list(map(cors.get(0)).get("AllowedMethods"))).as(view.source()).containsExactlyInAnyOrder("GET", "PUT");
            assertThat(list(at(properties, "LifecycleConfiguration").get("Rules"))).as(view.source())
                    .anySatisfy(rule -> assertThat(map(rule)).containsEntry("Status", "Enabled")
                            .containsEntry("AbortIncompleteMultipartUpload", Map.of("DaysAfterInitiation", 1)));
            // The bucket is shared with the registry: only pending image uploads may expire, nothing else.
            List<Map<String, Object>> expiring = list(at(properties, "LifecycleConfiguration").get("Rules")).stream()
                    .map(Cfn::map).filter(rule -> rule.containsKey("ExpirationInDays") || rule.containsKey("Expiration"))
                    .toList();
            assertThat(expiring).as(view.source() + " expiring rules").singleElement().satisfies(rule -> assertThat(rule)
                    .containsEntry("Status", "Enabled").containsEntry("Prefix", "images/pending/")
                    .containsEntry("ExpirationInDays", 1).doesNotContainKey("Filter"));
            boolean tlsOnly = Cfn.resourcesOfType(view.template(), "AWS::S3::BucketPolicy").values().stream()
                    .filter(policy -> Cfn.referencedIds(policy.get("Bucket")).contains(bucket))
                    .flatMap(policy -> list(at(policy, "PolicyDocument").get("Statement")).stream())
                    .map(Cfn::map)
                    .anyMatch(s -> "Deny".equals(s.get("Effect"))
                            && "false".equals(at(s, "Condition", "Bool").get("aws:SecureTransport")));
            assertThat(tlsOnly).as("%s denies plain-HTTP access to the bucket", view.source()).isTrue();
            Map<String, Object> logging = at(properties, "LoggingConfiguration");
            assertThat(logging.get("LogFilePrefix")).as("%s server access logs", view.source()).isEqualTo(MlApiStack.ACCESS_LOG_PREFIX);
            String logsBucket = Cfn.singleReference(logging.get("DestinationBucketName")).orElseThrow();
            assertThat(view.resource(logsBucket).get("Type")).as(view.source()).isEqualTo("AWS::S3::Bucket");
        }
    }

    @Test
    void secrets_areGeneratedInBoth() {
        for (DeploymentView view : List.of(STACK, SAM)) {
            for (String envName : List.of(Env.JWT_SECRET_ARN, Env.ADMIN_PASSWORD_SECRET_ARN)) {
                Map<String, Object> secret = view.resource(view.referencedBy(envName));
                assertThat(secret.get("Type")).as("%s %s", view.source(), envName).isEqualTo("AWS::SecretsManager::Secret");
                assertThat(at(secret, "Properties")).as("%s %s", view.source(), envName)
                        .containsKey("GenerateSecretString").doesNotContainKey("SecretString");
            }
        }
    }

    @Test
    void outputs_ofTemplateYamlAreOutputsOfTheStack() {
        assertThat(STACK.outputNames()).containsAll(SAM.outputNames())
                .contains("ApiUrl", "ModelsBucketName", "AdminPasswordSecretArn");
    }

    // --- helpers ------------------------------------------------------------------------------

    private static void assertSameRoutes(String leftName, Map<String, String> left, String rightName, Map<String, String> right) {
        Set<String> onlyLeft = new TreeSet<>(difference(left, right));
        Set<String> onlyRight = new TreeSet<>(difference(right, left));
        assertThat(onlyLeft).as("routes (→ function) in %s but not in %s", leftName, rightName).isEmpty();
        assertThat(onlyRight).as("routes (→ function) in %s but not in %s", rightName, leftName).isEmpty();
    }

    private static Set<String> difference(Map<String, String> a, Map<String, String> b) {
        Set<String> result = new LinkedHashSet<>();
        a.forEach((route, function) -> {
            if (!function.equals(b.get(route))) {
                result.add(route + " → " + function);
            }
        });
        return result;
    }

    private interface FunctionPair {
        void check(FunctionView stack, FunctionView sam);
    }

    /** Every function both describe; a function only one has fails {@link #everyFunctionModule_hasAFunctionInTheStackAndInTemplateYaml}. */
    private static void forEachFunctionInBoth(FunctionPair check) {
        STACK.functions().forEach((module, stack) -> {
            FunctionView sam = SAM.functions().get(module);
            if (sam != null) {
                check.check(stack, sam);
            }
        });
    }

    private static Set<String> constantsOf(Class<?> type) {
        Set<String> names = new TreeSet<>();
        for (var field : type.getFields()) {
            if (field.getType() == String.class && field.getName().equals(field.getName().toUpperCase())) {
                try {
                    String value = (String) field.get(null);
                    if (value.matches("[A-Z][A-Z0-9_]*")) {
                        names.add(value);
                    }
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return names;
    }
}
