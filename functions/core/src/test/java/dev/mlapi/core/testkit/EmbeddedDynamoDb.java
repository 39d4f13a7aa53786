package dev.mlapi.core.testkit;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * DynamoDB Local in this JVM on a loopback port: in memory, or persisted to a folder.
 *
 * <p>DynamoDB Local has no authentication and its {@code ServerRunner} takes no host option: its
 * Jetty connector would listen on every interface, so anyone on the network could read password
 * hashes or make themselves admin. Its connector is bound to 127.0.0.1 before it starts.
 */
public final class EmbeddedDynamoDb implements AutoCloseable {

    static final String LOOPBACK = "127.0.0.1";

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
            bindToLoopback(server);
            server.start();
            return new EmbeddedDynamoDb(server, URI.create("http://127.0.0.1:" + port));
        } catch (Exception e) {
            throw new IllegalStateException("could not start DynamoDB Local", e);
        }
    }

    /** Sets every connector of the server's Jetty to 127.0.0.1; refuses to start the server if it cannot. */
    private static void bindToLoopback(DynamoDBProxyServer server) throws ReflectiveOperationException {
        Field jettyField = DynamoDBProxyServer.class.getDeclaredField("server");
        jettyField.setAccessible(true);
        Server jetty = (Server) jettyField.get(server);
        Connector[] connectors = jetty.getConnectors();
        if (connectors.length == 0) {
            throw new IllegalStateException("DynamoDB Local has no connector to bind to loopback");
        }
        for (Connector connector : connectors) {
            ((ServerConnector) connector).setHost(LOOPBACK);
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
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
