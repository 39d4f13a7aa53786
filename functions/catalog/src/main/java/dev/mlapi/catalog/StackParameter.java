package dev.mlapi.catalog;

/**
 * A choice made when deploying: a CDK context key ({@code cdk.json} or {@code -c key=value}) and
 * a parameter of {@code template.yaml}, with the same default in both.
 */
public enum StackParameter {
    ADMIN_USERNAME("adminUsername", "AdminUsername", "admin",
            "Name of the first admin, created at the login function's first start."),
    DEFAULT_IMAGE_MODEL("defaultImageModel", "DefaultImageModel", "mobilenetv2@production",
            "Registry reference classify uses when a request names no model.");

    private final String contextKey;
    private final String samName;
    private final String defaultValue;
    private final String description;

    StackParameter(String contextKey, String samName, String defaultValue, String description) {
        this.contextKey = contextKey;
        this.samName = samName;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String contextKey() {
        return contextKey;
    }

    public String samName() {
        return samName;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }
}
