package dev.mlapi.infra.sam;

import dev.mlapi.catalog.ApiCors;
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
import dev.mlapi.catalog.ApiRoute;
import dev.mlapi.infra.MlApiStack;
import dev.mlapi.catalog.OpenApiRoutes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Writes {@code template.yaml} for SAM users from the two descriptions of the deployment:
 * {@code openapi.yaml} (routes) and {@link FunctionCatalog} (functions, triggers, sizes,
 * environment, exact IAM actions). Each function gets its own role holding exactly the catalog's
 * statements, as in the CDK stack, so SAM adds no managed policy of its own.
 */
public final class SamTemplateGenerator {

    /** How to regenerate the committed template (printed by the test that finds it stale). */
    public static final String COMMAND = "./mvnw -q -pl infra-cdk -am compile exec:java@sam-template";

    private static final String HEADER = """
            # GENERATED from openapi.yaml (routes) and functions/catalog (FunctionCatalog): do not edit.
            # Regenerate with: %s
            # Build the jars first (./mvnw -DskipTests package), then `sam build` (each function's Makefile
            # copies its module's jar); then `sam deploy --guided`, or `sam local invoke -e events/<file>.json`
            # and `sam local start-api --env-vars env.json` against the local server's storage.
            """.formatted(COMMAND);

    private static final Pattern PLAIN_TAGGED =
            Pattern.compile("(!(?:Ref|GetAtt|Sub)) '([A-Za-z0-9$][A-Za-z0-9.:/${}*_-]*)'");
    private static final int LOG_RETENTION_DAYS = 30;
    private static final int FAILURE_RETENTION_SECONDS = 14 * 24 * 3600;

    private final List<ApiRoute> routes;
    private final List<FunctionSpec> catalog;

    public SamTemplateGenerator(List<ApiRoute> routes) {
        this(routes, FunctionCatalog.ALL);
    }

    /** For tests: the template of {@code catalog} instead of {@link FunctionCatalog#ALL}. */
    public SamTemplateGenerator(List<ApiRoute> routes, List<FunctionSpec> catalog) {
        this.routes = routes;
        this.catalog = List.copyOf(catalog);
    }

