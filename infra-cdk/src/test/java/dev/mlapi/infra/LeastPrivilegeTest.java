package dev.mlapi.infra;

import static dev.mlapi.infra.support.Cfn.at;
import static dev.mlapi.infra.support.Cfn.list;
import static dev.mlapi.infra.support.Cfn.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.Env;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.Resource;
import dev.mlapi.infra.support.CloudFormationYaml;
import dev.mlapi.infra.support.Repository;
import dev.mlapi.infra.support.Cfn;
import dev.mlapi.infra.support.DeploymentView;
import dev.mlapi.infra.support.DeploymentView.FunctionView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every IAM statement of both synthesized stacks, walked: no wildcards, and each function holds
 * exactly the grants its work needs.
 */
class LeastPrivilegeTest {

    private static final TestStacks STACKS = TestStacks.get();
    private static final DeploymentView SAM = DeploymentView.ofSam(CloudFormationYaml.load(Repository.SAM_TEMPLATE));
    private static final List<DeploymentView> VIEWS = List.of(STACKS.view, STACKS.variantView, SAM);
    private static final Map<String, String> RESOURCE_TYPE_BY_SERVICE = Map.of(
            "dynamodb", "AWS::DynamoDB::Table",
            "s3", "AWS::S3::Bucket",
            "secretsmanager", "AWS::SecretsManager::Secret",
            "logs", "AWS::Logs::LogGroup",
            "sqs", "AWS::SQS::Queue");

    /** A statement as found: where, its actions and its resources' expressions. */
    private record Statement(String where, String effect, List<String> actions, List<Object> resources) {
    }

    @Test
    void noStatement_usesWildcardActionsOrResources() {
        for (DeploymentView view : VIEWS) {
            List<Statement> statements = identityStatements(view);
            assertThat(statements).isNotEmpty();
            for (Statement statement : statements) {
                assertThat(statement.effect()).as(statement.where()).isEqualTo("Allow");
                for (String action : statement.actions()) {
                    assertThat(action).as("%s: action", statement.where()).doesNotContain("*");
                }
                for (Object resource : statement.resources()) {
                    assertThat(resource).as("%s: resource", statement.where()).isNotEqualTo("*");
                    assertThat(Cfn.referencedIds(resource)).as("%s: resource %s names a resource of this stack",
                            statement.where(), resource).hasSize(1);
                }
            }
        }
    }

    @Test
    void everyStatement_pointsAtAResourceOfItsOwnService() {
        for (DeploymentView view : VIEWS) {
            for (Statement statement : identityStatements(view)) {
                Set<String> services = new TreeSet<>();
                statement.actions().forEach(action -> services.add(action.substring(0, action.indexOf(':'))));
                assertThat(services).as("%s mixes services", statement.where()).hasSize(1);
                String expectedType = RESOURCE_TYPE_BY_SERVICE.get(services.iterator().next());
                assertThat(expectedType).as("%s: unexpected service %s", statement.where(), services).isNotNull();
                for (Object resource : statement.resources()) {
                    String id = Cfn.singleReference(resource).orElseThrow();
                    assertThat(view.resource(id).get("Type")).as("%s: %s", statement.where(), resource).isEqualTo(expectedType);
                }
            }
        }
    }

    @Test
    void roles_haveNoManagedPoliciesAndTrustOnlyLambda() {
        for (DeploymentView view : VIEWS) {
            Cfn.resourcesOfType(view.template(), "AWS::IAM::Role").forEach((id, role) -> {
                assertThat(role).as(id).doesNotContainKey("ManagedPolicyArns");
                assertThat(Cfn.flatten(at(role, "AssumeRolePolicyDocument"))).as(id).contains("lambda.amazonaws.com");
            });
        }
    }

