package dev.mlapi.infra;

import static dev.mlapi.infra.Capability.BOOTSTRAP_ADMIN;
import static dev.mlapi.infra.Capability.CLASSIFY_IMAGES;
import static dev.mlapi.infra.Capability.MANAGE_USERS;
import static dev.mlapi.infra.Capability.READ_MODELS;
import static dev.mlapi.infra.Capability.RUN_ONNX;
import static dev.mlapi.infra.Capability.WRITE_MODELS;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.CorsHttpMethod;
import software.amazon.awscdk.services.apigatewayv2.CorsPreflightOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.VersionOptions;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.CorsRule;
import software.amazon.awscdk.services.s3.HttpMethods;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * mlapi in AWS: one Java Lambda per function module behind an HTTP API, DynamoDB tables for
 * users, tokens and the request log, an S3 bucket as the model registry, generated secrets,
 * alarms and a dashboard. Routes come from {@code openapi.yaml}; functions from
 * {@link FunctionCatalog}.
 */
public final class MlApiStack extends Stack {

    /** The alias every route invokes: SnapStart only applies to published versions. */
    public static final String LIVE_ALIAS = "live";
    /** Tag naming the function module a Lambda runs. */
    public static final String FUNCTION_TAG = "mlapi:function";

    private static final int THROTTLE_RATE_PER_SECOND = 100;
    private static final int THROTTLE_BURST = 200;
    private static final RetentionDays LOG_RETENTION = RetentionDays.ONE_MONTH;
    private static final Duration ALARM_PERIOD = Duration.minutes(5);
    /** One line per request plus warnings and errors. */
    private static final String LOG_LEVEL = "INFO";

    /** JSON access-log line: API Gateway's request id is also the response's X-Request-Id. */
    private static final String ACCESS_LOG_FORMAT = "{\"requestId\":\"$context.requestId\","
            + "\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\","
            + "\"requestTime\":\"$context.requestTime\",\"ip\":\"$context.identity.sourceIp\","
            + "\"userAgent\":\"$context.identity.userAgent\",\"responseLength\":\"$context.responseLength\","
            + "\"responseLatency\":\"$context.responseLatency\",\"integrationLatency\":\"$context.integrationLatency\","
            + "\"integrationStatus\":\"$context.integrationStatus\","
            + "\"integrationError\":\"$context.integrationErrorMessage\"}";

    /** What the dashboard measures, said on the dashboard itself. */
    private static final String DASHBOARD_NOTE = """
            **mlapi.** *Requests*, *5xx* and *route latency* are the functions' own metrics (namespace \
            `mlapi`, one EMF record per request, dimensions `function` and `function, route`): every \
            answer counts, including handled 4xx/5xx. Function duration is Lambda's `Duration` (handler \
            time); API latency is API Gateway's end-to-end `Latency`. *Errors (uncaught)* counts failed \
            invocations (uncaught exception, timeout, out of memory). **Cold starts** is `cold_start`: \
            the first request each container serves, so SnapStart restores count too.""";

    private final StackSettings settings;
    private final List<ApiRoute> routes;
    private final Secret jwtSecret;
    private final Secret adminPasswordSecret;
    private final Table usersTable;
    private final Table tokensTable;
    private final Table requestLogTable;
    private final Bucket modelsBucket;
    private final List<JavaFunction> functions;
    private final HttpApi httpApi;
    private final HttpStage apiStage;
    private final Topic alarmTopic;

    /** A deployed function: its spec, the Lambda, the alias the API invokes and its log group. */
    public record JavaFunction(FunctionSpec spec, Function function, Alias alias, LogGroup logGroup) {
    }

    public MlApiStack(Construct scope, String id, StackProps props, StackSettings settings) {
        this(scope, id, props, settings, FunctionCatalog.ALL);
    }

    MlApiStack(Construct scope, String id, StackProps props, StackSettings settings, List<FunctionSpec> catalog) {
        super(scope, id, props);
        this.settings = settings;
        this.routes = OpenApiRoutes.read(settings.repositoryRoot().resolve("openapi.yaml"));
        Tags.of(this).add("project", "mlapi");

        this.jwtSecret = createJwtSecret();
        this.adminPasswordSecret = createAdminPasswordSecret();
        this.usersTable = createUsersTable();
        this.tokensTable = createTokensTable();
        this.requestLogTable = createRequestLogTable();
        this.modelsBucket = createModelsBucket();
        this.functions = createFunctions(catalog);
        this.httpApi = createHttpApi();
        this.apiStage = createApiStage();
        createRoutes();
        this.alarmTopic = createAlarmTopic();
        createAlarms();
        Dashboard dashboard = createDashboard();
        createOutputs(dashboard);
    }

