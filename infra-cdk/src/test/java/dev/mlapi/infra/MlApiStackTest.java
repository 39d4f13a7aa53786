package dev.mlapi.infra;

import static dev.mlapi.infra.support.Cfn.at;
import static dev.mlapi.infra.support.Cfn.list;
import static dev.mlapi.infra.support.Cfn.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.ApiCors;
import dev.mlapi.catalog.ApiRoute;
import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.catalog.Resource;
import dev.mlapi.infra.support.Cfn;
import dev.mlapi.infra.support.DeploymentView.FunctionView;
import dev.mlapi.infra.support.DeploymentView;
import dev.mlapi.infra.support.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stage;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The synthesized stack, resource by resource. */
class MlApiStackTest {

    private static final TestStacks STACKS = TestStacks.get();
    private static final Template TEMPLATE = STACKS.template;
    private static final DeploymentView VIEW = STACKS.view;

    @Test
    void functions_areExactlyTheCatalog() {
        assertThat(VIEW.functions().keySet())
                .containsExactlyInAnyOrderElementsOf(FunctionCatalog.ALL.stream().map(FunctionSpec::name).toList());
        TEMPLATE.resourceCountIs("AWS::Lambda::Function", FunctionCatalog.ALL.size());
    }

    @Test
    void everyFunction_runsJava21WithItsHandlerSizeAndSnapStart() {
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            TEMPLATE.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                    "Handler", spec.handler(),
                    "SnapStart", spec.snapStart() ? Map.of("ApplyOn", "PublishedVersions") : Match.absent(),
                    "Runtime", "java21",
                    "Architectures", List.of("x86_64"),
                    "MemorySize", spec.memoryMb(),
                    "Timeout", spec.timeout().toSeconds(),
                    "Description", spec.lambdaDescription(),
                    "Tags", Match.arrayWith(List.of(Map.of("Key", MlApiStack.FUNCTION_TAG, "Value", spec.name()))))));
        }
    }

    @Test
    void builtJars_areDeployedAsThemselves_thePlaceholderOnlyStandsInForMissingOnes() {
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            String s3Key = String.valueOf(at(VIEW.functions().get(spec.name()).properties(), "Code").get("S3Key"));
            boolean built = Files.isRegularFile(Repository.ROOT.resolve(spec.jarPath()));
            assertThat(s3Key).as("%s code asset (jar built: %s)", spec.name(), built).endsWith(built ? ".jar" : ".zip");
        }
    }

    @Test
    void everyFunction_isPublishedBehindTheLiveAlias() {
        Map<String, Map<String, Object>> versions = Cfn.resourcesOfType(VIEW.template(), "AWS::Lambda::Version");
        Map<String, Map<String, Object>> aliases = Cfn.resourcesOfType(VIEW.template(), "AWS::Lambda::Alias");
        for (FunctionView fn : VIEW.functions().values()) {
            List<Map<String, Object>> own = aliases.values().stream()
                    .filter(alias -> Cfn.referencedIds(alias.get("FunctionName")).contains(fn.logicalId()))
                    .toList();
            assertThat(own).as("%s's aliases", fn.module()).hasSize(1);
            assertThat(own.get(0).get("Name")).isEqualTo(MlApiStack.LIVE_ALIAS);
            String versionId = Cfn.singleReference(own.get(0).get("FunctionVersion")).orElseThrow();
            assertThat(Cfn.referencedIds(versions.get(versionId).get("FunctionName"))).containsExactly(fn.logicalId());
        }
    }

    @Test
    void everyFunction_logsToItsOwnGroupWithRetention() {
        Map<String, Map<String, Object>> groups = Cfn.resourcesOfType(VIEW.template(), "AWS::Logs::LogGroup");
        Set<String> used = new HashSet<>();
        for (FunctionView fn : VIEW.functions().values()) {
            String group = Cfn.singleReference(at(fn.properties(), "LoggingConfig").get("LogGroup")).orElseThrow();
            assertThat(used.add(group)).as("%s shares a log group", fn.module()).isTrue();
            assertThat(groups.get(group).get("RetentionInDays")).isEqualTo(30);
        }
    }

    @Test
    void everyHttpFunction_getsTheTablesAndJwtSecretByReference_andTheBucketOnlyWhenItUsesIt() {
        for (FunctionSpec spec : FunctionCatalog.ofKind(FunctionSpec.Kind.HTTP)) {
            FunctionView fn = VIEW.functions().get(spec.name());
            assertThat(fn.environment()).containsKeys(Env.USERS_TABLE, Env.TOKENS_TABLE,
                    Env.REQUEST_LOG_TABLE, Env.JWT_SECRET_ARN);
            assertThat(typeOfReference(fn.environment().get(Env.USERS_TABLE))).isEqualTo("AWS::DynamoDB::Table");
            if (spec.actionsOn(Resource.MODELS_OBJECTS).isEmpty() && spec.actionsOn(Resource.IMAGES_OBJECTS).isEmpty()) {
                assertThat(fn.environment()).as(spec.name()).doesNotContainKey(Env.MODELS_BUCKET);
            } else {
                assertThat(typeOfReference(fn.environment().get(Env.MODELS_BUCKET))).isEqualTo("AWS::S3::Bucket");
            }
            assertThat(typeOfReference(fn.environment().get(Env.JWT_SECRET_ARN)))
                    .isEqualTo("AWS::SecretsManager::Secret");
            assertThat(fn.environment()).containsEntry(Env.TOKEN_TTL_SECONDS, "3600")
                    .containsEntry(Env.REQUEST_LOG_RETENTION_DAYS, "90")
                    .containsEntry(Env.POWERTOOLS_SERVICE_NAME, spec.name())
                    .containsEntry(Env.POWERTOOLS_METRICS_NAMESPACE, "mlapi")
                    .containsEntry(Env.POWERTOOLS_LOG_LEVEL, "INFO");
        }
    }

    @Test
    void jvmOptions_fullJitForLogin_c1OnlyElsewhere() {
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            assertThat(VIEW.functions().get(spec.name()).environment())
                    .containsEntry(Env.JAVA_TOOL_OPTIONS, spec.jvmOptions());
        }
        assertThat(env("login").get(Env.JAVA_TOOL_OPTIONS)).asString().contains("TieredStopAtLevel=4");
        assertThat(env("health").get(Env.JAVA_TOOL_OPTIONS)).asString().contains("TieredStopAtLevel=1");
    }

    @Test
    void onlyLogin_getsTheFirstAdmin() {
        assertThat(env("login")).containsEntry(Env.ADMIN_USERNAME, "admin");
        assertThat(typeOfReference(env("login").get(Env.ADMIN_PASSWORD_SECRET_ARN)))
                .isEqualTo("AWS::SecretsManager::Secret");
        assertThat(env("login").get(Env.ADMIN_PASSWORD_SECRET_ARN))
                .isNotEqualTo(env("login").get(Env.JWT_SECRET_ARN));
        VIEW.functions().values().stream().filter(fn -> !fn.module().equals("login")).forEach(fn ->
                assertThat(fn.environment()).doesNotContainKeys(Env.ADMIN_USERNAME,
                        Env.ADMIN_PASSWORD_SECRET_ARN));
    }

    @Test
    void onnxFunctions_runDjlOfflineWithTheDefaultModel() {
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            Map<String, Object> env = env(spec.name());
            if (spec == FunctionCatalog.CLASSIFY || spec == FunctionCatalog.PREDICT || spec == FunctionCatalog.TRAIN_WORKER
                    || spec == FunctionCatalog.FIT_WORKER || spec == FunctionCatalog.BATCH_WORKER
                    || spec == FunctionCatalog.TAG_WORKER) {
                assertThat(env).containsEntry(Env.DJL_OFFLINE, "true");
            } else {
                assertThat(env).doesNotContainKey(Env.DJL_OFFLINE);
            }
            if (spec == FunctionCatalog.CLASSIFY || spec == FunctionCatalog.TAG_WORKER || spec == FunctionCatalog.IMAGES) {
                assertThat(env).containsEntry(Env.DEFAULT_IMAGE_MODEL, "mobilenetv2@production");
            }
        }
        assertThat(STACKS.variantView.functions().get("classify").environment())
                .containsEntry(Env.DEFAULT_IMAGE_MODEL, "resnet@staging")
                .containsEntry(Env.DJL_OFFLINE, "true");
    }

    @Test
    void secrets_areGeneratedAndNeverPlainText() {
        TEMPLATE.resourceCountIs("AWS::SecretsManager::Secret", 2);
        TEMPLATE.hasResourceProperties("AWS::SecretsManager::Secret", Map.of(
                "Description", "mlapi JWT signing key",
                "GenerateSecretString", Map.of("PasswordLength", 64, "ExcludePunctuation", true),
                "Tags", Match.anyValue()));
        TEMPLATE.hasResourceProperties("AWS::SecretsManager::Secret", Match.objectLike(Map.of(
                "GenerateSecretString", Map.of("PasswordLength", 24, "ExcludePunctuation", true))));
        Pattern secretLike = Pattern.compile(".*(SECRET|PASSWORD|TOKEN_KEY|PRIVATE).*");
        for (DeploymentView view : List.of(VIEW, STACKS.variantView)) {
            for (FunctionView fn : view.functions().values()) {
                fn.environment().forEach((name, value) -> {
                    if (secretLike.matcher(name).matches()) {
                        assertThat(name).as("%s: a secret goes by ARN only", fn.module()).endsWith("_ARN");
                        assertThat(map(value)).as("%s's %s", fn.module(), name).containsOnlyKeys("Ref");
                        assertThat(view.resource(Cfn.singleReference(value).orElseThrow()).get("Type"))
                                .isEqualTo("AWS::SecretsManager::Secret");
                    }
                });
            }
            assertThat(Cfn.flatten(view.template())).doesNotContain("{{resolve:secretsmanager");
        }
    }

    @Test
    void httpApi_allowsBrowsersAndExposesTheRequestId() {
        TEMPLATE.resourceCountIs("AWS::ApiGatewayV2::Api", 1);
        TEMPLATE.hasResourceProperties("AWS::ApiGatewayV2::Api", Match.objectLike(Map.of(
                "ProtocolType", "HTTP",
                "CorsConfiguration", Map.of(
                        "AllowOrigins", List.of("*"),
                        "AllowHeaders", List.of("authorization", "content-type"),
                        "AllowMethods", List.of("GET", "POST", "PUT", "DELETE", "OPTIONS"),
                        "ExposeHeaders", ApiCors.EXPOSE_HEADERS,
                        "MaxAge", 3600))));
        STACKS.variantTemplate.hasResourceProperties("AWS::ApiGatewayV2::Api", Match.objectLike(Map.of(
                "CorsConfiguration", Match.objectLike(Map.of("AllowOrigins", List.of("https://app.example.com"))))));
    }

    /** Fetch's CORS-safelisted response headers: a browser shows scripts these without being told. */
    private static final Set<String> SAFELISTED = Set.of("cache-control", "content-language", "content-length",
            "content-type", "expires", "last-modified", "pragma");

    @Test
    void everyResponseHeaderOfOpenApi_isExposedToBrowsers() throws IOException {
        Set<String> declared = new TreeSet<>();
        collectResponseHeaders(new org.yaml.snakeyaml.Yaml().load(Files.readString(Repository.OPENAPI)), declared);
        declared.removeAll(SAFELISTED);

        assertThat(declared).as("response headers declared in openapi.yaml").contains("location", "x-window-from");
        assertThat(ApiCors.EXPOSE_HEADERS).containsAll(declared);
    }

    /** The names under every {@code headers:} of a response object (its keys, lower case). */
    private static void collectResponseHeaders(Object node, Set<String> into) {
        if (node instanceof Map<?, ?> map) {
            if (map.get("headers") instanceof Map<?, ?> headers && (map.containsKey("description") || map.containsKey("content"))) {
                headers.keySet().forEach(name -> into.add(String.valueOf(name).toLowerCase(java.util.Locale.ROOT)));
            }
            map.values().forEach(value -> collectResponseHeaders(value, into));
        } else if (node instanceof List<?> list) {
            list.forEach(value -> collectResponseHeaders(value, into));
        }
    }

    @Test
    void defaultStage_isThrottledAndWritesAccessLogs() {
        TEMPLATE.resourceCountIs("AWS::ApiGatewayV2::Stage", 1);
        TEMPLATE.hasResourceProperties("AWS::ApiGatewayV2::Stage", Match.objectLike(Map.of(
                "StageName", "$default",
                "AutoDeploy", true,
                "DefaultRouteSettings", Map.of("ThrottlingRateLimit", 100, "ThrottlingBurstLimit", 200),
                "AccessLogSettings", Map.of(
                        "DestinationArn", Match.anyValue(),
                        "Format", Match.stringLikeRegexp(".*\\$context\\.requestId.*\\$context\\.status.*")))));
    }

    @Test
    void everyRoute_invokesALiveAliasWithPayloadV2() {
        Map<String, Map<String, Object>> integrations = Cfn.resourcesOfType(VIEW.template(), "AWS::ApiGatewayV2::Integration");
        assertThat(integrations).isNotEmpty();
        integrations.values().forEach(integration -> {
            assertThat(integration).containsEntry("IntegrationType", "AWS_PROXY").containsEntry("PayloadFormatVersion", "2.0");
            assertThat(typeOfReference(integration.get("IntegrationUri"))).isEqualTo("AWS::Lambda::Alias");
        });
        Cfn.resourcesOfType(VIEW.template(), "AWS::Lambda::Permission").values().forEach(permission -> {
            // The API's, or a schedule rule's for the scheduled functions (SchedulesTest).
            if ("events.amazonaws.com".equals(permission.get("Principal"))) {
                assertThat(typeOfReference(permission.get("SourceArn"))).isEqualTo("AWS::Events::Rule");
            } else {
                assertThat(permission).containsEntry("Principal", "apigateway.amazonaws.com");
            }
            assertThat(typeOfReference(permission.get("FunctionName"))).isEqualTo("AWS::Lambda::Alias");
        });
        assertThat(VIEW.routes()).hasSameSizeAs(STACKS.stack.routes());
    }

    @Test
    void tables_areOnDemandRecoverableAndProtected() {
        TEMPLATE.resourceCountIs("AWS::DynamoDB::Table", dev.mlapi.catalog.TableCatalog.ALL.size());
        TEMPLATE.allResources("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "DeletionPolicy", "Retain",
                "Properties", Match.objectLike(Map.of(
                        "BillingMode", "PAY_PER_REQUEST",
                        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                        "DeletionProtectionEnabled", true)))));
        TEMPLATE.allResources("AWS::SecretsManager::Secret", Match.objectLike(Map.of("DeletionPolicy", "Retain")));
    }

    @Test
    void requestLog_hasTheByDayAndByUserIndexesAndTtl() {
        TEMPLATE.hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "KeySchema", List.of(Map.of("AttributeName", "request_id", "KeyType", "HASH")),
                "GlobalSecondaryIndexes", List.of(Map.of(
                        "IndexName", "by_day",
                        "KeySchema", List.of(Map.of("AttributeName", "day", "KeyType", "HASH"),
                                Map.of("AttributeName", "created_at", "KeyType", "RANGE")),
                        "Projection", Map.of("ProjectionType", "ALL")), Map.of(
                        "IndexName", "by_user",
                        "KeySchema", List.of(Map.of("AttributeName", "user", "KeyType", "HASH"),
                                Map.of("AttributeName", "created_at", "KeyType", "RANGE")),
                        "Projection", Map.of("ProjectionType", "ALL"))),
                "TimeToLiveSpecification", Map.of("AttributeName", "expires_at", "Enabled", true))));
    }

    @Test
    void withoutDeletionProtection_tablesAndSecretsGoWithTheStack() {
        Template variant = STACKS.variantTemplate;
        variant.allResources("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "DeletionPolicy", "Delete",
                "Properties", Match.objectLike(Map.of("DeletionProtectionEnabled", false)))));
        variant.allResources("AWS::SecretsManager::Secret", Match.objectLike(Map.of("DeletionPolicy", "Delete")));
        variant.allResources("AWS::S3::Bucket", Match.objectLike(Map.of("DeletionPolicy", "Retain")));
    }

    @Test
    void modelsBucket_isPrivateEncryptedTlsOnlyAndReadyForPresignedUrls() {
        TEMPLATE.resourceCountIs("AWS::S3::Bucket", 2); // the registry and its access-log bucket
        TEMPLATE.hasResource("AWS::S3::Bucket", Match.objectLike(Map.of(
                "DeletionPolicy", "Retain",
                "Properties", Match.objectLike(Map.of(
                        "PublicAccessBlockConfiguration", Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
                                "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                        "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(
                                Map.of("ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256")))),
                        "OwnershipControls", Map.of("Rules", List.of(Map.of("ObjectOwnership", "BucketOwnerEnforced"))),
                        "CorsConfiguration", Map.of("CorsRules", List.of(Match.objectLike(Map.of(
                                "AllowedMethods", List.of("GET", "PUT"),
                                "AllowedOrigins", List.of("*"),
                                "ExposedHeaders", List.of("ETag"))))),
                        "LifecycleConfiguration", Map.of("Rules", List.of(Map.of(
                                "Id", "abort-incomplete-multipart-uploads",
                                "Status", "Enabled",
                                "AbortIncompleteMultipartUpload", Map.of("DaysAfterInitiation", 1)), Map.of(
                                "Id", "expire-pending-image-uploads",
                                "Status", "Enabled",
                                "Prefix", "images/pending/",
                                "ExpirationInDays", 1))))))));
        TEMPLATE.hasResourceProperties("AWS::S3::BucketPolicy", Match.objectLike(Map.of(
                "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Effect", "Deny",
                        "Action", "s3:*",
                        "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))));
    }

    @Test
    void alarms_watchServerErrorsThrottlesAndErrorRates() {
        TEMPLATE.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "Namespace", "AWS/ApiGateway", "MetricName", "5xx", "Statistic", "Sum")));
        for (FunctionView fn : VIEW.functions().values()) {
            Map<String, Object> byFunction = Map.of("Dimensions", List.of(Map.of("Name", "FunctionName",
                    "Value", Map.of("Ref", fn.logicalId()))));
            TEMPLATE.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                    "Namespace", "AWS/Lambda", "MetricName", "Throttles", "Dimensions", byFunction.get("Dimensions"))));
            TEMPLATE.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                    "Metrics", Match.arrayWith(List.of(
                            Match.objectLike(Map.of("Expression", "IF(invocations > 0, 100 * errors / invocations, 0)")),
                            Match.objectLike(Map.of("Id", "errors", "MetricStat", Match.objectLike(Map.of("Metric",
                                    Match.objectLike(Map.of("MetricName", "Errors", "Dimensions", byFunction.get("Dimensions")))))))
                    )))));
            // Only HTTP functions answer with a status, so only they emit errors_5xx.
            if (FunctionCatalog.find(fn.module()).orElseThrow().kind() == FunctionSpec.Kind.HTTP) {
                TEMPLATE.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                        "Namespace", "mlapi", "MetricName", "errors_5xx", "Statistic", "Sum",
                        "Dimensions", List.of(Map.of("Name", "function", "Value", fn.module())))));
            }
        }
        // Stream-triggered functions have an on-failure queue each; a queue's consumers share its dead-letter queue.
        List<FunctionSpec> streamFunctions = FunctionCatalog.ofKind(FunctionSpec.Kind.EVENT).stream()
                .filter(spec -> spec.trigger().orElseThrow().<Boolean>match(stream -> true, sqs -> false, schedule -> false)).toList();
        for (QueueSpec queue : QueueCatalog.ALL) {
            TEMPLATE.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                    "Namespace", "AWS/SQS", "MetricName", "ApproximateNumberOfMessagesVisible", "Threshold", 1,
                    "Dimensions", List.of(Map.of("Name", "QueueName", "Value",
                            Map.of("Fn::GetAtt", List.of(queue.deadLetterLogicalId(), "QueueName")))))));
        }
        for (FunctionSpec spec : streamFunctions) {
            String queue = Cfn.resourcesOfType(VIEW.template(), "AWS::SQS::Queue").keySet().stream()
                    .filter(id -> id.startsWith(spec.logicalName() + "FailureQueue")).findFirst()
                    .orElseThrow(() -> new AssertionError(spec.name() + " has no on-failure queue"));
            TEMPLATE.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                    "Namespace", "AWS/SQS", "MetricName", "ApproximateNumberOfMessagesVisible",
                    "Dimensions", List.of(Map.of("Name", "QueueName", "Value", Map.of("Fn::GetAtt", List.of(queue, "QueueName")))))));
        }
        // A canary rolled back by its guardrail (the aggregator's alias_rollbacks metric).
        TEMPLATE.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "Namespace", "mlapi", "MetricName", "alias_rollbacks", "Statistic", "Sum", "Threshold", 1,
                "Dimensions", List.of(Map.of("Name", "function", "Value", FunctionCatalog.AGGREGATOR.name())))));
        TEMPLATE.resourceCountIs("AWS::CloudWatch::Alarm", 1 + 2 * VIEW.functions().size() + streamFunctions.size()
                + QueueCatalog.ALL.size() + FunctionCatalog.ofKind(FunctionSpec.Kind.HTTP).size() + 1);
        String topic = Cfn.resourcesOfType(VIEW.template(), "AWS::SNS::Topic").keySet().iterator().next();
        Cfn.resourcesOfType(VIEW.template(), "AWS::CloudWatch::Alarm").forEach((id, alarm) ->
                assertThat(list(alarm.get("AlarmActions"))).as(id).containsExactly(Map.of("Ref", topic)));
        STACKS.variantTemplate.hasResourceProperties("AWS::SNS::Subscription",
                Map.of("Protocol", "email", "Endpoint", "ops@example.com", "TopicArn", Match.anyValue()));
        TEMPLATE.resourceCountIs("AWS::SNS::Subscription", 0);
    }

    @Test
    void dashboard_showsRequestsErrorsRouteLatencyAndColdStartsPerFunction_fromTheFunctionsMetrics() {
        Map<String, Map<String, Object>> dashboards = Cfn.resourcesOfType(VIEW.template(), "AWS::CloudWatch::Dashboard");
        assertThat(dashboards).hasSize(1);
        Object body = dashboards.values().iterator().next().get("DashboardBody");
        String text = Cfn.flatten(body);
        assertThat(text).contains("\"AWS/ApiGateway\",\"Latency\"", "\"AWS/Lambda\",\"Errors\"", "\"AWS/Lambda\",\"Throttles\"")
                .doesNotContain("REPORT", "Restore Duration");
        Set<String> referenced = Cfn.referencedIds(body);
        for (FunctionView fn : VIEW.functions().values()) {
            assertThat(text).contains(fn.module() + " duration (ms)", fn.module() + " p99 latency per route (ms)",
                    "[\"mlapi\",\"requests\",\"function\",\"" + fn.module() + "\"",
                    "[\"mlapi\",\"errors_5xx\",\"function\",\"" + fn.module() + "\"",
                    "[\"mlapi\",\"cold_start\",\"function\",\"" + fn.module() + "\"");
            assertThat(referenced).contains(fn.logicalId());
        }
        for (ApiRoute route : STACKS.stack.routes()) {
            assertThat(text).as("p99 latency of %s", route.routeKey())
                    .contains("\"route\",\"" + route.routeKey().replace(' ', ':') + "\"");
        }
    }

    @Test
    void outputs_nameTheApiTheBucketAndTheAdminSecretOnly() {
        TEMPLATE.hasOutput("ApiUrl", Match.objectLike(Map.of("Value", Match.objectLike(Map.of("Fn::Join", Match.anyValue())))));
        String bucket = VIEW.referencedBy(Env.MODELS_BUCKET);
        TEMPLATE.hasOutput("ModelsBucketName", Match.objectLike(Map.of("Value", Map.of("Ref", bucket))));
        Object adminSecret = env("login").get(Env.ADMIN_PASSWORD_SECRET_ARN);
        TEMPLATE.hasOutput("AdminPasswordSecretArn", Match.objectLike(Map.of("Value", adminSecret)));
        map(VIEW.template().get("Outputs")).forEach((name, output) -> {
            Object value = map(output).get("Value");
            for (String id : Cfn.referencedIds(value)) {
                if ("AWS::SecretsManager::Secret".equals(VIEW.resource(id).get("Type"))) {
                    assertThat(value).as("output %s may give a secret's ARN, nothing else", name).isEqualTo(Map.of("Ref", id));
                }
            }
        });
    }

    /**
     * {@code Map.of} iterates in an order fixed per JVM run at random: metrics built from it came
     * out errors-first in one synth and invocations-first in the next, so every {@code cdk diff}
     * showed changes. The stack now gives its maps an order; this would fail in about half of the
     * JVM runs before that.
     */
    @Test
    void errorRateAlarms_listTheirMetricsInTheOrderTheStackGives_soSynthIsReproducible() {
        var alarms = Cfn.resourcesOfType(VIEW.template(), "AWS::CloudWatch::Alarm").values().stream()
                .filter(alarm -> alarm.containsKey("Metrics")).toList();
        assertThat(alarms).isNotEmpty();
        for (Map<String, Object> alarm : alarms) {
            List<Object> ids = Cfn.list(alarm.get("Metrics")).stream().map(m -> Cfn.map(m).get("Id")).toList();
            assertThat(ids.indexOf("errors")).as("%s", ids).isLessThan(ids.indexOf("invocations"));
        }
    }

    @Test
    void synthesis_needsNoLookups() {
        assertThat(Stage.of(STACKS.stack).synth().getManifest().getMissing()).isNullOrEmpty();
        assertThat(STACKS.stack.getAccount()).startsWith("${Token[");
    }

    private static Map<String, Object> env(String module) {
        return VIEW.functions().get(module).environment();
    }

    private static String typeOfReference(Object expression) {
        return String.valueOf(VIEW.resource(Cfn.singleReference(expression).orElseThrow(
                () -> new AssertionError("not a single reference: " + expression))).get("Type"));
    }
}