    @Test
    void everyHttpFunction_verifiesTokensRecordsRequests_theAuthorizerOnlyReadsTheKey_andEveryFunctionWritesItsOwnLogs() {
        for (DeploymentView view : VIEWS) {
            for (FunctionView fn : view.functions().values()) {
                Map<String, Set<String>> grants = grants(view, fn);
                String logGroup = Cfn.singleReference(at(fn.properties(), "LoggingConfig").get("LogGroup")).orElseThrow();
                assertThat(grants.get(logGroup)).as(fn.module()).containsExactly("logs:CreateLogStream", "logs:PutLogEvents");
                if (specOf(fn.module()).kind() == FunctionSpec.Kind.AUTHORIZER) {
                    // The gateway's half of the token check: the signing key and its own logs, nothing else.
                    assertThat(grants).as("%s: %s", view.source(), fn.module()).containsOnlyKeys(
                            logGroup, view.referencedBy(Env.JWT_SECRET_ARN));
                    assertThat(grants.get(view.referencedBy(Env.JWT_SECRET_ARN))).as(fn.module())
                            .containsExactly("secretsmanager:GetSecretValue");
                    continue;
                }
                if (specOf(fn.module()).kind() != FunctionSpec.Kind.HTTP) {
                    assertThat(grants.keySet()).as("%s verifies no token", fn.module())
                            .doesNotContain(table(view, Env.USERS_TABLE), view.referencedBy(Env.JWT_SECRET_ARN));
                    continue;
                }
                assertThat(grants.get(table(view, Env.USERS_TABLE))).as(fn.module())
                        .contains("dynamodb:GetItem", "dynamodb:BatchGetItem");
                assertThat(grants.get(table(view, Env.TOKENS_TABLE))).as(fn.module())
                        .contains("dynamodb:GetItem", "dynamodb:BatchGetItem");
                // Every function records its requests; only history also reads the log (and records deletions in it).
                assertThat(grants.get(table(view, Env.REQUEST_LOG_TABLE))).as(fn.module())
                        .containsExactlyElementsOf(fn.module().equals("history")
                                ? List.of("dynamodb:GetItem", "dynamodb:PutItem") : List.of("dynamodb:PutItem"));
                assertThat(grants.get(view.referencedBy(Env.JWT_SECRET_ARN))).as(fn.module())
                        .containsExactly("secretsmanager:GetSecretValue");
            }
        }
    }

    @Test
    void login_managesUsersAndTokens_andTouchesNoS3() {
        DeploymentView view = STACKS.view;
        Map<String, Set<String>> grants = grants(view, view.functions().get("login"));
        assertThat(grants.get(table(view, Env.USERS_TABLE))).containsExactly(
                "dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan",
                "dynamodb:UpdateItem");
        assertThat(grants.get(table(view, Env.TOKENS_TABLE)))
                .containsExactly("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem");
        assertThat(actions(grants)).noneMatch(action -> action.startsWith("s3:"));
        assertThat(grants).containsKey(Cfn.singleReference(
                view.functions().get("login").environment().get(Env.ADMIN_PASSWORD_SECRET_ARN)).orElseThrow());
    }

    @Test
    void history_readsTheLogAndRecordsDeletions_theAggregatorPurges_andReportReadsOnlyRollups() {
        for (DeploymentView view : VIEWS) {
            Map<String, Set<String>> history = grants(view, view.functions().get("history"));
            assertThat(actions(history)).as("history deletes nothing itself: it records a deletion")
                    .doesNotContain("dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:Scan");
            assertThat(history).doesNotContainKey(table(view, Env.REQUEST_ROLLUPS_TABLE));
            Map<String, Set<String>> report = grants(view, view.functions().get("report"));
            assertThat(report.get(table(view, Env.REQUEST_ROLLUPS_TABLE))).containsExactly("dynamodb:Query");
            assertThat(report.get(table(view, Env.REQUEST_LOG_TABLE))).containsExactly("dynamodb:PutItem");
            assertThat(actions(report)).doesNotContain("dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:DeleteItem");
            Map<String, Set<String>> aggregator = grants(view, view.functions().get("aggregator"));
            assertThat(aggregator.get(table(view, Env.REQUEST_LOG_TABLE)))
                    .containsExactly("dynamodb:DeleteItem", "dynamodb:UpdateItem");
            // BatchGetItem: each transaction is conditioned on the stored min/max it reads first
            // (DynamoDbRequestRollups.storedBounds); without it every batch is refused in AWS.
            assertThat(aggregator.get(table(view, Env.REQUEST_ROLLUPS_TABLE)))
                    .containsExactly("dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem");
            assertThat(actions(aggregator)).doesNotContain("dynamodb:Scan");
        }
    }

