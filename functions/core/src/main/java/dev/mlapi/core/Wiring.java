package dev.mlapi.core;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.auth.Authenticator;
import dev.mlapi.core.auth.BasicCredentials;
import dev.mlapi.core.auth.JwtService;
import dev.mlapi.core.auth.PasswordHasher;
import dev.mlapi.core.aws.AwsClients;
import dev.mlapi.core.aws.DynamoDbCredentialLookup;
import dev.mlapi.core.aws.DynamoDbLoginAttempts;
import dev.mlapi.core.aws.DynamoDbRequestHistory;
import dev.mlapi.core.aws.DynamoDbRequestLog;
import dev.mlapi.core.aws.DynamoDbRequestRollups;
import dev.mlapi.core.aws.DynamoDbTokenStore;
import dev.mlapi.core.aws.DynamoDbUserStore;
import dev.mlapi.core.aws.SdkErrors;
import dev.mlapi.core.aws.SecretResolver;
import dev.mlapi.core.compat.CompatRoutes;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.runtime.AfterResponse;
import dev.mlapi.core.util.Lazy;
import dev.mlapi.core.requestlog.RequestHistory;
import dev.mlapi.core.requestlog.RequestLog;
import dev.mlapi.core.rollup.RequestRollups;
import dev.mlapi.core.users.CredentialLookup;
import dev.mlapi.core.users.LoginAttempts;
import dev.mlapi.core.users.LoginThrottle;
import dev.mlapi.core.users.TokenStore;
import dev.mlapi.core.users.UserStore;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.users.User;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the collaborators every function shares from one {@link Config}: the DynamoDB client,
 * stores, token service. Each is built on first use and then kept for the container's life.
 * Libraries such as the model registry build their own clients from the same {@link Config}.
 */
public final class Wiring {

    /** Whom priming's synthetic requests claim to be: a user no lookup can find, with {@code role}. */
    private static User primingUser(Role role) {
        return new User("priming", ApiPipeline.PRIMING_USERNAME, Optional.empty(), role, "", Instant.EPOCH, 0);
    }

    private final Config config;
    private final Clock clock;
    private final AwsClients clients;
    private final Supplier<DynamoDbClient> dynamoDb;
    private final Supplier<SqsClient> sqs;
    private final Supplier<UserStore> userStore;
    private final Supplier<TokenStore> tokenStore;
    private final Supplier<RequestLog> requestLog;
    private final Supplier<RequestHistory> requestHistory;
    private final Supplier<RequestRollups> requestRollups;
    private final Supplier<CredentialLookup> credentialLookup;
    private final Supplier<JwtService> jwt;
    private final Supplier<PasswordHasher> passwordHasher;
    private final Supplier<LoginAttempts> loginAttempts;
    /** HTTP Basic's check (DRF's routes), built on the first Basic request: its cache lives as long as the container. */
    private final Supplier<BasicCredentials> basicCredentials;
    private final SecretResolver secrets;
    private final Supplier<AfterResponse> afterResponse;

    private Wiring(Config config, Clock clock, UnaryOperator<DynamoDbClient> dynamoDbWrapper,
            Supplier<AfterResponse> afterResponse) {
        this.config = config;
        this.afterResponse = afterResponse;
        this.clock = clock;
        this.clients = new AwsClients(config);
        this.dynamoDb = memoize(() -> dynamoDbWrapper.apply(clients.dynamoDb()));
        // Anonymous classes, not method references: a method reference resolves its return type when
        // the constructor runs, and the jars of functions that call no SQS (or no secret) leave that SDK out.
        this.sqs = memoize(new Supplier<SqsClient>() {
            @Override
            public SqsClient get() {
                return clients.sqs();
            }
        });
        this.secrets = new SecretResolver(new Supplier<SecretsManagerClient>() {
            @Override
            public SecretsManagerClient get() {
                return clients.secretsManager();
            }
        });
        this.userStore = memoize(() -> new DynamoDbUserStore(dynamoDb.get(), config.usersTable()));
        this.tokenStore = memoize(() -> new DynamoDbTokenStore(dynamoDb.get(), config.tokensTable(), clock));
        this.requestLog = memoize(() -> new DynamoDbRequestLog(dynamoDb.get(), config.requestLogTable()));
        this.requestHistory = memoize(() -> new DynamoDbRequestHistory(dynamoDb.get(), config.requestLogTable(),
                config.requestLogRetention(), clock, entry -> requestRollups().remove(entry)));
        this.requestRollups = memoize(() -> new DynamoDbRequestRollups(dynamoDb.get(),
                config.environment().tableName(TableCatalog.REQUEST_ROLLUPS), config.requestLogTable(),
                config.requestLogRetention(), clock));
        this.credentialLookup = memoize(() -> new DynamoDbCredentialLookup(dynamoDb.get(), config.usersTable(),
                config.tokensTable(), clock));
        this.jwt = memoize(() -> new JwtService(secrets.resolve(requireJwtSecret(config)), config.tokenTtl(), clock));
        this.passwordHasher = memoize(PasswordHasher::new);
        this.loginAttempts = memoize(() -> new DynamoDbLoginAttempts(dynamoDb.get(),
                config.environment().tableName(TableCatalog.LOGIN_ATTEMPTS)));
        this.basicCredentials = memoize(() -> BasicCredentials.withDefaults(userStore.get(), passwordHasher.get(),
                LoginThrottle.withDefaults(loginAttempts.get(), clock), clock));
    }