    public List<ApiRoute> routes() {
        return routes;
    }

    public List<JavaFunction> functions() {
        return functions;
    }

    // --- secrets ------------------------------------------------------------------------------

    private Secret createJwtSecret() {
        return Secret.Builder.create(this, "JwtSecret")
                .description("mlapi JWT signing key")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(64)
                        .excludePunctuation(true)
                        .build())
                .removalPolicy(dataRemovalPolicy())
                .build();
    }

    private Secret createAdminPasswordSecret() {
        return Secret.Builder.create(this, "AdminPasswordSecret")
                .description("mlapi first admin's password (user " + settings.adminUsername() + ")")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(24)
                        .excludePunctuation(true)
                        .build())
                .removalPolicy(dataRemovalPolicy())
                .build();
    }

    // --- tables -------------------------------------------------------------------------------

    private Table createUsersTable() {
        return table("UsersTable", DynamoDbSchema.USERS_KEY, null);
    }

    private Table createTokensTable() {
        return table("TokensTable", DynamoDbSchema.TOKENS_KEY, DynamoDbSchema.TOKENS_TTL);
    }

    private Table createRequestLogTable() {
        Table table = table("RequestLogTable", DynamoDbSchema.REQUEST_LOG_KEY, DynamoDbSchema.REQUEST_LOG_TTL);
        table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(DynamoDbSchema.REQUEST_LOG_BY_DAY)
                .partitionKey(stringAttribute(DynamoDbSchema.REQUEST_LOG_DAY))
                .sortKey(stringAttribute(DynamoDbSchema.REQUEST_LOG_CREATED_AT))
                .projectionType(ProjectionType.ALL)
                .build());
        return table;
    }

    private Table table(String id, String partitionKey, String ttlAttribute) {
        return Table.Builder.create(this, id)
                .partitionKey(stringAttribute(partitionKey))
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true)
                        .build())
                .timeToLiveAttribute(ttlAttribute)
                .deletionProtection(settings.deletionProtection())
                .removalPolicy(dataRemovalPolicy())
                .build();
    }

    private static Attribute stringAttribute(String name) {
        return Attribute.builder().name(name).type(AttributeType.STRING).build();
    }

    /** Retained (and protected) data survives {@code cdk destroy}; unprotected stacks clean up fully. */
    private RemovalPolicy dataRemovalPolicy() {
        return settings.deletionProtection() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    }

    // --- model registry bucket ----------------------------------------------------------------

    private Bucket createModelsBucket() {
        return Bucket.Builder.create(this, "ModelsBucket")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .cors(List.of(CorsRule.builder()
                        .allowedMethods(List.of(HttpMethods.GET, HttpMethods.PUT))
                        .allowedOrigins(settings.corsAllowOrigins())
                        .allowedHeaders(List.of("*"))
                        .exposedHeaders(List.of("ETag"))
                        .maxAge(3000)
                        .build()))
                .lifecycleRules(List.of(LifecycleRule.builder()
                        .id("abort-incomplete-multipart-uploads")
                        .abortIncompleteMultipartUploadAfter(Duration.days(1))
                        .build()))
                // Models are data: a non-empty bucket cannot be deleted by CloudFormation anyway.
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
    }

    // --- functions ----------------------------------------------------------------------------

    private List<JavaFunction> createFunctions(List<FunctionSpec> catalog) {
        return catalog.stream().map(this::createJavaFunction).toList();
    }

    /** The one place a Java function is built: code, runtime, size, SnapStart, alias, logs, environment, grants. */
    private JavaFunction createJavaFunction(FunctionSpec spec) {
        String id = constructId(spec.name());
        LogGroup logGroup = LogGroup.Builder.create(this, id + "Logs")
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        Role role = Role.Builder.create(this, id + "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("mlapi " + spec.name() + " function: only what it needs, no managed policies")
                .build();
        Function function = Function.Builder.create(this, id + "Function")
                .description(spec.lambdaDescription())
                .runtime(Runtime.JAVA_21)
                // The classify jar keeps only ONNX Runtime's linux-x86_64 natives.
                .architecture(Architecture.X86_64)
                .code(Code.fromAsset(FunctionCode.locate(spec, settings.repositoryRoot(),
                        settings.missingJarPlaceholder()).toString()))
                .handler(spec.handler())
                .memorySize(spec.memoryMb())
                .timeout(Duration.seconds(spec.timeout().toSeconds()))
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                // Old versions are deleted once the alias has moved on, so they do not pile up.
                .currentVersionOptions(VersionOptions.builder().removalPolicy(RemovalPolicy.DESTROY).build())
                .environment(environmentOf(spec))
                .logGroup(logGroup)
                .role(role)
                .build();
        Tags.of(function).add(FUNCTION_TAG, spec.name());
        Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "every route invokes the '" + LIVE_ALIAS + "' alias of a published version");
        Alias alias = Alias.Builder.create(this, id + "Alias")
                .aliasName(LIVE_ALIAS)
                .version(function.getCurrentVersion())
                .build();
        grantLeastPrivilege(spec, function, logGroup);
        return new JavaFunction(spec, function, alias, logGroup);
    }

    private Map<String, String> environmentOf(FunctionSpec spec) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(FunctionEnvironment.USERS_TABLE, usersTable.getTableName());
        env.put(FunctionEnvironment.TOKENS_TABLE, tokensTable.getTableName());
        env.put(FunctionEnvironment.REQUEST_LOG_TABLE, requestLogTable.getTableName());
        env.put(FunctionEnvironment.MODELS_BUCKET, modelsBucket.getBucketName());
        env.put(FunctionEnvironment.JWT_SECRET_ARN, jwtSecret.getSecretArn());
        env.put(FunctionEnvironment.TOKEN_TTL_SECONDS, FunctionEnvironment.TOKEN_TTL);
        env.put(FunctionEnvironment.REQUEST_LOG_RETENTION_DAYS, FunctionEnvironment.REQUEST_LOG_RETENTION);
        env.put(FunctionEnvironment.JAVA_TOOL_OPTIONS, spec.jvmOptions());
        env.put(FunctionEnvironment.POWERTOOLS_SERVICE_NAME, spec.name());
        env.put(FunctionEnvironment.POWERTOOLS_METRICS_NAMESPACE, FunctionEnvironment.METRICS_NAMESPACE);
        env.put(FunctionEnvironment.POWERTOOLS_LOG_LEVEL, LOG_LEVEL);
        if (spec.can(BOOTSTRAP_ADMIN)) {
            env.put(FunctionEnvironment.ADMIN_USERNAME, settings.adminUsername());
            env.put(FunctionEnvironment.ADMIN_PASSWORD_SECRET_ARN, adminPasswordSecret.getSecretArn());
        }
        if (spec.can(RUN_ONNX)) {
            env.put(FunctionEnvironment.DJL_OFFLINE, "true");
        }
        if (spec.can(CLASSIFY_IMAGES)) {
            env.put(FunctionEnvironment.DEFAULT_IMAGE_MODEL, settings.defaultImageModel());
        }
        return env;
    }

    /**
     * Exact actions on exact resources. Every function verifies tokens (reads the user and the
     * token's revocation entry, and the JWT key) and records its requests; capabilities add the rest.
     */
    private void grantLeastPrivilege(FunctionSpec spec, Function function, LogGroup logGroup) {
        Permissions permissions = new Permissions();
        permissions.allow(logGroup.getLogGroupArn(), "logs:CreateLogStream", "logs:PutLogEvents");
        // Token verification reads the user and the revocation entry in one BatchGetItem.
        permissions.allow(usersTable.getTableArn(), "dynamodb:GetItem", "dynamodb:BatchGetItem");
        permissions.allow(tokensTable.getTableArn(), "dynamodb:GetItem", "dynamodb:BatchGetItem");
        permissions.allow(requestLogTable.getTableArn(), "dynamodb:PutItem");
        permissions.allow(jwtSecret.getSecretArn(), "secretsmanager:GetSecretValue");
        if (spec.can(MANAGE_USERS)) {
            permissions.allow(usersTable.getTableArn(),
                    "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan");
            permissions.allow(tokensTable.getTableArn(), "dynamodb:PutItem");
        }
        if (spec.can(BOOTSTRAP_ADMIN)) {
            permissions.allow(usersTable.getTableArn(), "dynamodb:PutItem");
            permissions.allow(adminPasswordSecret.getSecretArn(), "secretsmanager:GetSecretValue");
        }
        if (spec.can(READ_MODELS) || spec.can(WRITE_MODELS)) {
            permissions.allow(modelsBucket.getBucketArn(), "s3:ListBucket");
            permissions.allow(modelsBucket.arnForObjects("*"), "s3:GetObject");
        }
        if (spec.can(WRITE_MODELS)) {
            permissions.allow(modelsBucket.arnForObjects("*"), "s3:PutObject", "s3:DeleteObject");
        }
        permissions.statements().forEach(function::addToRolePolicy);
    }

    /** Actions gathered per resource, so each resource ends up in one statement. */
    private static final class Permissions {
        private final Map<String, Set<String>> actionsByResource = new LinkedHashMap<>();

        void allow(String resource, String... actions) {
            actionsByResource.computeIfAbsent(resource, key -> new TreeSet<>()).addAll(List.of(actions));
        }

        List<PolicyStatement> statements() {
            return actionsByResource.entrySet().stream()
                    .map(entry -> PolicyStatement.Builder.create()
                            .actions(List.copyOf(entry.getValue()))
                            .resources(List.of(entry.getKey()))
                            .build())
                    .toList();
        }
    }

    private static String constructId(String moduleName) {
        StringBuilder id = new StringBuilder();
        for (String part : moduleName.split("-")) {
            id.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
        }
        return id.toString();
    }

    // --- HTTP API -----------------------------------------------------------------------------

    private HttpApi createHttpApi() {
        return HttpApi.Builder.create(this, "HttpApi")
                .apiName("mlapi")
                .description("mlapi: login, classify, train, predict, model registry, history")
                .createDefaultStage(false)
                .corsPreflight(CorsPreflightOptions.builder()
                        .allowOrigins(settings.corsAllowOrigins())
                        .allowHeaders(List.of("authorization", "content-type"))
                        .allowMethods(List.of(CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT,
                                CorsHttpMethod.DELETE, CorsHttpMethod.OPTIONS))
                        .exposeHeaders(List.of("x-request-id"))
                        .maxAge(Duration.hours(1))
                        .build())
                .build();
    }

    /** The {@code $default} stage, throttled, with JSON access logs keyed by API Gateway's request id. */
    private HttpStage createApiStage() {
        LogGroup accessLogs = LogGroup.Builder.create(this, "ApiAccessLogs")
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        return HttpStage.Builder.create(this, "DefaultStage")
                .httpApi(httpApi)
                .stageName("$default")
                .autoDeploy(true)
                .throttle(ThrottleSettings.builder()
                        .rateLimit(THROTTLE_RATE_PER_SECOND)
                        .burstLimit(THROTTLE_BURST)
                        .build())
                .accessLogSettings(new IAccessLogSettings() {
                    @Override
                    public LogGroupLogDestination getDestination() {
                        return new LogGroupLogDestination(accessLogs);
                    }

                    @Override
                    public AccessLogFormat getFormat() {
                        return AccessLogFormat.custom(ACCESS_LOG_FORMAT);
                    }
                })
                .build();
    }

    /** Every operation of {@code openapi.yaml}, to the live alias of the function its {@code x-function} names. */
    private void createRoutes() {
        Map<String, JavaFunction> byName = functions.stream()
                .collect(Collectors.toMap(fn -> fn.spec().name(), fn -> fn));
        Map<String, HttpLambdaIntegration> integrations = new LinkedHashMap<>();
        for (ApiRoute route : routes) {
            JavaFunction target = byName.get(route.function());
            if (target == null) {
                throw new IllegalStateException("openapi.yaml routes " + route.routeKey() + " to function '"
                        + route.function() + "', which the stack does not deploy: add it to FunctionCatalog");
            }
            HttpLambdaIntegration integration = integrations.computeIfAbsent(route.function(),
                    name -> new HttpLambdaIntegration(constructId(name) + "Integration", target.alias()));
            httpApi.addRoutes(AddRoutesOptions.builder()
                    .path(route.path())
                    .methods(List.of(HttpMethod.valueOf(route.method())))
                    .integration(integration)
                    .build());
        }
    }

    // --- alarms and dashboard -----------------------------------------------------------------

    private Topic createAlarmTopic() {
        Topic topic = Topic.Builder.create(this, "AlarmTopic")
                .displayName("mlapi alarms")
                .enforceSsl(true)
                .build();
        settings.alarmEmail().ifPresent(email -> topic.addSubscription(new EmailSubscription(email)));
        return topic;
    }

    private void createAlarms() {
        alarm(Alarm.Builder.create(this, "Api5xxAlarm")
                .alarmDescription("The API answered 5xx at least 5 times in 5 minutes: a bug or a failing dependency.")
                .metric(httpApi.metricServerError(sum()))
                .threshold(5)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING));
        for (JavaFunction fn : functions) {
            String id = constructId(fn.spec().name());
            alarm(Alarm.Builder.create(this, id + "ErrorRateAlarm")
                    .alarmDescription(fn.spec().name() + ": more than 5% of invocations failed (uncaught"
                            + " exception, timeout or out of memory) in 2 of the last 3 periods of 5 minutes.")
                    .metric(errorRate(fn))
                    .threshold(5)
                    .evaluationPeriods(3)
                    .datapointsToAlarm(2)
                    .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                    .treatMissingData(TreatMissingData.NOT_BREACHING));
            alarm(Alarm.Builder.create(this, id + "ServerErrorsAlarm")
                    .alarmDescription(fn.spec().name() + ": answered 5xx at least 5 times in 5 minutes (its own"
                            + " errors_5xx metric: bugs and unavailable dependencies, handled or not).")
                    .metric(functionMetric(fn, "errors_5xx", sum()))
                    .threshold(5)
                    .evaluationPeriods(1)
                    .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                    .treatMissingData(TreatMissingData.NOT_BREACHING));
            alarm(Alarm.Builder.create(this, id + "ThrottlesAlarm")
                    .alarmDescription(fn.spec().name() + ": Lambda throttled invocations (concurrency limit reached).")
                    .metric(fn.function().metricThrottles(sum()))
                    .threshold(1)
                    .evaluationPeriods(1)
                    .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                    .treatMissingData(TreatMissingData.NOT_BREACHING));
        }
    }

    private void alarm(Alarm.Builder builder) {
        builder.build().addAlarmAction(new SnsAction(alarmTopic));
    }

    private static MathExpression errorRate(JavaFunction fn) {
        return MathExpression.Builder.create()
                .expression("IF(invocations > 0, 100 * errors / invocations, 0)")
                .usingMetrics(Map.of(
                        "errors", fn.function().metricErrors(sum()),
                        "invocations", fn.function().metricInvocations(sum())))
                .label(fn.spec().name() + " error rate (%)")
                .period(ALARM_PERIOD)
                .build();
    }

    private static MetricOptions sum() {
        return MetricOptions.builder().statistic("Sum").period(ALARM_PERIOD).build();
    }

    private static MetricOptions stat(String statistic, String label) {
        return MetricOptions.builder().statistic(statistic).period(Duration.minutes(1)).label(label).build();
    }

    private Dashboard createDashboard() {
        Dashboard dashboard = Dashboard.Builder.create(this, "Dashboard")
                .defaultInterval(Duration.hours(3))
                .build();
        dashboard.addWidgets(TextWidget.Builder.create()
                .markdown(DASHBOARD_NOTE)
                .width(24).height(3)
                .build());
        dashboard.addWidgets(
                graph("API requests and errors", 12,
                        httpApi.metricCount(stat("Sum", "requests")),
                        httpApi.metricClientError(stat("Sum", "4xx (includes 429 throttled)")),
                        httpApi.metricServerError(stat("Sum", "5xx"))),
                graph("API latency (ms)", 12,
                        httpApi.metricLatency(stat("p50", "latency p50")),
                        httpApi.metricLatency(stat("p99", "latency p99")),
                        httpApi.metricIntegrationLatency(stat("p99", "integration latency p99"))));
        List<IWidget> latency = new ArrayList<>();
        for (JavaFunction fn : functions) {
            var f = fn.function();
            latency.add(graph(fn.spec().name() + " duration (ms)", 6,
                    f.metricDuration(stat("p50", "p50")),
                    f.metricDuration(stat("p90", "p90")),
                    f.metricDuration(stat("p99", "p99"))));
        }
        dashboard.addWidgets(latency.toArray(IWidget[]::new));
        dashboard.addWidgets(
                graph("Requests (mlapi)", 8, perFunction(fn -> functionMetric(fn, "requests", stat("Sum", fn.spec().name())))),
                graph("5xx answers (mlapi)", 8, perFunction(fn -> functionMetric(fn, "errors_5xx", stat("Sum", fn.spec().name())))),
                graph("Cold starts (mlapi)", 8, perFunction(fn -> functionMetric(fn, "cold_start", stat("Sum", fn.spec().name())))));
        List<IWidget> routeLatency = new ArrayList<>();
        for (JavaFunction fn : functions) {
            IMetric[] perRoute = routes.stream()
                    .filter(route -> route.function().equals(fn.spec().name()))
                    .map(route -> routeMetric(fn, route, "latency", stat("p99", route.routeKey())))
                    .toArray(IMetric[]::new);
            routeLatency.add(graph(fn.spec().name() + " p99 latency per route (ms)", 6, perRoute));
        }
        dashboard.addWidgets(routeLatency.toArray(IWidget[]::new));
        dashboard.addWidgets(
                graph("Invocations", 8, perFunction(fn -> fn.function().metricInvocations(stat("Sum", fn.spec().name())))),
                graph("Errors (uncaught, timeouts)", 8, perFunction(fn -> fn.function().metricErrors(stat("Sum", fn.spec().name())))),
                graph("Throttles", 8, perFunction(fn -> fn.function().metricThrottles(stat("Sum", fn.spec().name())))));
        return dashboard;
    }


    /** A metric the function emits itself (EMF, namespace mlapi), for the whole function. */
    private static Metric functionMetric(JavaFunction fn, String name, MetricOptions options) {
        return mlapiMetric(name, Map.of("function", fn.spec().name()), options);
    }

    /**
     * A metric the function emits itself for one route. The route dimension is the route key with
     * a colon for the space ({@code POST:/auth/login}): Powertools refuses whitespace in dimension
     * values (dev.mlapi.core.observability.EmfMetrics#routeDimension).
     */
    private static Metric routeMetric(JavaFunction fn, ApiRoute route, String name, MetricOptions options) {
        return mlapiMetric(name, Map.of("function", fn.spec().name(), "route", route.routeKey().replace(' ', ':')),
                options);
    }

    private static Metric mlapiMetric(String name, Map<String, String> dimensions, MetricOptions options) {
        return Metric.Builder.create()
                .namespace(FunctionEnvironment.METRICS_NAMESPACE)
                .metricName(name)
                .dimensionsMap(dimensions)
                .statistic(options.getStatistic())
                .period(options.getPeriod())
                .label(options.getLabel())
                .build();
    }

    private GraphWidget graph(String title, int width, IMetric... metrics) {
        return GraphWidget.Builder.create().title(title).left(List.of(metrics)).width(width).height(6).build();
    }

    private IMetric[] perFunction(java.util.function.Function<JavaFunction, IMetric> metric) {
        return functions.stream().map(metric).toArray(IMetric[]::new);
    }

    // --- outputs ------------------------------------------------------------------------------

    private void createOutputs(Dashboard dashboard) {
        CfnOutput.Builder.create(this, "ApiUrl")
                .description("Base URL of the HTTP API")
                .value(apiStage.getUrl())
                .build();
        CfnOutput.Builder.create(this, "ModelsBucketName")
                .description("The model registry bucket")
                .value(modelsBucket.getBucketName())
                .build();
        CfnOutput.Builder.create(this, "AdminPasswordSecretArn")
                .description("Read the first admin's password: aws secretsmanager get-secret-value --secret-id <this>")
                .value(adminPasswordSecret.getSecretArn())
                .build();
        CfnOutput.Builder.create(this, "AlarmTopicArn")
                .description("Alarms notify this SNS topic; subscribe to it, or deploy with -c alarmEmail=you@example.com")
                .value(alarmTopic.getTopicArn())
                .build();
        CfnOutput.Builder.create(this, "DashboardName")
                .description("The CloudWatch dashboard: requests, errors, latency per route and cold starts per function")
                .value(dashboard.getDashboardName())
                .build();
    }
}