    @Test
    void classifyAndPredict_countTheirShadowsAgreementsInTheRollups_andReadNothingThere() {
        for (DeploymentView view : VIEWS) {
            for (String function : List.of("classify", "predict")) {
                assertThat(grants(view, view.functions().get(function)).get(table(view, Env.REQUEST_ROLLUPS_TABLE)))
                        .as(function).containsExactly("dynamodb:UpdateItem");
            }
        }
    }

    @Test
    void onlyLogin_writesUsersOrTokensOrReadsTheAdminPassword() {
        for (DeploymentView view : VIEWS) {
            String adminSecret = Cfn.singleReference(view.functions().get("login").environment()
                    .get(Env.ADMIN_PASSWORD_SECRET_ARN)).orElseThrow();
            view.functions().values().stream().filter(fn -> !fn.module().equals("login"))
                    .filter(fn -> specOf(fn.module()).kind() == FunctionSpec.Kind.HTTP).forEach(fn -> {
                Map<String, Set<String>> grants = grants(view, fn);
                assertThat(grants.get(table(view, Env.USERS_TABLE))).as(fn.module())
                        .containsExactly("dynamodb:BatchGetItem", "dynamodb:GetItem");
                assertThat(grants.get(table(view, Env.TOKENS_TABLE))).as(fn.module())
                        .containsExactly("dynamodb:BatchGetItem", "dynamodb:GetItem");
                assertThat(grants).as(fn.module()).doesNotContainKey(adminSecret);
            });
        }
    }

    @Test
    void onlyModelWriters_writeTheBucket_readersOnlyRead() {
        for (DeploymentView view : VIEWS) {
            String bucket = view.referencedBy(Env.MODELS_BUCKET);
            for (FunctionView fn : view.functions().values()) {
                FunctionSpec spec = specOf(fn.module());
                Map<String, Set<String>> grants = grants(view, fn);
                String images = bucket + "/" + Resource.IMAGES_OBJECTS.objectPrefix() + "*";
                String training = bucket + "/" + Resource.TRAINING_OBJECTS.objectPrefix() + "*";
                // The image library's prefix and training's (jobs, datasets, batch parts) are checked on their own below.
                Set<String> s3 = new TreeSet<>();
                grants.forEach((key, granted) -> {
                    if (!key.equals(images) && !key.equals(training)) {
                        granted.stream().filter(a -> a.startsWith("s3:")).forEach(s3::add);
                    }
                });
                if (spec == FunctionCatalog.REGISTRY_CLEANUP) {
                    // Reads manifests and uploads, deletes leftovers; it never writes a model.
                    assertThat(grants.get(bucket)).as(fn.module()).containsExactly("s3:ListBucket");
                    assertThat(grants.get(bucket + "/*")).as(fn.module()).containsExactly("s3:DeleteObject", "s3:GetObject");
                } else if (spec == FunctionCatalog.AGGREGATOR) {
                    // Canary guardrails: lists and rewrites aliases (and their change records), nothing else.
                    assertThat(grants.get(bucket)).as(fn.module()).containsExactly("s3:ListBucket");
                    assertThat(grants.get(bucket + "/" + Resource.MODEL_ALIAS_RECORDS.objectPrefix() + "*"))
                            .as(fn.module()).containsExactly("s3:GetObject", "s3:PutObject");
                    assertThat(grants.get(bucket + "/*")).as(fn.module()).isNull();
                } else if (spec == FunctionCatalog.IMAGE_SWEEPER) {
                    // Lists images/ to find objects without a record; touches no model.
                    assertThat(grants.get(bucket)).as(fn.module()).containsExactly("s3:ListBucket");
                    assertThat(grants.get(bucket + "/*")).as(fn.module()).isNull();
                } else if (spec.actionsOn(Resource.MODELS_OBJECTS).contains("s3:PutObject")) {
                    assertThat(grants.get(bucket)).as(fn.module()).containsExactly("s3:ListBucket");
                    assertThat(grants.get(bucket + "/*")).as(fn.module())
                            .containsExactly("s3:DeleteObject", "s3:GetObject", "s3:PutObject");
                } else if (spec.actionsOn(Resource.MODELS_OBJECTS).contains("s3:GetObject")) {
                    assertThat(grants.get(bucket)).as(fn.module()).containsExactly("s3:ListBucket");
                    assertThat(grants.get(bucket + "/*")).as(fn.module()).containsExactly("s3:GetObject");
                } else {
                    assertThat(s3).as("%s has no business with the bucket", fn.module()).isEmpty();
                }
            }
        }
        assertThat(FunctionCatalog.MODELS.actionsOn(Resource.MODELS_OBJECTS)).contains("s3:PutObject");
        assertThat(FunctionCatalog.CLASSIFY.actionsOn(Resource.MODELS_OBJECTS)).containsExactly("s3:GetObject");
    }

