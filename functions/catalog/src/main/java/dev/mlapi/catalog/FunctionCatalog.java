package dev.mlapi.catalog;

import static dev.mlapi.catalog.FunctionSpec.FULL_JIT_JVM;
import static dev.mlapi.catalog.Resource.ADMIN_PASSWORD_SECRET;
import static dev.mlapi.catalog.Resource.MODELS_BUCKET;
import static dev.mlapi.catalog.Resource.MODELS_OBJECTS;
import static dev.mlapi.catalog.Resource.REQUEST_STATS_TABLE;
import static dev.mlapi.catalog.Resource.TOKENS_TABLE;
import static dev.mlapi.catalog.Resource.USERS_TABLE;

import dev.mlapi.catalog.EnvValue.Literal;
import dev.mlapi.catalog.EnvValue.Parameter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every function the deployment runs, and which modules under {@code functions/} are libraries:
 * the one description the CDK stack, {@code template.yaml}, the local server and the tests are
 * built from. A new function is a module, a handler, its events, one entry here and (for HTTP)
 * its routes in {@code openapi.yaml}.
 */
public final class FunctionCatalog {

    /** Modules under {@code functions/} that are libraries, not functions. */
    public static final List<String> LIBRARIES = List.of("catalog", "core", "registry", "inference", "training");

    public static final FunctionSpec LOGIN = FunctionSpec.http("login")
            .setDescription("Registration, login, logout, password change and user administration.")
            .setHandler("dev.mlapi.login.LoginHandler::handleRequest")
            .setSize(1024, Duration.ofSeconds(15),
                    "PBKDF2 (600k iterations) is CPU-bound and CPU grows with memory; 15 s bounds a stuck call.")
            .optJvm(FULL_JIT_JVM)
            .optGrant(USERS_TABLE, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan")
            .optGrant(TOKENS_TABLE, "dynamodb:PutItem")
            // The first admin, created at start-up from the generated password secret.
            .optGrant(ADMIN_PASSWORD_SECRET, "secretsmanager:GetSecretValue")
            .optEnv(Env.ADMIN_USERNAME, new Parameter(StackParameter.ADMIN_USERNAME))
            .build();

    public static final FunctionSpec HEALTH = FunctionSpec.http("health")
            .setDescription("Liveness, version and (for admins) runtime details.")
            .setHandler("dev.mlapi.health.CheckHealthHandler::handleRequest")
            .setSize(512, Duration.ofSeconds(10), "JSON and at most two DynamoDB reads: nothing to compute, nothing slow.")
            .build();

    public static final FunctionSpec CLASSIFY = FunctionSpec.http("classify")
            .setDescription("Image classification with ONNX models from the registry.")
            .setHandler("dev.mlapi.classify.ClassifyImageHandler::handleRequest")
            .setSize(2048, Duration.ofSeconds(29),
                    "ONNX Runtime needs memory beside the heap and CPU grows with it; 29 s covers URL fetch and model load.")
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:GetObject")
            .optEnv(Env.DJL_OFFLINE, new Literal("true"))
            .optEnv(Env.DEFAULT_IMAGE_MODEL, new Parameter(StackParameter.DEFAULT_IMAGE_MODEL))
            .build();

    public static final FunctionSpec MODELS = FunctionSpec.http("models")
            .setDescription("The S3 model registry: list, register (multipart or presigned), alias, delete.")
            .setHandler("dev.mlapi.models.ManageModelsHandler::handleRequest")
            .setSize(1024, Duration.ofSeconds(29),
                    "Holds a model file while reading its signature; a commit streams every file through SHA-256.")
            .optJvm(FULL_JIT_JVM)
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:GetObject", "s3:PutObject", "s3:DeleteObject")
            .build();

    public static final FunctionSpec PREDICT = FunctionSpec.http("predict")
            .setDescription("Predictions of tabular ONNX models from the registry, in batches or one instance.")
            .setHandler("dev.mlapi.predict.PredictHandler::handleRequest")
            .setSize(2048, Duration.ofSeconds(29),
                    "ONNX Runtime needs memory beside the heap and CPU grows with it; 29 s covers a cold model load.")
            // Reads the registry only: resolving a reference lists versions, loading reads files.
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:GetObject")
            .optEnv(Env.DJL_OFFLINE, new Literal("true"))
            .build();

    public static final FunctionSpec AGGREGATOR = FunctionSpec.event("aggregator")
            .setDescription("Counts the request log per day (requests, 4xx, 5xx, processing time) from its stream.")
            .setHandler("dev.mlapi.aggregator.AggregateRequestLogHandler::handleRequest")
            .setSize(512, Duration.ofSeconds(60),
                    "Sums a batch in memory and writes one update per day; 60 s covers DynamoDB retries.")
            .setTrigger(new Trigger.DynamoDbStream(TableCatalog.REQUEST_LOG, 100, Duration.ofSeconds(5), 5))
            .optGrant(REQUEST_STATS_TABLE, "dynamodb:UpdateItem")
            .build();

    public static final List<FunctionSpec> ALL = List.of(LOGIN, HEALTH, CLASSIFY, MODELS, PREDICT, AGGREGATOR);

    private FunctionCatalog() {
    }

    public static Optional<FunctionSpec> find(String name) {
        return ALL.stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    public static List<FunctionSpec> ofKind(FunctionSpec.Kind kind) {
        return ALL.stream().filter(spec -> spec.kind() == kind).toList();
    }
}
