package dev.mlapi.infra;

import dev.mlapi.catalog.ApiCors;
import dev.mlapi.catalog.StackParameter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import software.constructs.Node;

/**
 * The deployment's choices, read from CDK context ({@code cdk.json} or {@code -c key=value}).
 *
 * @param repositoryRoot        the checkout: {@code openapi.yaml} and {@code functions/*}/target jars
 * @param deletionProtection    tables with deletion protection, and tables and secrets retained
 *                              when the stack is destroyed
 * @param adminUsername         the first admin, created by the login function
 * @param corsAllowOrigins      browser origins allowed to call the API and the presigned bucket URLs
 * @param defaultImageModel     the registry reference classify uses when a request names none
 * @param alarmEmail            where alarm notifications go, if anywhere
 * @param missingJarPlaceholder for tests only: code to stand in for a function jar not built yet
 */
public record StackSettings(
        Path repositoryRoot,
        boolean deletionProtection,
        String adminUsername,
        List<String> corsAllowOrigins,
        String defaultImageModel,
        Optional<String> alarmEmail,
        Optional<Path> missingJarPlaceholder) {

    public static final String REPOSITORY_ROOT = "repositoryRoot";
    public static final String DELETION_PROTECTION = "deletionProtection";
    public static final String ADMIN_USERNAME = StackParameter.ADMIN_USERNAME.contextKey();
    public static final String CORS_ALLOW_ORIGINS = "corsAllowOrigins";
    public static final String DEFAULT_IMAGE_MODEL = StackParameter.DEFAULT_IMAGE_MODEL.contextKey();
    public static final String ALARM_EMAIL = "alarmEmail";
    public static final String MISSING_JAR_PLACEHOLDER = "missingJarPlaceholder";

    public StackSettings {
        repositoryRoot = repositoryRoot.toAbsolutePath().normalize();
        corsAllowOrigins = List.copyOf(corsAllowOrigins);
        if (corsAllowOrigins.isEmpty()) {
            throw new IllegalArgumentException(CORS_ALLOW_ORIGINS + " needs at least one origin (or *)");
        }
        if (adminUsername == null || adminUsername.isBlank()) {
            throw new IllegalArgumentException(ADMIN_USERNAME + " must not be blank");
        }
    }

    /** Settings from context, with defaults for a stack deployed from {@code infra-cdk/}. */
    public static StackSettings fromContext(Node node) {
        return new StackSettings(
                Path.of(string(node, REPOSITORY_ROOT).orElse("..")),
                string(node, DELETION_PROTECTION).map(StackSettings::bool).orElse(true),
                string(node, ADMIN_USERNAME).orElse(StackParameter.ADMIN_USERNAME.defaultValue()),
                string(node, CORS_ALLOW_ORIGINS)
                        .map(value -> Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
                        .orElse(ApiCors.DEFAULT_ALLOW_ORIGINS),
                string(node, DEFAULT_IMAGE_MODEL).orElse(StackParameter.DEFAULT_IMAGE_MODEL.defaultValue()),
                string(node, ALARM_EMAIL),
                string(node, MISSING_JAR_PLACEHOLDER).map(Path::of));
    }

    private static boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(DELETION_PROTECTION + " must be true or false, got " + value);
        };
    }

    private static Optional<String> string(Node node, String key) {
        return Optional.ofNullable(node.tryGetContext(key)).map(String::valueOf).map(String::trim).filter(s -> !s.isEmpty());
    }
}
