package dev.mlapi.catalog;

import static dev.mlapi.catalog.FunctionSpec.FULL_JIT_JVM;
import static dev.mlapi.catalog.Resource.ADMIN_PASSWORD_SECRET;
import static dev.mlapi.catalog.Resource.BATCH_TASKS_QUEUE;
import static dev.mlapi.catalog.Resource.IMAGE_TASKS_QUEUE;
import static dev.mlapi.catalog.Resource.IMAGES_INDEXES;
import static dev.mlapi.catalog.Resource.IMAGES_OBJECTS;
import static dev.mlapi.catalog.Resource.IMAGES_TABLE;
import static dev.mlapi.catalog.Resource.IMAGE_TAGS_INDEXES;
import static dev.mlapi.catalog.Resource.IMAGE_TAGS_TABLE;
import static dev.mlapi.catalog.Resource.TAGS_INDEXES;
import static dev.mlapi.catalog.Resource.TAGS_TABLE;
import static dev.mlapi.catalog.Resource.MODELS_BUCKET;
import static dev.mlapi.catalog.Resource.MODELS_OBJECTS;
import static dev.mlapi.catalog.Resource.MODEL_ALIAS_RECORDS;
import static dev.mlapi.catalog.Resource.LOGIN_ATTEMPTS_TABLE;
import static dev.mlapi.catalog.Resource.MODEL_OWNER_RECORDS;
import static dev.mlapi.catalog.Resource.REQUEST_LOG_INDEXES;
import static dev.mlapi.catalog.Resource.REQUEST_LOG_TABLE;
import static dev.mlapi.catalog.Resource.REQUEST_ROLLUPS_TABLE;
import static dev.mlapi.catalog.Resource.TOKENS_TABLE;
import static dev.mlapi.catalog.Resource.TRAINING_JOBS_INDEXES;
import static dev.mlapi.catalog.Resource.TRAINING_JOBS_TABLE;
import static dev.mlapi.catalog.Resource.TRAINING_OBJECTS;
import static dev.mlapi.catalog.Resource.TRAINING_TASKS_QUEUE;
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
    public static final List<String> LIBRARIES = List.of("catalog", "core", "registry", "inference", "training",
            "imagestore");

    public static final FunctionSpec LOGIN = FunctionSpec.http("login")
            .setDescription("Registration, login, logout, password change and user administration.")
            .setHandler("dev.mlapi.login.LoginHandler::handleRequest")
            .setSize(1728, Duration.ofSeconds(15),
                    "PBKDF2 (600k iterations, 160 ms of CPU) needs a whole vCPU: measured best cost x latency; peak RSS 128 MB; 15 s bounds a stuck call.")
            .optJvm(FULL_JIT_JVM)
            .optGrant(USERS_TABLE, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan")
            .optGrant(TOKENS_TABLE, "dynamodb:PutItem")
            // Failed-login counters: read before the password check, counted after a failure.
            .optGrant(LOGIN_ATTEMPTS_TABLE, "dynamodb:BatchGetItem", "dynamodb:UpdateItem")
            // The first admin, created at start-up from the generated password secret.
            .optGrant(ADMIN_PASSWORD_SECRET, "secretsmanager:GetSecretValue")
            .optEnv(Env.ADMIN_USERNAME, new Parameter(StackParameter.ADMIN_USERNAME))
            .build();

    public static final FunctionSpec HEALTH = FunctionSpec.http("health")
            .setDescription("Liveness, version and (for admins) runtime details.")
            .setHandler("dev.mlapi.health.CheckHealthHandler::handleRequest")
            .setSize(1536, Duration.ofSeconds(10),
                    "JSON, 6 ms of CPU and a DynamoDB read: measured best cost x latency (peak RSS 95 MB); nothing slow.")
            .build();

    public static final FunctionSpec CLASSIFY = FunctionSpec.http("classify")
            .setDescription("Image classification with ONNX models from the registry.")
            .setHandler("dev.mlapi.classify.ClassifyImageHandler::handleRequest")
            .setSize(1920, Duration.ofSeconds(29),
                    "Measured best cost x latency (photos: 31 ms CPU); peak 172 MB + 512 MB model cache, x1.25 = 855 MB; 29 s: URL fetch, model load.")
            // A classify flood is cut at the gateway before it takes the account's concurrency from login.
            .optRouteThrottle(20, 40)
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:GetObject")
            // POST /images/{id}/classify: read the stored image, store its suggestions; ?apply=true
            // also creates the suggested tags and links them (one transaction per tag).
            .optGrant(IMAGES_OBJECTS, "s3:GetObject")
            .optGrant(IMAGES_TABLE, "dynamodb:GetItem", "dynamodb:UpdateItem")
            .optGrant(TAGS_TABLE, "dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
            .optGrant(IMAGE_TAGS_TABLE, "dynamodb:PutItem")
            // An alias's shadow: its agreement with the stable answer, counted per minute after the answer.
            .optGrant(REQUEST_ROLLUPS_TABLE, "dynamodb:UpdateItem")
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
            // GET /models/{name}/aliases/{alias}: each side's figures from the per-version rollups.
            .optGrant(REQUEST_ROLLUPS_TABLE, "dynamodb:Query")
            .build();

    public static final FunctionSpec PREDICT = FunctionSpec.http("predict")
            .setDescription("Predictions of tabular ONNX models from the registry, in batches or one instance.")
            .setHandler("dev.mlapi.predict.PredictHandler::handleRequest")
            .setSize(1344, Duration.ofSeconds(29),
                    "Measured best cost x latency (100-tree forest); peak 133 MB + 512 MB model cache, x1.25 = 806 MB; 29 s: a cold model load.")
            // Reads the registry only: resolving a reference lists versions, loading reads files.
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:GetObject")
            // POST /predict/batch: the dataset's record is read, the job inserted with its owner's
            // active-job count (one transaction of a Put and an Update), failed if it cannot be queued.
            .optGrant(TRAINING_JOBS_TABLE, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
            // The dataset's header row: a ranged GET of its first bytes under training/.
            .optGrant(TRAINING_OBJECTS, "s3:GetObject")
            // The job's plan task.
            .optGrant(BATCH_TASKS_QUEUE, "sqs:SendMessage")
            // An alias's shadow: its agreement with the stable answer, counted per minute after the answer.
            .optGrant(REQUEST_ROLLUPS_TABLE, "dynamodb:UpdateItem")
            .optEnv(Env.DJL_OFFLINE, new Literal("true"))
            .build();

    public static final FunctionSpec BATCH_WORKER = FunctionSpec.event("batch-worker")
            .optModule("predict")
            .setDescription("Runs batch scoring tasks: plans a dataset into chunks, scores each with predict's code, assembles the CSV.")
            .setHandler("dev.mlapi.predict.BatchWorkerHandler::handleRequest")
            .setSize(1664, Duration.ofMinutes(15),
                    "A 20,000-row chunk: 350 ms CPU, peak 374 MB (+512 MB model cache, x1.25 = 1108); best measured cost x latency.")
            // One task per invocation, so a failing task is retried (and dead-lettered) alone.
            .setTrigger(new Trigger.Sqs(QueueCatalog.BATCH_TASKS, 1, 100, Duration.ZERO))
            // Jobs: read (status, plan), started, each part counted once (a transaction of a Put and an
            // Update), succeeded or failed with the owner's active-job count given back.
            .optGrant(TRAINING_JOBS_TABLE, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
            // training/: the dataset read (whole by the plan, by ranges by each chunk); the plan, the parts
            // and the CSV written (the CSV by a multipart upload, aborted when it fails).
            .optGrant(TRAINING_OBJECTS, "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload")
            // The pinned model version: its manifest and file read from the registry.
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:GetObject")
            // The score tasks of a plan and the assembly when the last part is counted.
            .optGrant(BATCH_TASKS_QUEUE, "sqs:SendMessage")
            .optEnv(Env.DJL_OFFLINE, new Literal("true"))
            .build();

    public static final FunctionSpec TAG_WORKER = FunctionSpec.event("tag-worker")
            .optModule("classify")
            .setDescription("Runs batch tagging tasks: classifies tens of images each with classify's code and stores their suggested tags.")
            .setHandler("dev.mlapi.classify.TagWorkerHandler::handleRequest")
            .setSize(896, Duration.ofMinutes(15),
                    "25 photos: 0.56 s CPU, 180 storage calls; best measured cost x latency above 1.25 x (peak 193 + 512 MB model cache).")
            // One task per invocation, so a failing batch is retried (and dead-lettered) alone.
            .setTrigger(new Trigger.Sqs(QueueCatalog.IMAGE_TASKS, 1, 100, Duration.ZERO))
            // Jobs: read (status, plan pages), each batch counted once (a transaction of a Put and an
            // Update), succeeded or failed with the owner's active-job count given back.
            .optGrant(TRAINING_JOBS_TABLE, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
            // The pinned model version: its manifest and file read from the registry.
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:GetObject")
            // As POST /images/{id}/classify: read the image, store its suggestions; with apply also
            // create the suggested tags and link them (one transaction per image).
            .optGrant(IMAGES_OBJECTS, "s3:GetObject")
            .optGrant(IMAGES_TABLE, "dynamodb:GetItem", "dynamodb:UpdateItem")
            .optGrant(TAGS_TABLE, "dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
            .optGrant(IMAGE_TAGS_TABLE, "dynamodb:PutItem")
            // The finish task when the last batch is counted.
            .optGrant(IMAGE_TASKS_QUEUE, "sqs:SendMessage")
            .optEnv(Env.DJL_OFFLINE, new Literal("true"))
            .optEnv(Env.DEFAULT_IMAGE_MODEL, new Parameter(StackParameter.DEFAULT_IMAGE_MODEL))
            .build();

    public static final FunctionSpec TRAIN = FunctionSpec.http("train")
            .setDescription("Training jobs (validate, queue, status, list, cancel) and the datasets they train on.")
            .setHandler("dev.mlapi.train.TrainHandler::handleRequest")
            .setSize(1024, Duration.ofSeconds(29),
                    "Parses and checks a CSV of up to 6 MB inline (or a stored dataset) before queueing; no training here.")
            .optJvm(FULL_JIT_JVM)
            // Jobs and datasets: created, read, listed (by index), cancelled or failed when stale; datasets deleted.
            .optGrant(TRAINING_JOBS_TABLE, "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem")
            .optGrant(TRAINING_JOBS_INDEXES, "dynamodb:Query")
            // training/: a job's request and CSV written; datasets presigned, verified on commit, deleted.
            .optGrant(TRAINING_OBJECTS, "s3:PutObject", "s3:GetObject", "s3:DeleteObject")
            // Model-name ownership: the name's owner record (or, for an older name, its versions) is read,
            // and a free name is claimed for the job's user by creating its owner record (If-None-Match).
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:GetObject")
            .optGrant(MODEL_OWNER_RECORDS, "s3:PutObject")
            .build();

    public static final FunctionSpec TRAIN_WORKER = FunctionSpec.event("train-worker")
            .optModule("train")
            .setDescription("Plans queued training jobs: checks the dataset, fixes the folds, sends the fit tasks.")
            .setHandler("dev.mlapi.train.TrainWorkerHandler::handleRequest")
            .setSize(4096, Duration.ofMinutes(15),
                    "Parses the dataset (up to 1 GiB, in memory; a 20k-row one measured: peak 187 MB) and times one fit to group the others.")
            .optJvm(FULL_JIT_JVM)
            // One job per invocation; a failed or timed-out job is retried twice (its own attempt count also bounds it).
            .setTrigger(new Trigger.DynamoDbStream(TableCatalog.JOBS_AND_DATASETS, 1, Duration.ZERO, 2)
                    .withEventNames("INSERT"))
            // Marks the job running and sets its fits (or fails it); records the fit it times (a unit item Put and
            // the job's done + 1 in one transaction); reads back fits already recorded (BatchGetItem).
            .optGrant(TRAINING_JOBS_TABLE, "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem",
                    "dynamodb:BatchGetItem")
            .optGrant(TRAINING_OBJECTS, "s3:GetObject")
            // The fit tasks (and, when every fit was already recorded, the refit).
            .optGrant(TRAINING_TASKS_QUEUE, "sqs:SendMessage")
            .optEnv(Env.DJL_OFFLINE, new Literal("true"))
            .build();

    public static final FunctionSpec FIT_WORKER = FunctionSpec.event("fit-worker")
            .optModule("train")
            .setDescription("Runs training tasks: fits of a grid search, each recorded once, then the refit and registration.")
            .setHandler("dev.mlapi.train.FitWorkerHandler::handleRequest")
            .setSize(9216, Duration.ofMinutes(15),
                    "A forest's trees fit in parallel (10x the handler thread's CPU): measured best cost x latency at 5.2 vCPUs; tasks <= ~10 min.")
            .optJvm(FULL_JIT_JVM)
            // One task per invocation; up to 100 at once; 3 receives, then the dead-letter queue.
            .setTrigger(new Trigger.Sqs(QueueCatalog.TRAINING_TASKS, 1, 100, Duration.ZERO))
            // Reads the job (running? cancelled?), records each fit (unit Put + job Update in one transaction),
            // reads recorded fits by BatchGetItem, takes the refit, stores the result or the failure.
            .optGrant(TRAINING_JOBS_TABLE, "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem",
                    "dynamodb:BatchGetItem")
            // The job's dataset, once per warm worker (then from /tmp).
            .optGrant(TRAINING_OBJECTS, "s3:GetObject")
            // The refit task, sent by whoever records the last fit; a job planned again (JobRecovery).
            .optGrant(TRAINING_TASKS_QUEUE, "sqs:SendMessage")
            // Registers the refit model: version claims listed, files and manifest written, a failed one removed.
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:GetObject", "s3:PutObject", "s3:DeleteObject")
            .optEnv(Env.DJL_OFFLINE, new Literal("true"))
            .build();

    public static final FunctionSpec AGGREGATOR = FunctionSpec.event("aggregator")
            .setDescription("Rolls up the request log (exactly once), counts served inputs (drift), purges deleted history, judges canaries.")
            .setHandler("dev.mlapi.aggregator.AggregateRequestLogHandler::handleRequest")
            .setSize(1216, Duration.ofSeconds(60),
                    "2 transactions, 9 ms CPU a batch: best measured cost x latency; purges stop at 20 s; 60 s covers retries.")
            .setTrigger(new Trigger.DynamoDbStream(TableCatalog.REQUEST_LOG, 100, Duration.ofSeconds(5), 5))
            // One transaction per chunk of entries: a marker Put per entry (only if absent) and the chunk's summed rollup
            // Updates, conditioned on the stored min/max it reads first (BatchGetItem).
            .optGrant(REQUEST_ROLLUPS_TABLE, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
                    "dynamodb:BatchGetItem")
            // History deletions: find the covered entries by index, delete each with its rollups, record progress.
            .optGrant(REQUEST_LOG_TABLE, "dynamodb:DeleteItem", "dynamodb:UpdateItem")
            .optGrant(REQUEST_LOG_INDEXES, "dynamodb:Query")
            // How far back a deletion has to look for entries.
            .optEnv(Env.REQUEST_LOG_RETENTION_DAYS, new Literal(Env.DEFAULT_REQUEST_LOG_RETENTION_DAYS))
            // Canary guardrails: the per-version minute rollups are read (Query above), the alias read, rolled
            // back or promoted by a conditional write of its next change record and document.
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODEL_ALIAS_RECORDS, "s3:GetObject", "s3:PutObject")
            .build();

    public static final FunctionSpec HISTORY = FunctionSpec.http("history")
            .setDescription("The request history: list (by time or by user), read and delete logged requests.")
            .setHandler("dev.mlapi.history.ManageHistoryHandler::handleRequest")
            .setSize(768, Duration.ofSeconds(29),
                    "A page may take 90 index queries (5 at a time): mostly waiting, measured best cost x latency; peak RSS 145 MB.")
            .optJvm(FULL_JIT_JVM)
            .optGrant(REQUEST_LOG_TABLE, "dynamodb:GetItem", "dynamodb:PutItem")
            .optGrant(REQUEST_LOG_INDEXES, "dynamodb:Query")
            // HTTP Basic on DRF's /compat/drf/api/trackings/ is a password login: its failed-login counters.
            .optGrant(LOGIN_ATTEMPTS_TABLE, "dynamodb:BatchGetItem", "dynamodb:UpdateItem")
            .build();

    public static final FunctionSpec REPORT = FunctionSpec.http("report")
            .setDescription("Report and stats (admin), read only from the request log's hourly rollups.")
            .setHandler("dev.mlapi.report.ReportStatsHandler::handleRequest")
            .setSize(1792, Duration.ofSeconds(29),
                    "Merges a query per day and dimension, 8 at a time, on over 1 vCPU: measured best cost x latency; bounded by the range, not the log.")
            .optJvm(FULL_JIT_JVM)
            .optGrant(REQUEST_ROLLUPS_TABLE, "dynamodb:Query")
            .build();

    public static final FunctionSpec IMAGES = FunctionSpec.http("images")
            .setDescription("The image library: images in the bucket's images/ prefix, tags, links and filtering by tag.")
            .setHandler("dev.mlapi.images.ManageImagesHandler::handleRequest")
            .setSize(1024, Duration.ofSeconds(29),
                    "Decodes every upload (6 MB multipart; 50 MB presigned, read back on commit); tag deletes page.")
            .optJvm(FULL_JIT_JVM)
            // Uploads put objects before their records and delete them again when the records fail;
            // presigned PUTs (signed with this PutObject) land under images/pending/, and a commit
            // reads one back (Get/HeadObject) and copies it to images/<id> (CopyObject = Get + Put).
            .optGrant(IMAGES_OBJECTS, "s3:DeleteObject", "s3:GetObject", "s3:PutObject")
            // Records, links and tag counts change together in transactions of Put/Update/Delete items.
            .optGrant(IMAGES_TABLE, "dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem",
                    "dynamodb:PutItem", "dynamodb:UpdateItem")
            .optGrant(IMAGES_INDEXES, "dynamodb:Query")
            .optGrant(TAGS_TABLE, "dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem",
                    "dynamodb:PutItem", "dynamodb:UpdateItem")
            .optGrant(TAGS_INDEXES, "dynamodb:Query")
            .optGrant(IMAGE_TAGS_TABLE, "dynamodb:DeleteItem", "dynamodb:PutItem")
            .optGrant(IMAGE_TAGS_INDEXES, "dynamodb:Query")
            // POST /images/classify: the model's manifest read from the registry (as a reader: the listing
            // tells a missing model from a forbidden one; nothing of the bucket is written outside
            // images/), the job inserted with
            // its owner's active-job count (a transaction), its plan pages put, started (or failed if
            // it cannot be queued), and one tag task per batch of images sent.
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:GetObject")
            .optGrant(TRAINING_JOBS_TABLE, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
            .optGrant(IMAGE_TASKS_QUEUE, "sqs:SendMessage")
            // HTTP Basic on DRF's /compat/drf/api/images/ and tags/ is a password login: its failed-login counters.
            .optGrant(LOGIN_ATTEMPTS_TABLE, "dynamodb:BatchGetItem", "dynamodb:UpdateItem")
            .optEnv(Env.DEFAULT_IMAGE_MODEL, new Parameter(StackParameter.DEFAULT_IMAGE_MODEL))
            .build();

    public static final FunctionSpec AUTHORIZER = FunctionSpec.authorizer("authorizer")
            .setDescription("API Gateway's Lambda authorizer: refuses requests without a well-signed, unexpired token.")
            .setHandler("dev.mlapi.authorizer.AuthorizeTokenHandler::handleRequest")
            .setSize(1152, Duration.ofSeconds(5),
                    "One HMAC per token (under 1 ms of CPU from 1152 MB), no storage call: measured best cost x latency; API Gateway waits 10 s.")
            .build();

    public static final FunctionSpec IMAGE_SWEEPER = FunctionSpec.event("image-sweeper")
            .optModule("images")
            .setDescription("Scheduled: removes image objects without a record, abandoned uploads and expired reservations.")
            .setHandler("dev.mlapi.images.SweepImagesHandler::handleRequest")
            .setSize(512, Duration.ofMinutes(10),
                    "One listing of images/ and a batch read per 100 keys; 10 min ends long before the next run.")
            .setTrigger(new Trigger.Schedule("rate(6 hours)"))
            // Lists images/ (the bucket's ListBucket), deletes objects without a record there.
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(IMAGES_OBJECTS, "s3:DeleteObject")
            // Records read in batches of 100, a pending one looked up, expired reservations deleted.
            .optGrant(IMAGES_TABLE, "dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem")
            // Reservations by creation time (the by_time index).
            .optGrant(IMAGES_INDEXES, "dynamodb:Query")
            .optEnv(Env.CLEAN_UP_MIN_AGE_SECONDS, new Literal(Env.DEFAULT_CLEAN_UP_MIN_AGE_SECONDS))
            .build();

    public static final FunctionSpec REGISTRY_CLEANUP = FunctionSpec.event("registry-cleanup")
            .optModule("models")
            .setDescription("Scheduled: removes the registry's expired uploads and files that no version or upload claims.")
            .setHandler("dev.mlapi.models.CleanUpRegistryHandler::handleRequest")
            .setSize(512, Duration.ofMinutes(10),
                    "Lists each model's keys once and reads a few small manifests; nothing is downloaded.")
            .setTrigger(new Trigger.Schedule("cron(15 3 * * ? *)"))
            // Lists models and their keys, reads manifests and pending uploads, deletes leftovers.
            .optGrant(MODELS_BUCKET, "s3:ListBucket")
            .optGrant(MODELS_OBJECTS, "s3:DeleteObject", "s3:GetObject")
            .optEnv(Env.CLEAN_UP_MIN_AGE_SECONDS, new Literal(Env.DEFAULT_CLEAN_UP_MIN_AGE_SECONDS))
            .build();

    public static final List<FunctionSpec> ALL = List.of(LOGIN, HEALTH, CLASSIFY, MODELS, PREDICT, BATCH_WORKER, TAG_WORKER,
            TRAIN, TRAIN_WORKER, FIT_WORKER, AGGREGATOR, HISTORY, REPORT, IMAGES, AUTHORIZER, IMAGE_SWEEPER,
            REGISTRY_CLEANUP);

    private FunctionCatalog() {
    }

    public static Optional<FunctionSpec> find(String name) {
        return ALL.stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    public static List<FunctionSpec> ofKind(FunctionSpec.Kind kind) {
        return ALL.stream().filter(spec -> spec.kind() == kind).toList();
    }
}
