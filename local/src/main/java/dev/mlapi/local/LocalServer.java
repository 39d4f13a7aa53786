package dev.mlapi.local;

import dev.mlapi.catalog.ApiCors;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.OpenApiRoutes;
import dev.mlapi.catalog.QueueCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.aws.Tables;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.observability.Telemetry;
import dev.mlapi.core.testkit.EmbeddedDynamoDb;
import dev.mlapi.core.testkit.EmbeddedS3;
import dev.mlapi.core.testkit.EmbeddedSqs;
import dev.mlapi.registry.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every function of the catalog in one JVM, behind an API-Gateway-faithful router, with
 * DynamoDB Local and an S3 server embedded and persisted under {@code .local/}, and an SQS
 * (ElasticMQ, in memory, on 127.0.0.1 only) holding every queue of {@link QueueCatalog} with its
 * dead-letter queue. Only assembles:
 * the functions run the same code as in Lambda, pointed at local endpoints by configuration.
 */
public final class LocalServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalServer.class);
    /** The browser origins the API answers, comma-separated, as the stack's {@code corsAllowOrigins}; default any. */
    static final String CORS_ALLOW_ORIGINS = "CORS_ALLOW_ORIGINS";
    /** In the data folder: the first admin's password, generated or the given {@code ADMIN_PASSWORD}. */
    static final String ADMIN_PASSWORD_FILE = "admin-password";

    private final EmbeddedDynamoDb dynamoDb;
    private final EmbeddedS3 s3;
    private final EmbeddedSqs sqs;
    private final HttpFront http;
    private final Wiring wiring;
    private final ApiGatewayRouter router;
    private final FunctionHost functions;

    private LocalServer(EmbeddedDynamoDb dynamoDb, EmbeddedS3 s3, EmbeddedSqs sqs, HttpFront http, Wiring wiring,
            ApiGatewayRouter router, FunctionHost functions) {
        this.dynamoDb = dynamoDb;
        this.s3 = s3;
        this.sqs = sqs;
        this.http = http;
        this.wiring = wiring;
        this.router = router;
        this.functions = functions;
    }

    public static void main(String[] args) {
        Path root = repositoryRoot();
        LocalSettings settings = LocalSettings.fromMap(System.getenv(), root);
        LocalServer server = start(settings, root, System.getenv());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "local-server-shutdown"));
        System.out.printf("%nmlapi local server is ready on %s  (Swagger UI: %s/docs, data: %s, admin: '%s'%s)%n",
                server.baseUri(), server.baseUri(), settings.dataDir(), server.wiring.config().adminUsername().orElse("-"),
                ", password in " + settings.dataDir().resolve(ADMIN_PASSWORD_FILE));
    }

    /** Starts storage, functions and the HTTP listener; {@code env} supplies the functions' settings. */
    public static LocalServer start(LocalSettings settings, Path root, Map<String, String> env) {
        System.setProperty("ai.djl.offline", "true");
        // Metrics are read at GET /metrics here; EMF records would only clutter the console.
        Telemetry.disableEmf();
        // No one but the owner may read password hashes, tokens, the signing key or models.
        ownerOnly(createDirectories(settings.dataDir()));
        EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.persistedIn(settings.dataDir().resolve("dynamodb"),
                settings.dynamoDbPort());
        EmbeddedS3 s3 = EmbeddedS3.persistedIn(settings.dataDir().resolve("s3"), settings.s3Port());
        // In memory: after a restart the queues are empty, and the start-up tasks send again what was lost.
        EmbeddedSqs sqs = EmbeddedSqs.start(settings.sqsPort());
        // Every queue with the short local visibility timeout (see LocalSettings), each with its dead-letter queue.
        Map<String, String> queueUrls = sqs.createQueues(QueueCatalog.ALL, queue -> settings.sqsVisibilityTimeout());

        Map<String, String> functionEnv = new HashMap<>(env);
        functionEnv.put(Config.Env.DYNAMODB_ENDPOINT, dynamoDb.endpoint().toString());
        functionEnv.put(Config.Env.S3_ENDPOINT, s3.endpoint().toString());
        functionEnv.put(Config.Env.SQS_ENDPOINT, sqs.endpoint().toString());
        functionEnv.putAll(queueUrls);
        functionEnv.remove(Config.Env.JWT_SECRET_ARN);
        functionEnv.remove(Config.Env.ADMIN_PASSWORD_SECRET_ARN);
        functionEnv.computeIfAbsent(Config.Env.JWT_SECRET, k -> secretFile(settings.dataDir().resolve("jwt-secret"), 48));
        functionEnv.putIfAbsent(Config.Env.ADMIN_USERNAME, "admin");
        // The password the admin is created with is always in .local/admin-password, given or generated.
        Path adminPasswordFile = settings.dataDir().resolve(ADMIN_PASSWORD_FILE);
        String givenAdminPassword = functionEnv.get(Config.Env.ADMIN_PASSWORD);
        if (givenAdminPassword == null || givenAdminPassword.isBlank()) {
            functionEnv.put(Config.Env.ADMIN_PASSWORD, secretFile(adminPasswordFile, 18));
        } else {
            writeSecret(adminPasswordFile, givenAdminPassword);
        }
        Config config = Config.fromMap(functionEnv);
        Wiring wiring = Wiring.create(config);
        Tables.createMissing(wiring.dynamoDb(), config);
        s3.createBucket(RegistrySettings.from(config).bucket());

        FunctionHost functions = FunctionHost.create(FunctionCatalog.ALL, OpenApiRoutes.read(root.resolve("openapi.yaml")),
                wiring, createDirectories(settings.dataDir().resolve("event-sources")), settings.sqsConcurrency(),
                settings.scheduleInterval());
        ApiGatewayRouter router = new ApiGatewayRouter(functions.routes());
        LocalStartup.afterFunctionsStarted(RegistrySettings.from(config), wiring, root);
        LocalStartup.runStartupTasks(wiring);
        functions.startEventSources();

        DocsHandler docs = new DocsHandler(root.resolve("openapi.yaml"), swaggerUiVersion());
        MetricsEndpoint metrics = new MetricsEndpoint(wiring::authenticator, Telemetry.registry());
        Request.Handler front = new CorsHandler(ApiCors.origins(env.get(CORS_ALLOW_ORIGINS)), (request, response, callback) -> {
            String path = request.getHttpURI().getPath();
            Request.Handler target = path.equals("/docs") || path.startsWith("/docs/") || path.equals("/openapi.yaml")
                    || DocsHandler.COMPAT_PATHS.contains(path)
                    ? docs : MetricsEndpoint.serves(path) ? metrics : router;
            return target.handle(request, response, callback);
        });
        try {
            HttpFront http = HttpFront.start(settings.host(), settings.port(), HttpFront.Limits.defaults(), front);
            // the storage servers created their folders and files with the process umask
            ownerOnly(settings.dataDir());
            return new LocalServer(dynamoDb, s3, sqs, http, wiring, router, functions);
        } catch (Exception e) {
            functions.close();
            dynamoDb.close();
            s3.close();
            sqs.close();
            throw new IllegalStateException("cannot listen on " + settings.host() + ":" + settings.port(), e);
        }
    }

    public URI baseUri() {
        return http.baseUri();
    }

    public Wiring wiring() {
        return wiring;
    }

    /** The routes served, e.g. {@code POST /auth/login}. */
    public List<String> routeKeys() {
        return router.targets().stream().map(t -> t.route().routeKey()).toList();
    }

    /** The functions this server runs, with their event sources. */
    FunctionHost functions() {
        return functions;
    }

    @Override
    public void close() {
        http.close();
        functions.close();
        try {
            sqs.close();
            s3.close();
        } finally {
            dynamoDb.close();
        }
    }

    /** The checkout this server runs from: the nearest folder above the working directory with openapi.yaml. */
    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("openapi.yaml"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("run the local server from the repository (no openapi.yaml above " + dir + ")");
    }

    /** A random secret kept in {@code file} (owner-only) so that restarts keep it. */
    private static String secretFile(Path file, int bytes) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            byte[] random = new byte[bytes];
            new SecureRandom().nextBytes(random);
            String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            writeSecret(file, secret);
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a secret in " + file, e);
        }
    }

    /** Writes {@code secret} to {@code file}, replacing it, readable and writable by the owner only. */
    private static void writeSecret(Path file, String secret) {
        try {
            Files.deleteIfExists(file);
            try {
                // created owner-only, never readable by others even for a moment
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                LOG.debug("cannot restrict permissions of {}", file);
            }
            Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a secret in " + file, e);
        }
    }

    /** Takes group and other permissions off {@code dir} and everything in it (no-op where not POSIX). */
    static void ownerOnly(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                if (Files.isSymbolicLink(path)) {
                    continue;
                }
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
                permissions.removeAll(EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
                        PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE));
                Files.setPosixFilePermissions(path, permissions);
            }
        } catch (UnsupportedOperationException notPosix) {
            LOG.debug("cannot restrict permissions under {}", dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restrict permissions under " + dir, e);
        }
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    private static String swaggerUiVersion() {
        try (InputStream in = LocalServer.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the swagger-ui webjar is missing from the classpath", e);
        }
    }
}