    @Test
    void train_writesOnlyUnderTraining_andReadsTheRegistry_theFitWorkerWritesTheRegistry_andNoWorkerCreatesAJob() {
        for (DeploymentView view : VIEWS) {
            String bucket = view.referencedBy(Env.MODELS_BUCKET);
            String jobs = table(view, Env.TRAINING_JOBS_TABLE);
            Map<String, Set<String>> train = grants(view, view.functions().get("train"));
            assertThat(train.get(bucket + "/training/*")).as(view.source())
                    .containsExactly("s3:DeleteObject", "s3:GetObject", "s3:PutObject");
            assertThat(train.get(bucket + "/*")).as(view.source()).containsExactly("s3:GetObject");
            assertThat(train.get(bucket + "/" + Resource.MODEL_OWNER_RECORDS.objectPrefix() + "*"))
                    .as("train writes only a model name's owner record in the registry").containsExactly("s3:PutObject");
            assertThat(train.get(jobs)).as(view.source()).containsExactly("dynamodb:DeleteItem", "dynamodb:GetItem",
                    "dynamodb:PutItem", "dynamodb:UpdateItem");
            // The planner advances jobs, records the one fit it times (a unit item Put with the job's
            // Update, in one transaction) and reads recorded fits back; it reads the dataset, never the registry.
            Map<String, Set<String>> worker = grants(view, view.functions().get("train-worker"));
            assertThat(worker.get(jobs)).as("the planner only advances jobs and records fits").containsExactly(
                    "dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
            assertThat(worker.get(bucket + "/training/*")).containsExactly("s3:GetObject");
            assertThat(worker.get(bucket + "/*")).as("the planner writes no model").isNull();
            assertThat(worker.get(jobs + "#stream")).contains("dynamodb:GetRecords");
            // The fit worker records fits the same way and registers the refit model.
            Map<String, Set<String>> fits = grants(view, view.functions().get("fit-worker"));
            assertThat(fits.get(jobs)).as("the fit worker only advances jobs and records fits").containsExactly(
                    "dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
            assertThat(fits.get(bucket + "/training/*")).containsExactly("s3:GetObject");
            assertThat(fits.get(bucket + "/*")).containsExactly("s3:DeleteObject", "s3:GetObject", "s3:PutObject");
        }
    }

    @Test
    void images_writeOnlyTheImagesPrefix_classifyOnlyReadsIt_andNoOneElseTouchesIt() {
        for (DeploymentView view : VIEWS) {
            String bucket = view.referencedBy(Env.MODELS_BUCKET);
            String prefix = bucket + "/" + Resource.IMAGES_OBJECTS.objectPrefix() + "*";
            for (FunctionView fn : view.functions().values()) {
                Map<String, Set<String>> grants = grants(view, fn);
                switch (fn.module()) {
                    case "images" -> {
                        assertThat(grants.get(prefix)).containsExactly("s3:DeleteObject", "s3:GetObject", "s3:PutObject");
                        // POST /images/classify reads a model's manifest as the registry's readers do;
                        // it writes nothing of the bucket outside images/
                        assertThat(grants.get(bucket + "/*")).as("images: reads models only").containsExactly("s3:GetObject");
                        assertThat(grants.get(bucket)).containsExactly("s3:ListBucket");
                        assertThat(actions(grants)).doesNotContain("dynamodb:Scan");
                    }
                    case "classify", "tag-worker" -> assertThat(grants.get(prefix)).containsExactly("s3:GetObject");
                    // Deletes objects without a record (and abandoned uploads); reads none.
                    case "image-sweeper" -> assertThat(grants.get(prefix)).containsExactly("s3:DeleteObject");
                    default -> assertThat(grants).as(fn.module()).doesNotContainKey(prefix);
                }
            }
        }
    }

    @Test
    void everyFunction_holdsTheSameGrantsInTheStackAndInTemplateYaml_exactlyTheCatalogs() {
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            Map<String, Set<String>> stack = normalized(grants(STACKS.view, STACKS.view.functions().get(spec.name())));
            Map<String, Set<String>> sam = normalized(grants(SAM, SAM.functions().get(spec.name())));
            assertThat(sam).as("%s: template.yaml's grants against the CDK stack's", spec.name()).isEqualTo(stack);
            assertThat(stack.size()).as("%s: one resource per catalog grant", spec.name()).isEqualTo(spec.grants().size());
            Set<String> catalogActions = new TreeSet<>();
            spec.grants().forEach(grant -> catalogActions.addAll(grant.actions()));
            assertThat(actions(stack)).as(spec.name()).isEqualTo(catalogActions);
        }
    }

    /** CDK suffixes a function's own log group and queue with a hash; template.yaml does not. */
    static Map<String, Set<String>> normalized(Map<String, Set<String>> grants) {
        Map<String, Set<String>> normalized = new TreeMap<>();
        grants.forEach((key, actions) -> normalized.put(key.replaceAll("[A-F0-9]{8}(?=$|/|#)", ""), actions));
        return normalized;
    }

    private static FunctionSpec specOf(String module) {
        return FunctionCatalog.find(module).orElseThrow();
    }

    /** Resource key ({@code logicalId}, or {@code logicalId/*} for objects) → actions the function may take on it. */
    static Map<String, Set<String>> grants(DeploymentView view, FunctionView fn) {
        String role = Cfn.singleReference(fn.properties().get("Role")).orElseThrow();
        Map<String, Set<String>> grants = new TreeMap<>();
        for (Statement statement : identityStatements(view)) {
            if (statement.where().startsWith(role + ":")) {
                for (Object resource : statement.resources()) {
                    grants.computeIfAbsent(resourceKey(resource), key -> new TreeSet<>()).addAll(statement.actions());
                }
            }
        }
        return grants;
    }

    private static Set<String> actions(Map<String, Set<String>> grants) {
        Set<String> all = new TreeSet<>();
        grants.values().forEach(all::addAll);
        return all;
    }

    private static String resourceKey(Object resource) {
        String id = Cfn.singleReference(resource).orElseThrow();
        String flat = Cfn.flatten(resource);
        if (flat.contains("StreamArn")) {
            return id + "#stream";
        }
        if (flat.endsWith("/index/*")) {
            return id + "/index/*";
        }
        // a prefix (training/*) or a key pattern under one (models/*/owner.json*)
        java.util.regex.Matcher prefix = java.util.regex.Pattern.compile("/([a-z0-9-]+/(?:\\*/[a-z0-9.-]+)?)\\*$")
                .matcher(flat);
        if (prefix.find()) {
            return id + "/" + prefix.group(1) + "*";
        }
        return flat.endsWith("/*") ? id + "/*" : id;
    }

    private static String table(DeploymentView view, String envName) {
        return view.referencedBy(envName);
    }

    /** Every statement of every identity policy: standalone policies and roles' inline ones, keyed by role. */
    private static List<Statement> identityStatements(DeploymentView view) {
        List<Statement> statements = new ArrayList<>();
        Cfn.resourcesOfType(view.template(), "AWS::IAM::Policy").forEach((id, policy) -> {
            for (Object role : list(policy.get("Roles"))) {
                String roleId = Cfn.singleReference(role).orElseThrow();
                statements.addAll(statements(roleId + ":" + id, at(policy, "PolicyDocument")));
            }
        });
        Cfn.resourcesOfType(view.template(), "AWS::IAM::Role").forEach((id, role) ->
                list(role.get("Policies")).forEach(inline ->
                        statements.addAll(statements(id + ":inline", at(map(inline), "PolicyDocument")))));
        return statements;
    }

    private static List<Statement> statements(String where, Map<String, Object> document) {
        List<Statement> statements = new ArrayList<>();
        for (Object raw : list(document.get("Statement"))) {
            Map<String, Object> statement = new LinkedHashMap<>(map(raw));
            List<String> actions = list(statement.get("Action")).stream().map(String::valueOf).toList();
            assertThat(statement).as("%s uses NotAction/NotResource", where).doesNotContainKeys("NotAction", "NotResource");
            statements.add(new Statement(where, String.valueOf(statement.get("Effect")), actions, list(statement.get("Resource"))));
        }
        return statements;
    }
}
