package dev.mlapi.core.testkit;

import dev.mlapi.core.Wiring;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.catalog.TableSpec;
import dev.mlapi.core.auth.IssuedToken;
import dev.mlapi.core.aws.Tables;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.users.User;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * Real storage for a test class: DynamoDB Local and S3Proxy in this JVM, the tables created, a
 * bucket created, and a {@link Config} pointing at them. Each stack uses its own table and
 * bucket names (every table of {@link TableCatalog}), so stacks never see each other's data: the
 * two servers are started once per JVM and shared by every stack (starting them for each test
 * class, or each test, was most of many tests' time); closing a stack deletes its tables and
 * buckets.
 */
public final class TestStack implements AutoCloseable {

    public static final String JWT_SECRET = "test-signing-secret-of-at-least-32-bytes!";

    /** DynamoDB Local and S3Proxy, started by the first stack of this JVM and stopped when it exits. */
    private record Servers(EmbeddedDynamoDb dynamoDb, EmbeddedS3 s3) {
    }

    private static Servers servers;

    private static synchronized Servers servers() {
        if (servers == null) {
            EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.inMemory();
            EmbeddedS3 s3 = EmbeddedS3.inMemory();
            Servers started = new Servers(dynamoDb, s3);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.s3().close();
                } finally {
                    started.dynamoDb().close();
                }
            }, "test-stack-servers-stop"));
            servers = started;
        }
        return servers;
    }

    private final EmbeddedDynamoDb dynamoDb;
    private final EmbeddedS3 s3;
    private final Config config;
    private final Wiring wiring;
    private final Set<String> buckets = ConcurrentHashMap.newKeySet();

    private TestStack(Map<String, String> overrides) {
        this.dynamoDb = servers().dynamoDb();
        this.s3 = servers().s3();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = new HashMap<>();
        env.put(Config.Env.DYNAMODB_ENDPOINT, dynamoDb.endpoint().toString());
        env.put(Config.Env.S3_ENDPOINT, s3.endpoint().toString());
        env.put(Config.Env.USERS_TABLE, "users-" + suffix);
        env.put(Config.Env.TOKENS_TABLE, "tokens-" + suffix);
        env.put(Config.Env.REQUEST_LOG_TABLE, "requests-" + suffix);
        env.put(dev.mlapi.catalog.Env.REQUEST_ROLLUPS_TABLE, "request-rollups-" + suffix);
        env.put(dev.mlapi.catalog.Env.LOGIN_ATTEMPTS_TABLE, "login-attempts-" + suffix);
        // the servers are shared: every other table of the catalog gets a name of its own too
        TableCatalog.ALL.forEach(table -> env.putIfAbsent(table.envVar(), table.defaultName() + "-" + suffix));
        env.put(Config.Env.MODELS_BUCKET, "models-" + suffix);
        env.put(Config.Env.JWT_SECRET, JWT_SECRET);
        env.putAll(overrides);
        this.config = Config.fromMap(env);
        this.wiring = Wiring.create(config);
        Tables.createMissing(wiring.dynamoDb(), config);
        createBucket(config.environment().string(Config.Env.MODELS_BUCKET, Config.DEFAULT_MODELS_BUCKET));
    }

    public static TestStack start() {
        return new TestStack(Map.of());
    }

    /** A stack whose configuration also carries these environment-style settings. */
    public static TestStack start(Map<String, String> overrides) {
        return new TestStack(overrides);
    }

    public Config config() {
        return config;
    }

    /**
     * The environment variables that point a function in another JVM (a cold-start benchmark's
     * child process) at this stack's storage, tables, bucket and signing key.
     */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put(Config.Env.AWS_REGION, config.region());
        env.put(Config.Env.DYNAMODB_ENDPOINT, config.dynamoDbEndpoint().orElseThrow().toString());
        env.put(Config.Env.S3_ENDPOINT, config.environment().string(Config.Env.S3_ENDPOINT).orElseThrow());
        env.put(Config.Env.USERS_TABLE, config.usersTable());
        env.put(Config.Env.TOKENS_TABLE, config.tokensTable());
        env.put(Config.Env.REQUEST_LOG_TABLE, config.requestLogTable());
        // every table's name, also those only some functions use (rollups, login attempts)
        dev.mlapi.catalog.TableCatalog.ALL.forEach(table -> env.put(table.envVar(), config.environment().tableName(table)));
        env.put(Config.Env.MODELS_BUCKET, config.environment().string(Config.Env.MODELS_BUCKET).orElseThrow());
        env.put(Config.Env.JWT_SECRET, JWT_SECRET);
        config.environment().string(Config.Env.DEFAULT_IMAGE_MODEL).ifPresent(model -> env.put(Config.Env.DEFAULT_IMAGE_MODEL, model));
        env.put("DJL_OFFLINE", "true");
        return env;
    }

    /** A bucket of its own for a test that needs an empty registry. */
    public void createBucket(String bucket) {
        s3.createBucket(bucket);
        buckets.add(bucket);
    }

    /** The wiring the code under test would build from this configuration. */
    public Wiring wiring() {
        return wiring;
    }

    /**
     * A user with this name and role stored in this stack's users table, and a token for it from
     * this stack's JWT service. The account has no password: it signs in by token only.
     */
    public SignedIn signedIn(String username, Role role) {
        User user = new User(UUID.randomUUID().toString(), username, Optional.empty(), role, "not-a-login",
                Instant.now(), 0);
        wiring.userStore().create(user);
        return new SignedIn(user, wiring.jwt().issue(user));
    }

    /** A stored user and the token issued for it. */
    public record SignedIn(User user, IssuedToken issued) {

        /** The signed token, as a client sends it after {@code Bearer}. */
        public String token() {
            return issued.token();
        }
    }

    /** Deletes this stack's tables and buckets; the shared servers run on for the next stack. */
    @Override
    public void close() {
        try {
            for (TableSpec table : TableCatalog.ALL) {
                try {
                    wiring.dynamoDb().deleteTable(r -> r.tableName(config.environment().tableName(table)));
                } catch (ResourceNotFoundException alreadyGone) {
                    // a test deleted it, or never had it
                }
            }
        } finally {
            buckets.forEach(s3::deleteBucket);
        }
    }
}