    /** Writes {@code template.yaml} into the repository given as the first argument (default: the parent folder). */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "..").toAbsolutePath().normalize();
        Path target = root.resolve("template.yaml");
        String yaml = forRepository(root);
        Files.writeString(target, yaml, StandardCharsets.UTF_8);
        System.out.println("wrote " + target);
        for (Map.Entry<String, String> makefile : makefiles(FunctionCatalog.ALL).entrySet()) {
            Path file = root.resolve(makefile.getKey());
            Files.writeString(file, makefile.getValue(), StandardCharsets.UTF_8);
            System.out.println("wrote " + file);
        }
    }

    /** Where a function's code is for SAM: its module's folder, which holds the module's Makefile. */
    public static String codeUri(FunctionSpec spec) {
        return "functions/" + spec.module();
    }

    /**
     * The Makefile of every function module (path relative to the repository → content): {@code sam
     * build} runs {@code build-<LogicalId>} in a copy of the module's folder ({@code BuildMethod:
     * makefile}); the target puts the jar the Maven reactor built under {@code lib/}, which Lambda's
     * Java runtime puts on the classpath, so {@code sam local} and {@code sam deploy} run that jar.
     */
    public static Map<String, String> makefiles(List<FunctionSpec> catalog) {
        Map<String, List<FunctionSpec>> byModule = new TreeMap<>();
        catalog.forEach(spec -> byModule.computeIfAbsent(spec.module(), m -> new ArrayList<>()).add(spec));
        Map<String, String> makefiles = new LinkedHashMap<>();
        byModule.forEach((module, specs) -> {
            String jar = "target/" + module + ".jar";
            String targets = String.join(" ", specs.stream().map(spec -> "build-" + spec.logicalName() + "Function")
                    .toList());
            makefiles.put(codeUri(specs.get(0)) + "/Makefile", """
                    # GENERATED with template.yaml (%s): do not edit.
                    # `sam build` (BuildMethod: makefile) runs build-<LogicalId> in a copy of this folder: it puts the
                    # jar the Maven reactor built where Lambda's Java runtime looks (lib/ is on its classpath).
                    JAR := %s

                    .PHONY: %s
                    %s:
                    \t@test -f $(JAR) || { echo "$(JAR) is missing: build the jars first: ./mvnw -DskipTests package" >&2; exit 1; }
                    \tmkdir -p "$(ARTIFACTS_DIR)/lib"
                    \tcp $(JAR) "$(ARTIFACTS_DIR)/lib/"
                    """.formatted(COMMAND, jar, targets, targets));
        });
        return makefiles;
    }

    public static String forRepository(Path root) {
        return new SamTemplateGenerator(OpenApiRoutes.read(root.resolve("openapi.yaml"))).render();
    }

    public String render() {
        Map<String, Object> template = new LinkedHashMap<>();
        template.put("AWSTemplateFormatVersion", "2010-09-09");
        template.put("Transform", "AWS::Serverless-2016-10-31");
        template.put("Description", "mlapi - a serverless ML API: one Java Lambda per function behind an HTTP API,"
                + " DynamoDB for users, tokens and the request log, S3 as the model registry. The same deployment as"
                + " the CDK stack in infra-cdk/.");
        template.put("Parameters", parameters());
        template.put("Globals", globals());
        Map<String, Object> resources = new LinkedHashMap<>();
        resources.put("HttpApi", httpApi(routes));
        authorizer().ifPresent(spec -> resources.put(MlApiStack.AUTHORIZER_NAME + "InvokePermission",
                authorizerPermission(spec)));
        resources.put(Resource.JWT_SECRET.logicalId().orElseThrow(), secret("mlapi JWT signing key", 64));
        resources.put(Resource.ADMIN_PASSWORD_SECRET.logicalId().orElseThrow(), secret("mlapi first admin's password", 24));
        TableCatalog.ALL.forEach(table -> resources.put(table.logicalId(), table(table)));
        for (QueueSpec queue : QueueCatalog.ALL) {
            resources.put(queue.deadLetterLogicalId(), map("Type", "AWS::SQS::Queue", "Properties", map(
                    "SqsManagedSseEnabled", true,
                    "MessageRetentionPeriod", (int) QueueSpec.DEAD_LETTER_RETENTION.toSeconds())));
            resources.put(queue.logicalId(), map("Type", "AWS::SQS::Queue", "Properties", map(
                    "SqsManagedSseEnabled", true,
                    "VisibilityTimeout", (int) queue.visibilityTimeout().toSeconds(),
                    "RedrivePolicy", map(
                            "deadLetterTargetArn", Intrinsic.getAtt(queue.deadLetterLogicalId(), "Arn"),
                            "maxReceiveCount", queue.maxReceiveCount()))));
            resources.put(queue.logicalId() + "Policy", denyInsecureTransport("AWS::SQS::QueuePolicy", "Queues",
                    List.of(Intrinsic.ref(queue.logicalId()), Intrinsic.ref(queue.deadLetterLogicalId())), "sqs:*",
                    List.of(Intrinsic.getAtt(queue.logicalId(), "Arn"),
                            Intrinsic.getAtt(queue.deadLetterLogicalId(), "Arn"))));
        }
        resources.put(ACCESS_LOGS_BUCKET, accessLogsBucket());
        resources.put(ACCESS_LOGS_BUCKET + "Policy", accessLogsBucketPolicy());
        resources.put(Resource.MODELS_BUCKET.logicalId().orElseThrow(), modelsBucket());
        resources.put("ModelsBucketPolicy", denyInsecureTransport("AWS::S3::BucketPolicy", "Bucket",
                Intrinsic.ref("ModelsBucket"), "s3:*",
                List.of(Intrinsic.getAtt("ModelsBucket", "Arn"), Intrinsic.sub("${ModelsBucket.Arn}/*"))));
        for (FunctionSpec spec : catalog) {
            String id = spec.logicalName();
            resources.put(id + "Logs", map("Type", "AWS::Logs::LogGroup",
                    "Properties", map("RetentionInDays", LOG_RETENTION_DAYS)));
            // A stream's failed batches go to the function's own on-failure queue; a queue's failed
            // messages to the queue's dead-letter queue (above), so an SQS consumer has none of its own.
            spec.trigger().ifPresent(trigger -> trigger.visit(stream -> {
                resources.put(id + "FailureQueue", map("Type", "AWS::SQS::Queue", "Properties", map(
                        "SqsManagedSseEnabled", true,
                        "MessageRetentionPeriod", FAILURE_RETENTION_SECONDS)));
                resources.put(id + "FailureQueuePolicy", denyInsecureTransport("AWS::SQS::QueuePolicy", "Queues",
                        List.of(Intrinsic.ref(id + "FailureQueue")), "sqs:*",
                        List.of(Intrinsic.getAtt(id + "FailureQueue", "Arn"))));
            }, sqs -> { }, schedule -> { }));
            resources.put(id + "Role", role(spec, id));
            resources.put(id + "Function", function(spec, id));
        }
        template.put("Resources", resources);
        template.put("Outputs", map(
                "ApiUrl", map("Description", "Base URL of the HTTP API",
                        "Value", Intrinsic.sub("https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}")),
                "ModelsBucketName", map("Description", "The model registry bucket", "Value", Intrinsic.ref("ModelsBucket")),
                "AdminPasswordSecretArn", map("Description",
                        "Read the first admin's password: aws secretsmanager get-secret-value --secret-id <this>",
                        "Value", Intrinsic.ref("AdminPasswordSecret"))));
        // SnakeYAML quotes every scalar with an explicit tag; CloudFormation reads both alike, people read plain better.
        return HEADER + PLAIN_TAGGED.matcher(yaml().dump(template)).replaceAll("$1 $2");
    }

    /** Browser origins allowed to call the API and the presigned bucket URLs; the CDK's context key corsAllowOrigins. */
    private static final String CORS_PARAMETER = "CorsAllowOrigins";

    private static Map<String, Object> parameters() {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put(CORS_PARAMETER, map("Type", "CommaDelimitedList", "Default", "*",
                "Description", "Browser origins allowed to call the API and the presigned model URLs, comma-separated"
                        + " (for example https://app.example.com); * allows any."));
        for (StackParameter parameter : StackParameter.values()) {
            parameters.put(parameter.samName(), map("Type", "String", "Default", parameter.defaultValue(),
                    "Description", parameter.description()));
        }
        return parameters;
    }

    private static Map<String, Object> globals() {
        // sam local reads env.json only for variables the template declares: the local-only ones are declared
        // here, empty, and never set in AWS.
        Map<String, Object> localOnly = new LinkedHashMap<>();
        for (String name : List.of(Env.DYNAMODB_ENDPOINT, Env.S3_ENDPOINT, Env.SQS_ENDPOINT, Env.JWT_SECRET,
                Env.ADMIN_PASSWORD)) {
            localOnly.put(name, "");
        }
        return map("Function", map(
                "Runtime", "java21",
                "Architectures", List.of("x86_64"),
                "AutoPublishAlias", MlApiStack.LIVE_ALIAS,
                "SnapStart", map("ApplyOn", "PublishedVersions"),
                "Environment", map("Variables", localOnly)));
    }

    private static Map<String, Object> httpApi(List<ApiRoute> routes) {
        Map<String, Object> routeSettings = new TreeMap<>();
        for (ApiRoute route : routes) {
            FunctionCatalog.find(route.function()).flatMap(FunctionSpec::routeThrottle).ifPresent(throttle ->
                    routeSettings.put(route.routeKey(), map("ThrottlingBurstLimit", throttle.burst(),
                            "ThrottlingRateLimit", throttle.ratePerSecond())));
        }
        Map<String, Object> properties = map(
                "Description", MlApiStack.apiDescription(FunctionCatalog.ALL),
                "DefaultRouteSettings", map("ThrottlingBurstLimit", 200, "ThrottlingRateLimit", 100),
                "RouteSettings", routeSettings,
                "CorsConfiguration", map(
                        "AllowOrigins", Intrinsic.ref(CORS_PARAMETER),
                        "AllowHeaders", ApiCors.ALLOW_HEADERS,
                        "AllowMethods", ApiCors.ALLOW_METHODS,
                        "ExposeHeaders", ApiCors.EXPOSE_HEADERS));
        // As in the CDK stack: payload 2.0, simple responses, the answer cached per Authorization header.
        authorizer().ifPresent(spec -> properties.put("Auth", map("Authorizers", map(MlApiStack.AUTHORIZER_NAME, map(
                "FunctionArn", Intrinsic.ref(spec.logicalName() + "Function.Alias"),
                "AuthorizerPayloadFormatVersion", "2.0",
                "EnableSimpleResponses", true,
                "Identity", map(
                        "Headers", List.of("Authorization"),
                        "ReauthorizeEvery", MlApiStack.AUTHORIZER_CACHE_SECONDS))))));
        return map("Type", "AWS::Serverless::HttpApi", "Properties", properties);
    }

    /** The catalog's authorizer function, if it has one (at most one). */
    private static Optional<FunctionSpec> authorizer() {
        List<FunctionSpec> authorizers = FunctionCatalog.ofKind(FunctionSpec.Kind.AUTHORIZER);
        if (authorizers.size() > 1) {
            throw new IllegalStateException("FunctionCatalog declares more than one authorizer: " + authorizers);
        }
        return authorizers.stream().findFirst();
    }

    /**
     * API Gateway may invoke the authorizer's live alias, for this API's authorizers only. Written
     * out because SAM adds none for an HTTP API's Lambda authorizer unless asked.
     */
    private static Map<String, Object> authorizerPermission(FunctionSpec spec) {
        return map("Type", "AWS::Lambda::Permission", "Properties", map(
                "Action", "lambda:InvokeFunction",
                "FunctionName", Intrinsic.ref(spec.logicalName() + "Function.Alias"),
                "Principal", "apigateway.amazonaws.com",
                "SourceArn", Intrinsic.sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}"
                        + "/authorizers/*")));
    }

    private static Map<String, Object> secret(String description, int length) {
        return map("Type", "AWS::SecretsManager::Secret", "Properties", map(
                "Description", description,
                "GenerateSecretString", map("PasswordLength", length, "ExcludePunctuation", true)));
    }

    private static Map<String, Object> table(TableSpec table) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put(table.partitionKey(), "S");
        table.sortKey().ifPresent(key -> attributes.put(key, "S"));
        List<Object> indexes = new ArrayList<>();
        for (TableSpec.IndexSpec index : table.indexes()) {
            attributes.put(index.partitionKey(), "S");
            attributes.put(index.sortKey(), "S");
            indexes.add(map("IndexName", index.name(),
                    "KeySchema", List.of(key(index.partitionKey(), "HASH"), key(index.sortKey(), "RANGE")),
                    "Projection", map("ProjectionType", "ALL")));
        }
        List<Object> keySchema = new ArrayList<>(List.of(key(table.partitionKey(), "HASH")));
        table.sortKey().ifPresent(sortKey -> keySchema.add(key(sortKey, "RANGE")));
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("BillingMode", "PAY_PER_REQUEST");
        List<Object> definitions = new ArrayList<>();
        attributes.forEach((name, type) -> definitions.add(map("AttributeName", name, "AttributeType", type)));
        properties.put("AttributeDefinitions", definitions);
        properties.put("KeySchema", keySchema);
        if (!indexes.isEmpty()) {
            properties.put("GlobalSecondaryIndexes", indexes);
        }
        table.ttlAttribute().ifPresent(ttl -> properties.put("TimeToLiveSpecification",
                map("AttributeName", ttl, "Enabled", true)));
        if (table.streamsNewImages()) {
            properties.put("StreamSpecification", map("StreamViewType", "NEW_IMAGE"));
        }
        properties.put("PointInTimeRecoverySpecification", map("PointInTimeRecoveryEnabled", true));
        return map("Type", "AWS::DynamoDB::Table", "Properties", properties);
    }

    private static Map<String, Object> key(String name, String type) {
        return map("AttributeName", name, "KeyType", type);
    }

    private static final String ACCESS_LOGS_BUCKET = "ModelsAccessLogsBucket";

    /** Where S3 writes the registry bucket's server access logs, as in the CDK stack. */
    private static Map<String, Object> accessLogsBucket() {
        return map("Type", "AWS::S3::Bucket", "Properties", map(
                "PublicAccessBlockConfiguration", map("BlockPublicAcls", true, "BlockPublicPolicy", true,
                        "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                "BucketEncryption", map("ServerSideEncryptionConfiguration", List.of(
                        map("ServerSideEncryptionByDefault", map("SSEAlgorithm", "AES256")))),
                "LifecycleConfiguration", map("Rules", List.of(map(
                        "Id", "expire-access-logs",
                        "Status", "Enabled",
                        "ExpirationInDays", MlApiStack.ACCESS_LOG_DAYS)))));
    }

    /** S3's log delivery may write under the prefix, for the registry bucket of this account only; TLS only. */
    private static Map<String, Object> accessLogsBucketPolicy() {
        Map<String, Object> policy = denyInsecureTransport("AWS::S3::BucketPolicy", "Bucket",
                Intrinsic.ref(ACCESS_LOGS_BUCKET), "s3:*",
                List.of(Intrinsic.getAtt(ACCESS_LOGS_BUCKET, "Arn"), Intrinsic.sub("${" + ACCESS_LOGS_BUCKET + ".Arn}/*")));
        @SuppressWarnings("unchecked")
        List<Object> statements = new ArrayList<>((List<Object>) ((Map<String, Object>) ((Map<String, Object>)
                policy.get("Properties")).get("PolicyDocument")).get("Statement"));
        statements.add(map(
                "Sid", "S3ServerAccessLogs",
                "Effect", "Allow",
                "Principal", map("Service", "logging.s3.amazonaws.com"),
                "Action", "s3:PutObject",
                "Resource", Intrinsic.sub("${" + ACCESS_LOGS_BUCKET + ".Arn}/" + MlApiStack.ACCESS_LOG_PREFIX + "*"),
                "Condition", map(
                        "ArnLike", map("aws:SourceArn", Intrinsic.getAtt("ModelsBucket", "Arn")),
                        "StringEquals", map("aws:SourceAccount", Intrinsic.ref("AWS::AccountId")))));
        ((Map<String, Object>) ((Map<String, Object>) policy.get("Properties")).get("PolicyDocument")).put("Statement", statements);
        return policy;
    }

    private static Map<String, Object> modelsBucket() {
        return map("Type", "AWS::S3::Bucket", "Properties", map(
                "LoggingConfiguration", map("DestinationBucketName", Intrinsic.ref(ACCESS_LOGS_BUCKET),
                        "LogFilePrefix", MlApiStack.ACCESS_LOG_PREFIX),
                "PublicAccessBlockConfiguration", map("BlockPublicAcls", true, "BlockPublicPolicy", true,
                        "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                "BucketEncryption", map("ServerSideEncryptionConfiguration", List.of(
                        map("ServerSideEncryptionByDefault", map("SSEAlgorithm", "AES256")))),
                "CorsConfiguration", map("CorsRules", List.of(map(
                        "AllowedMethods", List.of("GET", "PUT"),
                        "AllowedOrigins", Intrinsic.ref(CORS_PARAMETER),
                        "AllowedHeaders", List.of("*"),
                        "ExposedHeaders", List.of("ETag"),
                        "MaxAge", 3000))),
                "LifecycleConfiguration", map("Rules", List.of(map(
                        "Id", "abort-incomplete-multipart-uploads",
                        "Status", "Enabled",
                        "AbortIncompleteMultipartUpload", map("DaysAfterInitiation", 1)), map(
                        "Id", "expire-pending-image-uploads",
                        "Status", "Enabled",
                        "Prefix", MlApiStack.PENDING_IMAGES_PREFIX,
                        "ExpirationInDays", MlApiStack.PENDING_IMAGES_DAYS)))));
    }

    private static Map<String, Object> denyInsecureTransport(String type, String targetProperty, Object target,
            String actions, List<Object> resources) {
        return map("Type", type, "Properties", map(
                targetProperty, target,
                "PolicyDocument", map("Statement", List.of(map(
                        "Sid", "DenyInsecureTransport",
                        "Effect", "Deny",
                        "Principal", "*",
                        "Action", actions,
                        "Resource", resources,
                        "Condition", map("Bool", map("aws:SecureTransport", "false")))))));
    }

    /** The function's own role: trusted by Lambda only, exactly the catalog's statements, no managed policy. */
    private static Map<String, Object> role(FunctionSpec spec, String id) {
        List<Object> statements = new ArrayList<>();
        for (Grant grant : spec.grants()) {
            statements.add(map("Effect", "Allow", "Action", List.copyOf(grant.actions()),
                    "Resource", arnOf(grant.resource(), id)));
        }
        return map("Type", "AWS::IAM::Role", "Properties", map(
                "Description", "mlapi " + spec.name() + " function: only what it needs, no managed policies",
                "AssumeRolePolicyDocument", map("Version", "2012-10-17", "Statement", List.of(map(
                        "Effect", "Allow",
                        "Principal", map("Service", "lambda.amazonaws.com"),
                        "Action", "sts:AssumeRole"))),
                "Policies", List.of(map("PolicyName", "least-privilege",
                        "PolicyDocument", map("Version", "2012-10-17", "Statement", statements)))));
    }

    private static Object arnOf(Resource resource, String functionId) {
        String logicalId = resource.logicalId().orElse("");
        return switch (resource.kind()) {
            case TABLE, BUCKET -> Intrinsic.getAtt(logicalId, "Arn");
            case TABLE_INDEXES -> Intrinsic.sub("${" + logicalId + ".Arn}/index/*");
            case TABLE_STREAM -> Intrinsic.getAtt(logicalId, "StreamArn");
            case BUCKET_OBJECTS -> Intrinsic.sub("${" + logicalId + ".Arn}/" + resource.objectPrefix() + "*");
            case SECRET -> Intrinsic.ref(logicalId);
            case LOG_GROUP -> Intrinsic.getAtt(functionId + "Logs", "Arn");
            // A queue of QueueCatalog by its logical id; else the function's own on-failure queue.
            case QUEUE -> Intrinsic.getAtt(resource.logicalId().orElse(functionId + "FailureQueue"), "Arn");
        };
    }

    private Map<String, Object> function(FunctionSpec spec, String id) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("Description", spec.lambdaDescription());
        properties.put("CodeUri", codeUri(spec));
        properties.put("Handler", spec.handler());
        properties.put("MemorySize", spec.memoryMb());
        properties.put("Timeout", (int) spec.timeout().toSeconds());
        if (!spec.snapStart()) {
            // Globals turn SnapStart on; the catalog turns it off for this function.
            properties.put("SnapStart", map("ApplyOn", "None"));
        }
        properties.put("Role", Intrinsic.getAtt(id + "Role", "Arn"));
        properties.put("LoggingConfig", map("LogGroup", Intrinsic.ref(id + "Logs")));
        Map<String, Object> variables = new LinkedHashMap<>();
        spec.environment().forEach((name, value) -> variables.put(name, valueOf(value)));
        properties.put("Environment", map("Variables", variables));
        Map<String, Object> events = new LinkedHashMap<>();
        if (spec.kind() == FunctionSpec.Kind.HTTP) {
            for (ApiRoute route : routes) {
                if (route.function().equals(spec.name())) {
                    Map<String, Object> event = map(
                            "ApiId", Intrinsic.ref("HttpApi"),
                            "Method", route.method(),
                            "Path", route.path());
                    if (route.requiresToken()) {
                        event.put("Auth", map("Authorizer", authorizer().map(a -> MlApiStack.AUTHORIZER_NAME)
                                .orElseThrow(() -> new IllegalStateException(route.routeKey() + " requires a token,"
                                        + " and FunctionCatalog has no authorizer to put in front of it"))));
                    }
                    events.put(eventName(route), map("Type", "HttpApi", "Properties", event));
                }
            }
        }
        spec.trigger().ifPresent(trigger -> trigger.visit(stream -> {
            Map<String, Object> streamProperties = map(
                    "Stream", Intrinsic.getAtt(stream.table().logicalId(), "StreamArn"),
                    "StartingPosition", "TRIM_HORIZON",
                    "BatchSize", stream.batchSize(),
                    "MaximumBatchingWindowInSeconds", (int) stream.maxBatchingWindow().toSeconds(),
                    "MaximumRetryAttempts", stream.maxRetries(),
                    "BisectBatchOnFunctionError", false,
                    "FunctionResponseTypes", List.of("ReportBatchItemFailures"),
                    "DestinationConfig", map("OnFailure", map(
                            "Type", "SQS",
                            "Destination", Intrinsic.getAtt(id + "FailureQueue", "Arn"))));
            stream.filterPattern().ifPresent(pattern ->
                    streamProperties.put("FilterCriteria", map("Filters", List.of(map("Pattern", pattern)))));
            events.put(stream.table().logicalId() + "Stream", map("Type", "DynamoDB", "Properties", streamProperties));
        }, sqs -> events.put(sqs.queue().logicalId(), map("Type", "SQS", "Properties", map(
                "Queue", Intrinsic.getAtt(sqs.queue().logicalId(), "Arn"),
                "BatchSize", sqs.batchSize(),
                "MaximumBatchingWindowInSeconds", (int) sqs.maxBatchingWindow().toSeconds(),
                "FunctionResponseTypes", List.of("ReportBatchItemFailures"),
                "ScalingConfig", map("MaximumConcurrency", sqs.maxConcurrency())))),
                // SAM writes the rule and the permission for it alone to invoke the live alias, as the CDK target does.
                schedule -> events.put(Trigger.Schedule.EVENT_NAME, map("Type", "Schedule", "Properties", map(
                        "Schedule", schedule.expression(),
                        "Description", "mlapi: runs " + id + " on " + schedule.expression(),
                        "Enabled", true)))));
        if (!events.isEmpty()) {
            properties.put("Events", events);
        }
        // `sam build` runs the module's Makefile (makefiles()), which copies the jar Maven built.
        return map("Type", "AWS::Serverless::Function", "Properties", properties,
                "Metadata", map("BuildMethod", "makefile"));
    }

    private static Object valueOf(EnvValue value) {
        if (value instanceof EnvValue.Literal literal) {
            return literal.value();
        }
        if (value instanceof EnvValue.Parameter parameter) {
            return Intrinsic.ref(parameter.parameter().samName());
        }
        Resource resource = ((EnvValue.ResourceName) value).resource();
        return Intrinsic.ref(resource.logicalId().orElseThrow());
    }

    /** {@code GET /models/{name}/versions} → {@code GetModelsNameVersions}: stable and unique per route. */
    private static String eventName(ApiRoute route) {
        StringBuilder name = new StringBuilder(capitalize(route.method().toLowerCase(Locale.ROOT)));
        for (String part : route.path().split("[^A-Za-z0-9]+")) {
            if (!part.isEmpty()) {
                name.append(capitalize(part));
            }
        }
        return name.toString();
    }

    private static String capitalize(String word) {
        return word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
    }

    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static Yaml yaml() {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setWidth(120);
        options.setSplitLines(false);
        Representer representer = new Representer(options) {
            {
                this.representers.put(Intrinsic.class, data -> {
                    Intrinsic intrinsic = (Intrinsic) data;
                    return representScalar(new Tag(intrinsic.tag()), intrinsic.value(), DumperOptions.ScalarStyle.PLAIN);
                });
            }
        };
        return new Yaml(representer, options);
    }
}