    public static Wiring fromEnvironment() {
        return create(Config.fromEnvironment());
    }

    public static Wiring create(Config config) {
        return create(config, Clock.systemUTC());
    }

    public static Wiring create(Config config, Clock clock) {
        return new Wiring(config, clock, UnaryOperator.identity(), AfterResponse::fromEnvironment);
    }

    /**
     * A wiring like this one whose stores reach DynamoDB through {@code wrapper} around a new
     * client: for tests that put a fault-injecting client between the code and DynamoDB Local.
     */
    public Wiring withDynamoDb(UnaryOperator<DynamoDbClient> wrapper) {
        return new Wiring(config, clock, wrapper, afterResponse);
    }

    /**
     * A wiring like this one (new clients) whose pipelines run the request-log write through
     * {@code afterResponse}: for benchmarks and tests that play the Lambda extension's part.
     */
    public Wiring withAfterResponse(AfterResponse afterResponse) {
        return new Wiring(config, clock, UnaryOperator.identity(), () -> afterResponse);
    }

    public Config config() {
        return config;
    }

    public Clock clock() {
        return clock;
    }

    public DynamoDbClient dynamoDb() {
        return dynamoDb.get();
    }

    /** The SQS client: tasks are sent through {@link dev.mlapi.core.queue.TaskQueue#of}, received by Lambda (or the local server). */
    public SqsClient sqs() {
        return sqs.get();
    }

    /** Built on each call: only the local server's event sources read streams. */
    public DynamoDbStreamsClient dynamoDbStreams() {
        return clients.dynamoDbStreams();
    }

    public SecretResolver secrets() {
        return secrets;
    }

    public UserStore userStore() {
        return userStore.get();
    }

    public TokenStore tokenStore() {
        return tokenStore.get();
    }

    public RequestLog requestLog() {
        return requestLog.get();
    }

    /** Reading and deleting the request log (history; the aggregator's background deletion). */
    public RequestHistory requestHistory() {
        return requestHistory.get();
    }

    /** The request log's hourly rollups (written by the aggregator, read by report and stats). */
    public RequestRollups requestRollups() {
        return requestRollups.get();
    }

    /** The JWT signing key's value; other HMACs of HTTP functions (e.g. cursors) derive their keys from it. */
    public String signingSecret() {
        return secrets.resolve(requireJwtSecret(config));
    }

    public JwtService jwt() {
        return jwt.get();
    }

    public PasswordHasher passwordHasher() {
        return passwordHasher.get();
    }

    /** Starts a function's route table over this wiring's token check, request log and clock. */
    public ApiPipeline.Builder pipeline() {
        return ApiPipeline.builder(this::authenticator, this::requestLog, clock, config.requestLogRetention())
                .optDependencyFailures(SdkErrors::dependencyFailure)
                .optPrimingToken(role -> jwt().issue(primingUser(role)).token())
                .optAfterResponse(afterResponse.get())
                .optAdaptedRoutes(CompatRoutes.ALL);
    }

    public LoginAttempts loginAttempts() {
        return loginAttempts.get();
    }

    public Authenticator authenticator() {
        return new Authenticator(jwt(), credentialLookup.get(), basicCredentials);
    }

    /** Only HTTP functions verify tokens; an event function starts without the key. */
    private static Config.Secret requireJwtSecret(Config config) {
        if (config.jwtSecret() == null) {
            throw new IllegalStateException("a JWT signing secret is required (" + Config.Env.JWT_SECRET
                    + " or " + Config.Env.JWT_SECRET_ARN + ")");
        }
        return config.jwtSecret();
    }

    /** A thread-safe supplier that computes its value once. */
    private static <T> Supplier<T> memoize(Supplier<T> factory) {
        return Lazy.of(factory);
    }
}
