package dev.mlapi.infra;


import dev.mlapi.catalog.ApiCors;
import dev.mlapi.catalog.OpenApiRoutes;
import dev.mlapi.catalog.ApiRoute;
import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.EnvValue;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.Grant;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.catalog.QueueSpec;
import dev.mlapi.catalog.Resource;
import dev.mlapi.catalog.StackParameter;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.catalog.TableSpec;
import dev.mlapi.catalog.Trigger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Optional;
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
import software.amazon.awscdk.aws_apigatewayv2_authorizers.HttpLambdaAuthorizer;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.HttpLambdaResponseType;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.CorsHttpMethod;
import software.amazon.awscdk.services.apigatewayv2.CorsPreflightOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpRoute;
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
import software.amazon.awscdk.services.dynamodb.CfnTable;
import software.amazon.awscdk.services.dynamodb.StreamViewType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.CfnEventSourceMapping;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.VersionOptions;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.CfnResource;
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
import software.amazon.awscdk.services.sqs.CfnQueue;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;
import java.util.TreeMap;
import software.amazon.awscdk.services.apigatewayv2.CfnStage;

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
    /** Server access logs of the registry bucket: prefix and how long they are kept. */
    public static final String ACCESS_LOG_PREFIX = "models/";
    public static final int ACCESS_LOG_DAYS = 90;
    /**
     * Presigned image uploads not committed (or left by a crash after their commit) expire after
     * a day; the prefix keeps the rule off the registry's models/ and training/ in the same bucket.
     */
    public static final String PENDING_IMAGES_PREFIX = Resource.IMAGES_OBJECTS.objectPrefix() + "pending/";
    public static final int PENDING_IMAGES_DAYS = 1;
    private static final int THROTTLE_BURST = 200;
    private static final RetentionDays LOG_RETENTION = RetentionDays.ONE_MONTH;
    private static final Duration ALARM_PERIOD = Duration.minutes(5);

    /** Where the authorizer finds the token; a request without it is refused (401) without invoking anything. */
    public static final String AUTHORIZER_IDENTITY_SOURCE = "$request.header.Authorization";
    /** How long API Gateway keeps the authorizer's answer for one Authorization header. */
    public static final int AUTHORIZER_CACHE_SECONDS = 300;
    /** The authorizer's name in both deployments. */
    public static final String AUTHORIZER_NAME = "TokenAuthorizer";

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
    private final Map<TableSpec, Table> tables;
    private final Map<QueueSpec, DeployedQueue> queues;
    private final Bucket modelsBucket;
    private final List<JavaFunction> functions;
    private final HttpApi httpApi;
    private final HttpStage apiStage;
    private final Topic alarmTopic;

    /**
     * A deployed function: its spec, the Lambda, the alias the API or its event source invokes,
     * its log group and, for an event function, its on-failure queue.
     */
    public record JavaFunction(FunctionSpec spec, Function function, Alias alias, LogGroup logGroup,
                               Optional<Queue> failureQueue) {
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
        this.tables = createTables();
        this.queues = createQueues();
        this.modelsBucket = createModelsBucket();
        this.functions = createFunctions(catalog);
        this.httpApi = createHttpApi(catalog);
        this.apiStage = createApiStage();
        createRoutes(createTokenAuthorizer());
        this.alarmTopic = createAlarmTopic();
        createAlarms();
        createDeadLetterAlarms();
        createRollbackAlarm();
        Dashboard dashboard = createDashboard();
        createOutputs(dashboard);
    }

    /** A queue of {@link QueueCatalog} and its dead-letter queue. */
    public record DeployedQueue(QueueSpec spec, Queue queue, Queue deadLetters) {
    }

    public List<ApiRoute> routes() {
        return routes;
    }

    public List<JavaFunction> functions() {
        return functions;
    }

    // --- secrets ------------------------------------------------------------------------------

    private Secret createJwtSecret() {
        return suppress(withLogicalId(Resource.JWT_SECRET, Secret.Builder.create(this, "JwtSecret")
                .description("mlapi JWT signing key")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(64)
                        .excludePunctuation(true)
                        .build())
                .removalPolicy(dataRemovalPolicy())
                .build()), "AwsSolutions-SMG4", "Rotating the JWT signing key would log every user out at once; it is"
                + " rotated by hand (update the secret, then publish the functions) until key ids with overlap exist.");
    }

    private Secret createAdminPasswordSecret() {
        return suppress(withLogicalId(Resource.ADMIN_PASSWORD_SECRET, Secret.Builder.create(this, "AdminPasswordSecret")
                .description("mlapi first admin's password (user " + settings.adminUsername() + ")")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(24)
                        .excludePunctuation(true)
                        .build())
                .removalPolicy(dataRemovalPolicy())
                .build()), "AwsSolutions-SMG4", "Read once, to create the first admin; that admin then changes the"
                + " password through the API, which the secret does not follow: rotating it would change nothing.");
    }

    /** A finding that does not apply here, suppressed next to its resource with the reason. */
    private static <T extends software.constructs.IConstruct> T suppress(T construct, String rule, String reason) {
        io.github.cdklabs.cdknag.NagSuppressions.addResourceSuppressions(construct, List.of(
                io.github.cdklabs.cdknag.NagPackSuppression.builder().id(rule).reason(reason).build()), true);
        return construct;
    }

    /**
     * Shared resources keep the logical id they have in {@code template.yaml}, so both
     * deployments name them alike and the parity tests compare them directly.
     */
    private static <T extends software.constructs.IConstruct> T withLogicalId(Resource resource, T construct) {
        ((CfnResource) construct.getNode().getDefaultChild()).overrideLogicalId(resource.logicalId().orElseThrow());
        return construct;
    }

    // --- tables -------------------------------------------------------------------------------

    /** Every table of {@link TableCatalog}, under the same logical id as in {@code template.yaml}. */
    private Map<TableSpec, Table> createTables() {
        Map<TableSpec, Table> created = new LinkedHashMap<>();
        for (TableSpec spec : TableCatalog.ALL) {
            Table table = Table.Builder.create(this, spec.logicalId())
                    .partitionKey(stringAttribute(spec.partitionKey()))
                    .sortKey(spec.sortKey().map(MlApiStack::stringAttribute).orElse(null))
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                            .pointInTimeRecoveryEnabled(true)
                            .build())
                    .timeToLiveAttribute(spec.ttlAttribute().orElse(null))
                    .stream(spec.streamsNewImages() ? StreamViewType.NEW_IMAGE : null)
                    .deletionProtection(settings.deletionProtection())
                    .removalPolicy(dataRemovalPolicy())
                    .build();
            for (TableSpec.IndexSpec index : spec.indexes()) {
                table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                        .indexName(index.name())
                        .partitionKey(stringAttribute(index.partitionKey()))
                        .sortKey(stringAttribute(index.sortKey()))
                        .projectionType(ProjectionType.ALL)
                        .build());
            }
            ((CfnTable) table.getNode().getDefaultChild()).overrideLogicalId(spec.logicalId());

            created.put(spec, table);
        }
        return created;
    }

    private Table table(TableSpec spec) {
        return tables.get(spec);
    }

    private static Attribute stringAttribute(String name) {
        return Attribute.builder().name(name).type(AttributeType.STRING).build();
    }

    /** Retained (and protected) data survives {@code cdk destroy}; unprotected stacks clean up fully. */
    private RemovalPolicy dataRemovalPolicy() {
        return settings.deletionProtection() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    }

    // --- queues -------------------------------------------------------------------------------

    /**
     * Every queue of {@link QueueCatalog} with its dead-letter queue (redrive after the queue's
     * {@code maxReceiveCount} receives), SQS-managed encryption and TLS only, under the same
     * logical ids as in {@code template.yaml}.
     */
    private Map<QueueSpec, DeployedQueue> createQueues() {
        Map<QueueSpec, DeployedQueue> created = new LinkedHashMap<>();
        for (QueueSpec spec : QueueCatalog.ALL) {
            Queue deadLetters = suppress(Queue.Builder.create(this, spec.deadLetterLogicalId())
                    .encryption(QueueEncryption.SQS_MANAGED)
                    .enforceSsl(true)
                    .retentionPeriod(Duration.seconds(QueueSpec.DEAD_LETTER_RETENTION.toSeconds()))
                    .build(), "AwsSolutions-SQS3", "This queue is the dead-letter queue of " + spec.logicalId()
                    + ": tasks that failed every receive stay here for a look and a replay.");
            ((CfnQueue) deadLetters.getNode().getDefaultChild()).overrideLogicalId(spec.deadLetterLogicalId());
            Queue queue = Queue.Builder.create(this, spec.logicalId())
                    .encryption(QueueEncryption.SQS_MANAGED)
                    .enforceSsl(true)
                    .visibilityTimeout(Duration.seconds(spec.visibilityTimeout().toSeconds()))
                    .deadLetterQueue(DeadLetterQueue.builder()
                            .queue(deadLetters)
                            .maxReceiveCount(spec.maxReceiveCount())
                            .build())
                    .build();
            ((CfnQueue) queue.getNode().getDefaultChild()).overrideLogicalId(spec.logicalId());
            created.put(spec, new DeployedQueue(spec, queue, deadLetters));
        }
        return created;
    }

    private Queue queueOf(Resource resource) {
        String logicalId = resource.logicalId().orElseThrow();
        return queues.values().stream().filter(q -> q.spec().logicalId().equals(logicalId)).findFirst()
                .map(DeployedQueue::queue)
                .orElseThrow(() -> new IllegalStateException(resource + " names no queue of QueueCatalog"));
    }

    // --- model registry bucket ----------------------------------------------------------------

    /** Where S3 writes the registry bucket's server access logs (who read or wrote which model, when). */
    private Bucket createAccessLogsBucket() {
        Bucket logs = Bucket.Builder.create(this, "ModelsAccessLogsBucket")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .lifecycleRules(List.of(LifecycleRule.builder()
                        .id("expire-access-logs")
                        .expiration(Duration.days(ACCESS_LOG_DAYS))
                        .build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        ((CfnResource) logs.getNode().getDefaultChild()).overrideLogicalId("ModelsAccessLogsBucket");
        suppress(logs, "AwsSolutions-S1", "This is the access-log bucket: logging its own access would log the logging.");
        return logs;
    }

    private Bucket createModelsBucket() {
        return withLogicalId(Resource.MODELS_BUCKET, Bucket.Builder.create(this, "ModelsBucket")
                .serverAccessLogsBucket(createAccessLogsBucket())
                .serverAccessLogsPrefix(ACCESS_LOG_PREFIX)
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
                        .build(), LifecycleRule.builder()
                        .id("expire-pending-image-uploads")
                        .prefix(PENDING_IMAGES_PREFIX)
                        .expiration(Duration.days(PENDING_IMAGES_DAYS))
                        .build()))
                // Models are data: a non-empty bucket cannot be deleted by CloudFormation anyway.
                .removalPolicy(RemovalPolicy.RETAIN)
                .build());
    }

    // --- functions ----------------------------------------------------------------------------

    private List<JavaFunction> createFunctions(List<FunctionSpec> catalog) {
        return catalog.stream().map(this::createJavaFunction).toList();
    }

    /** The one place a Java function is built: code, runtime, size, SnapStart, alias, logs, environment, grants. */
    private JavaFunction createJavaFunction(FunctionSpec spec) {
        String id = spec.logicalName();
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
                .snapStart(spec.snapStart() ? SnapStartConf.ON_PUBLISHED_VERSIONS : null)
                // Old versions are deleted once the alias has moved on, so they do not pile up.
                .currentVersionOptions(VersionOptions.builder().removalPolicy(RemovalPolicy.DESTROY).build())
                .environment(environmentOf(spec))
                .logGroup(logGroup)
                .role(role)
                .build();
        Tags.of(function).add(FUNCTION_TAG, spec.name());
        if (spec.snapStart()) {
            Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                    "every route invokes the '" + LIVE_ALIAS + "' alias of a published version");
        }
        Alias alias = Alias.Builder.create(this, id + "Alias")
                .aliasName(LIVE_ALIAS)
                .version(function.getCurrentVersion())
                .build();
        // A stream's failed batches go to the function's own on-failure queue; a queue's failed
        // messages to the queue's dead-letter queue, so an SQS consumer has none of its own.
        Optional<Queue> failureQueue = spec.trigger().flatMap(trigger -> trigger.<Optional<Queue>>match(
                stream -> Optional.of(createFailureQueue(id)), sqs -> Optional.empty(), schedule -> Optional.empty()));
        grantLeastPrivilege(spec, function, logGroup, failureQueue);
        spec.trigger().ifPresent(trigger -> createEventSource(id, trigger, alias, failureQueue));
        suppress(function, "AwsSolutions-L1", "java21 is the runtime the jars are built and tested for (ONNX Runtime's"
                + " natives need Amazon Linux 2023, SnapStart is verified on it); a newer one is a deliberate upgrade.");
        // Object-level grants name the registry's objects or the log's indexes, which are only addressable by pattern.
        io.github.cdklabs.cdknag.NagSuppressions.addResourceSuppressions(role, List.of(
                io.github.cdklabs.cdknag.NagPackSuppression.builder().id("AwsSolutions-IAM5")
                        .reason("Exact actions on the registry bucket's objects (<bucket>/*, or only <bucket>/training/*,"
                                + " <bucket>/images/*, the model names' owner records <bucket>/models/*/owner.json* or their"
                                + " alias records <bucket>/models/*/alias*)"
                                + " and tables' indexes (<table>/index/*): S3 objects and DynamoDB indexes have no other"
                                + " ARN form.")
                        .appliesTo(List.of(
                                io.github.cdklabs.cdknag.RegexAppliesTo.builder()
                                        .regex("/^Resource::<[A-Za-z0-9]+\\.Arn>\\/(((index|training|images)\\/)?\\*|models\\/\\*\\/(owner\\.json\\*?|alias\\*))$/g")
                                        .build()))
                        .build()), true);
        return new JavaFunction(spec, function, alias, logGroup, failureQueue);
    }

    /** The catalog's environment, with resource names and deployment choices resolved. */
    private Map<String, String> environmentOf(FunctionSpec spec) {
        Map<String, String> env = new LinkedHashMap<>();
        spec.environment().forEach((name, value) -> env.put(name, valueOf(value)));
        return env;
    }

    private String valueOf(EnvValue value) {
        if (value instanceof EnvValue.Literal literal) {
            return literal.value();
        }
        if (value instanceof EnvValue.ResourceName resource) {
            return nameOf(resource.resource());
        }
        return parameterValue(((EnvValue.Parameter) value).parameter());
    }

    private String parameterValue(StackParameter parameter) {
        return switch (parameter) {
            case ADMIN_USERNAME -> settings.adminUsername();
            case DEFAULT_IMAGE_MODEL -> settings.defaultImageModel();
        };
    }

    /** What a function is told a resource is called: a table's or bucket's name, a secret's ARN. */
    private String nameOf(Resource resource) {
        return switch (resource.kind()) {
            case TABLE, TABLE_INDEXES, TABLE_STREAM -> tableOf(resource).getTableName();
            case BUCKET, BUCKET_OBJECTS -> modelsBucket.getBucketName();
            case SECRET -> secretOf(resource).getSecretArn();
            case QUEUE -> queueOf(resource).getQueueUrl();
            case LOG_GROUP -> throw new IllegalArgumentException(resource + " has no name to pass on");
        };
    }

    private String arnOf(Resource resource, LogGroup logGroup, Optional<Queue> failureQueue) {
        return switch (resource.kind()) {
            case TABLE -> tableOf(resource).getTableArn();
            case TABLE_INDEXES -> tableOf(resource).getTableArn() + "/index/*";
            case TABLE_STREAM -> tableOf(resource).getTableStreamArn();
            case BUCKET -> modelsBucket.getBucketArn();
            case BUCKET_OBJECTS -> modelsBucket.arnForObjects(resource.objectPrefix() + "*");
            case SECRET -> secretOf(resource).getSecretArn();
            case LOG_GROUP -> logGroup.getLogGroupArn();
            // A queue of QueueCatalog by its logical id; else the function's own on-failure queue.
            case QUEUE -> resource.logicalId().isPresent() ? queueOf(resource).getQueueArn()
                    : failureQueue.orElseThrow(() -> new IllegalStateException(resource + " needs a stream trigger"))
                    .getQueueArn();
        };
    }

    private Table tableOf(Resource resource) {
        String logicalId = resource.logicalId().orElseThrow();
        return TableCatalog.ALL.stream().filter(t -> t.logicalId().equals(logicalId)).findFirst()
                .map(this::table)
                .orElseThrow(() -> new IllegalStateException(resource + " names no table of TableCatalog"));
    }

    private Secret secretOf(Resource resource) {
        return switch (resource) {
            case JWT_SECRET -> jwtSecret;
            case ADMIN_PASSWORD_SECRET -> adminPasswordSecret;
            default -> throw new IllegalArgumentException(resource + " is not a secret");
        };
    }

    /** Exactly the catalog's actions, each on its exact resource: no managed policy, no wildcard action. */
    private void grantLeastPrivilege(FunctionSpec spec, Function function, LogGroup logGroup, Optional<Queue> failureQueue) {
        Permissions permissions = new Permissions();
        for (Grant grant : spec.grants()) {
            permissions.allow(arnOf(grant.resource(), logGroup, failureQueue), grant.actions().toArray(String[]::new));
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

    /** Where an event function's batches go when every retry failed: kept 14 days for a look and a replay. */
    private Queue createFailureQueue(String id) {
        return suppress(Queue.Builder.create(this, id + "FailureQueue")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build(), "AwsSolutions-SQS3", "This queue is the dead-letter destination: the event source mapping"
                + " sends it what failed every retry; nothing consumes it automatically.");
    }

    /**
     * The event source mapping, written out (not CDK's event-source helpers, which add grants of
     * their own) so that the role holds exactly the catalog's actions, as in {@code template.yaml}.
     */
    private void createEventSource(String id, Trigger trigger, Alias alias, Optional<Queue> failureQueue) {
        trigger.visit(stream -> {
            CfnEventSourceMapping.Builder mapping = CfnEventSourceMapping.Builder.create(this, id + "EventSource");
            stream.filterPattern().ifPresent(pattern -> mapping.filterCriteria(
                    CfnEventSourceMapping.FilterCriteriaProperty.builder()
                            .filters(List.of(CfnEventSourceMapping.FilterProperty.builder().pattern(pattern).build()))
                            .build()));
            mapping
                    .functionName(alias.getFunctionArn())
                    .eventSourceArn(table(stream.table()).getTableStreamArn())
                    .startingPosition("TRIM_HORIZON")
                    .batchSize(stream.batchSize())
                    .maximumBatchingWindowInSeconds((int) stream.maxBatchingWindow().toSeconds())
                    .maximumRetryAttempts(stream.maxRetries())
                    .bisectBatchOnFunctionError(false)
                    .functionResponseTypes(List.of("ReportBatchItemFailures"))
                    .destinationConfig(CfnEventSourceMapping.DestinationConfigProperty.builder()
                            .onFailure(CfnEventSourceMapping.OnFailureProperty.builder()
                                    .destination(failureQueue.orElseThrow().getQueueArn())
                                    .build())
                            .build())
                    .build();
        }, sqs -> CfnEventSourceMapping.Builder.create(this, id + "EventSource")
                .functionName(alias.getFunctionArn())
                .eventSourceArn(queueOf(sqs.resource()).getQueueArn())
                .batchSize(sqs.batchSize())
                .maximumBatchingWindowInSeconds((int) sqs.maxBatchingWindow().toSeconds())
                .functionResponseTypes(List.of("ReportBatchItemFailures"))
                .scalingConfig(CfnEventSourceMapping.ScalingConfigProperty.builder()
                        .maximumConcurrency(sqs.maxConcurrency())
                        .build())
                .build(), schedule -> createScheduleRule(id, schedule, alias));
    }

    /**
     * The EventBridge rule that runs a scheduled function. CDK's Lambda target adds the only
     * permission: EventBridge may invoke this function's live alias, from this rule alone.
     */
    private void createScheduleRule(String id, Trigger.Schedule schedule, Alias alias) {
        Rule.Builder.create(this, id + Trigger.Schedule.EVENT_NAME)
                .description("mlapi: runs " + id + " on " + schedule.expression())
                .schedule(Schedule.expression(schedule.expression()))
                .targets(List.of(LambdaFunction.Builder.create(alias).build()))
                .build();
    }

    // --- HTTP API -----------------------------------------------------------------------------

    /**
     * The HTTP API's description, written from the catalog so that it names every function the
     * deployment runs (the console shows it beside the API): the functions behind the routes, the
     * authorizer in front of them, and the event functions that do the work the routes queue.
     * {@code template.yaml}'s {@code HttpApi} carries the same text.
     */
    public static String apiDescription(List<FunctionSpec> catalog) {
        return "mlapi, a serverless ML API. Routes to: " + names(catalog, FunctionSpec.Kind.HTTP)
                + ". Token check: " + names(catalog, FunctionSpec.Kind.AUTHORIZER)
                + ". Event functions (streams, queues, schedules): " + names(catalog, FunctionSpec.Kind.EVENT) + ".";
    }

    private static String names(List<FunctionSpec> catalog, FunctionSpec.Kind kind) {
        return String.join(", ", catalog.stream().filter(spec -> spec.kind() == kind).map(FunctionSpec::name).toList());
    }

    private HttpApi createHttpApi(List<FunctionSpec> catalog) {
        return HttpApi.Builder.create(this, "HttpApi")
                .apiName("mlapi")
                .description(apiDescription(catalog))
                .createDefaultStage(false)
                .corsPreflight(CorsPreflightOptions.builder()
                        .allowOrigins(settings.corsAllowOrigins())
                        .allowHeaders(ApiCors.ALLOW_HEADERS)
                        .allowMethods(ApiCors.ALLOW_METHODS.stream().map(CorsHttpMethod::valueOf).toList())
                        .exposeHeaders(ApiCors.EXPOSE_HEADERS)
                        .maxAge(Duration.seconds(ApiCors.MAX_AGE.toSeconds()))
                        .build())
                .build();
    }

    /** The {@code $default} stage, throttled, with JSON access logs keyed by API Gateway's request id. */
    private HttpStage createApiStage() {
        LogGroup accessLogs = LogGroup.Builder.create(this, "ApiAccessLogs")
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        HttpStage stage = HttpStage.Builder.create(this, "DefaultStage")
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
        Map<String, Object> routeSettings = new TreeMap<>();
        for (ApiRoute route : routes) {
            FunctionCatalog.find(route.function()).flatMap(FunctionSpec::routeThrottle).ifPresent(throttle ->
                    // CloudFormation's own key names: jsii passes a map of structs through untranslated.
                    routeSettings.put(route.routeKey(), ordered("ThrottlingBurstLimit", throttle.burst(),
                            "ThrottlingRateLimit", throttle.ratePerSecond())));
        }
        if (!routeSettings.isEmpty()) {
            ((CfnStage) stage.getNode().getDefaultChild())
                    .setRouteSettings(routeSettings);
        }
        return stage;
    }

    /**
     * API Gateway's Lambda authorizer (payload 2.0, simple responses, cached per Authorization
     * header), invoking the authorizer function's live alias; empty when the catalog has none.
     */
    private Optional<HttpLambdaAuthorizer> createTokenAuthorizer() {
        List<JavaFunction> authorizers = functions.stream()
                .filter(fn -> fn.spec().kind() == FunctionSpec.Kind.AUTHORIZER).toList();
        if (authorizers.size() > 1) {
            throw new IllegalStateException("FunctionCatalog declares more than one authorizer: " + authorizers.stream()
                    .map(fn -> fn.spec().name()).toList());
        }
        return authorizers.stream().findFirst().map(fn -> HttpLambdaAuthorizer.Builder
                .create(AUTHORIZER_NAME, fn.alias())
                .authorizerName(AUTHORIZER_NAME)
                .identitySource(List.of(AUTHORIZER_IDENTITY_SOURCE))
                .responseTypes(List.of(HttpLambdaResponseType.SIMPLE))
                .resultsCacheTtl(Duration.seconds(AUTHORIZER_CACHE_SECONDS))
                .build());
    }

    /**
     * Every operation of {@code openapi.yaml}, to the live alias of the function its {@code x-function}
     * names; the operations whose {@code security} requires a token behind the authorizer.
     */
    private void createRoutes(Optional<HttpLambdaAuthorizer> authorizer) {
        Map<String, JavaFunction> byName = functions.stream()
                .collect(Collectors.toMap(fn -> fn.spec().name(), fn -> fn));
        Map<String, HttpLambdaIntegration> integrations = new LinkedHashMap<>();
        for (ApiRoute route : routes) {
            JavaFunction target = byName.get(route.function());
            if (target != null && target.spec().kind() != FunctionSpec.Kind.HTTP) {
                throw new IllegalStateException("openapi.yaml routes " + route.routeKey() + " to '" + route.function()
                        + "', an " + target.spec().kind() + " function: only HTTP functions serve routes");
            }
            if (target == null) {
                throw new IllegalStateException("openapi.yaml routes " + route.routeKey() + " to function '"
                        + route.function() + "', which the stack does not deploy: add it to FunctionCatalog");
            }
            if (route.requiresToken() && authorizer.isEmpty()) {
                throw new IllegalStateException(route.routeKey() + " requires a token, and FunctionCatalog has no"
                        + " authorizer to put in front of it");
            }
            HttpLambdaIntegration integration = integrations.computeIfAbsent(route.function(),
                    name -> new HttpLambdaIntegration(target.spec().logicalName() + "Integration", target.alias()));
            List<HttpRoute> created = httpApi.addRoutes(AddRoutesOptions.builder()
                    .path(route.path())
                    .methods(List.of(HttpMethod.valueOf(route.method())))
                    .integration(integration)
                    .authorizer(route.requiresToken() ? authorizer.get() : null)
                    .build());
            if (!route.requiresToken()) {
                created.forEach(open -> suppress(open, "AwsSolutions-APIG4", route.routeKey() + " is public in"
                        + " openapi.yaml (security: [] or a token only optional): login, registration, health and the"
                        + " dashboard page answer without a token, and a token they do get is verified by the"
                        + " function's own pipeline (HS256 pinned, revocation and user in DynamoDB)."));
            }
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
            String id = fn.spec().logicalName();
            alarm(Alarm.Builder.create(this, id + "ErrorRateAlarm")
                    .alarmDescription(fn.spec().name() + ": more than 5% of invocations failed (uncaught"
                            + " exception, timeout or out of memory) in 2 of the last 3 periods of 5 minutes.")
                    .metric(errorRate(fn))
                    .threshold(5)
                    .evaluationPeriods(3)
                    .datapointsToAlarm(2)
                    .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                    .treatMissingData(TreatMissingData.NOT_BREACHING));
            fn.failureQueue().ifPresent(queue -> alarm(Alarm.Builder.create(this, id + "FailedBatchesAlarm")
                    .alarmDescription(fn.spec().name() + ": a batch failed every retry and went to its on-failure"
                            + " queue; its records were not processed.")
                    .metric(queue.metricApproximateNumberOfMessagesVisible(MetricOptions.builder()
                            .statistic("Maximum").period(ALARM_PERIOD).build()))
                    .threshold(1)
                    .evaluationPeriods(1)
                    .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                    .treatMissingData(TreatMissingData.NOT_BREACHING)));
            if (fn.spec().kind() == FunctionSpec.Kind.HTTP) {
                alarm(Alarm.Builder.create(this, id + "ServerErrorsAlarm")
                        .alarmDescription(fn.spec().name() + ": answered 5xx at least 5 times in 5 minutes (its own"
                                + " errors_5xx metric: bugs and unavailable dependencies, handled or not).")
                        .metric(functionMetric(fn, "errors_5xx", sum()))
                        .threshold(5)
                        .evaluationPeriods(1)
                        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                        .treatMissingData(TreatMissingData.NOT_BREACHING));
            }
            alarm(Alarm.Builder.create(this, id + "ThrottlesAlarm")
                    .alarmDescription(fn.spec().name() + ": Lambda throttled invocations (concurrency limit reached).")
                    .metric(fn.function().metricThrottles(sum()))
                    .threshold(1)
                    .evaluationPeriods(1)
                    .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                    .treatMissingData(TreatMissingData.NOT_BREACHING));
        }
    }

    /**
     * The aggregator rolled an alias's canary back (its metric {@code alias_rollbacks}): the alias is
     * safe again, but a release failed and somebody should read the alias's events.
     */
    private void createRollbackAlarm() {
        functions.stream().filter(fn -> fn.spec().name().equals(FunctionCatalog.AGGREGATOR.name())).findFirst()
                .ifPresent(fn -> alarm(Alarm.Builder.create(this, "AliasRollbacksAlarm")
                        .alarmDescription("A canary broke its alias's guardrail and was rolled back; see GET"
                                + " /models/{name}/aliases/{alias}/events.")
                        .metric(functionMetric(fn, "alias_rollbacks", sum()))
                        .threshold(1)
                        .evaluationPeriods(1)
                        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                        .treatMissingData(TreatMissingData.NOT_BREACHING)));
    }

    /** A task in a dead-letter queue failed every receive: its job failed (and says why), worth a look. */
    private void createDeadLetterAlarms() {
        for (DeployedQueue queue : queues.values()) {
            alarm(Alarm.Builder.create(this, queue.spec().deadLetterLogicalId() + "Alarm")
                    .alarmDescription(queue.spec().logicalId() + ": a task failed " + queue.spec().maxReceiveCount()
                            + " receives and went to the dead-letter queue; its job failed.")
                    .metric(queue.deadLetters().metricApproximateNumberOfMessagesVisible(MetricOptions.builder()
                            .statistic("Maximum").period(ALARM_PERIOD).build()))
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
                .usingMetrics(ordered(
                        "errors", fn.function().metricErrors(sum()),
                        "invocations", fn.function().metricInvocations(sum())))
                .label(fn.spec().name() + " error rate (%)")
                .period(ALARM_PERIOD)
                .build();
    }

    /**
     * A map in the order given: {@code Map.of} iterates in an order that changes from run to run,
     * and the synthesized template (metric ids, dimensions) must not, or every diff shows changes.
     */
    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> ordered(Object... keysAndValues) {
        Map<String, V> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], (V) keysAndValues[i + 1]);
        }
        return map;
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
        return mlapiMetric(name, ordered("function", fn.spec().name()), options);
    }

    /**
     * A metric the function emits itself for one route. The route dimension is the route key with
     * a colon for the space ({@code POST:/auth/login}): Powertools refuses whitespace in dimension
     * values (dev.mlapi.core.observability.EmfMetrics#routeDimension).
     */
    private static Metric routeMetric(JavaFunction fn, ApiRoute route, String name, MetricOptions options) {
        return mlapiMetric(name, ordered("function", fn.spec().name(), "route", route.routeKey().replace(' ', ':')),
                options);
    }

    private static Metric mlapiMetric(String name, Map<String, String> dimensions, MetricOptions options) {
        return Metric.Builder.create()
                .namespace(Env.METRICS_NAMESPACE)
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
