package dev.mlapi.core.aws;

import dev.mlapi.core.config.Config.Secret;
import java.util.function.Supplier;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Turns a configured {@link Secret} into its value: the literal, or Secrets Manager's current version. */
public final class SecretResolver {

    private final Supplier<SecretsManagerClient> client;

    public SecretResolver(Supplier<SecretsManagerClient> client) {
        this.client = client;
    }

    public String resolve(Secret secret) {
        if (secret.literalValue().isPresent()) {
            return secret.literalValue().get();
        }
        String arn = secret.secretArn().orElseThrow();
        try (SecretsManagerClient secrets = client.get()) {
            return secrets.getSecretValue(r -> r.secretId(arn)).secretString();
        }
    }
}
