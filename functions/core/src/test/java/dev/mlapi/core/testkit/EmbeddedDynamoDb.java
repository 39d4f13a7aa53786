package dev.mlapi.core.testkit;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;

/** DynamoDB Local in this JVM on a free loopback port: in memory, or persisted to a folder. */
public final class EmbeddedDynamoDb implements AutoCloseable {

    private final DynamoDBProxyServer server;
    private final URI endpoint;

    private EmbeddedDynamoDb(DynamoDBProxyServer server, URI endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    public static EmbeddedDynamoDb inMemory() {
        return start(null, 0);
    }

    /** Persisted to {@code folder}, on {@code port} (0 = any free port). */
    public static EmbeddedDynamoDb persistedIn(Path folder, int port) {
        folder.toFile().mkdirs();
        return start(folder, port);
    }

    private static EmbeddedDynamoDb start(Path folder, int requestedPort) {
        int port = requestedPort == 0 ? freePort() : requestedPort;
        String[] args = folder == null
                ? new String[] {"-inMemory", "-port", Integer.toString(port), "-disableTelemetry"}
                : new String[] {"-dbPath", folder.toAbsolutePath().toString(), "-sharedDb", "-port",
                        Integer.toString(port), "-disableTelemetry"};
        try {
            DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(args);
            server.start();
            return new EmbeddedDynamoDb(server, URI.create("http://127.0.0.1:" + port));
        } catch (Exception e) {
            throw new IllegalStateException("could not start DynamoDB Local", e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop DynamoDB Local", e);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
