package dev.mlapi.local;

import java.nio.file.Path;
import java.util.Map;

/**
 * How the local server runs: where it listens, where it keeps data, its storage ports.
 *
 * @param port           HTTP port of the API ({@code PORT}, default 3000; 0 = any free port)
 * @param host           interface to bind ({@code HOST}, default 127.0.0.1)
 * @param dataDir        where users, tokens, the request log and models persist ({@code .local/})
 * @param dynamoDbPort   DynamoDB Local's port ({@code DYNAMODB_LOCAL_PORT}, default 8000; 0 = any)
 * @param s3Port         the S3 server's port ({@code S3_LOCAL_PORT}, default 9000; 0 = any)
 */
public record LocalSettings(int port, String host, Path dataDir, int dynamoDbPort, int s3Port) {

    public static LocalSettings fromMap(Map<String, String> env, Path repositoryRoot) {
        return new LocalSettings(
                Integer.parseInt(env.getOrDefault("PORT", "3000")),
                env.getOrDefault("HOST", "127.0.0.1"),
                Path.of(env.getOrDefault("MLAPI_DATA_DIR", repositoryRoot.resolve(".local").toString())),
                Integer.parseInt(env.getOrDefault("DYNAMODB_LOCAL_PORT", "8000")),
                Integer.parseInt(env.getOrDefault("S3_LOCAL_PORT", "9000")));
    }
}
