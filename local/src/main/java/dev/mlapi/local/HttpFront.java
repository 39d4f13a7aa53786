package dev.mlapi.local;

import java.net.URI;
import java.time.Duration;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The local server's HTTP listener: Jetty's core server (no servlets) in front of one request
 * handler. Whatever Jetty refuses before the handler runs (a request line or header it cannot
 * parse, a URI it will not accept, headers too large) is answered as problem+json by
 * {@link ProblemErrorHandler}. Request bodies are read without holding a thread (see
 * {@link ApiGatewayRouter}), so clients that stall mid-upload cost a connection, not a thread, and
 * are cut off after the idle timeout.
 */
final class HttpFront implements AutoCloseable {

    /**
     * What the listener accepts: like API Gateway, every path it can pass on raw, including empty
     * segments ({@code //models}) and encoded separators or dots ({@code %2F}, {@code %2E%2E}),
     * which routes then match (or not) literally; the functions validate names themselves and
     * nothing here maps a path to a file. A bad percent escape ({@code %zz}) passes too, for the
     * router to name it in its 400. Refused by Jetty with a 400: bad UTF-8, characters not
     * allowed in a URI, user info.
     */
    static final UriCompliance API_GATEWAY = UriCompliance.DEFAULT.with("API_GATEWAY",
            UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT, UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
            UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
            UriCompliance.Violation.AMBIGUOUS_PATH_PARAMETER);

    /**
     * Limits of the listener.
     *
     * @param idleTimeout    how long a connection may send nothing (a stalled upload, an idle keep-alive)
     * @param maxThreads     request threads; functions block one while they run
     * @param maxConnections open connections at most; beyond, new ones wait in the accept queue
     */
    record Limits(Duration idleTimeout, int maxThreads, int maxConnections) {
        /** API Gateway's 30 s for an idle client; enough threads for a laptop's worth of concurrent calls. */
        static Limits defaults() {
            return new Limits(Duration.ofSeconds(30), 64, 1024);
        }
    }

    /** How long a stop waits for the requests in progress to finish. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final Server server;
    private final ServerConnector connector;

    private HttpFront(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** Listens on {@code host:port} (0 = any free port) and hands every request to {@code handler}. */
    static HttpFront start(String host, int port, Limits limits, Request.Handler handler) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(limits.maxThreads(), Math.min(4, limits.maxThreads()));
        threads.setName("local-http");
        Server server = new Server(threads);

        HttpConfiguration config = new HttpConfiguration();
        config.setUriCompliance(API_GATEWAY);
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        config.setRequestHeaderSize(16 * 1024);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));

        server.setErrorHandler(new ProblemErrorHandler());
        server.setStopTimeout(STOP_TIMEOUT.toMillis());
        server.setHandler(new GracefulHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                return handler.handle(request, response, callback);
            }
        }));
        try {
            server.start();
        } catch (Exception e) {
            // a port in use: release the threads and whatever did start
            server.stop();
            throw e;
        }
        return new HttpFront(server, connector);
    }

    URI baseUri() {
        String host = connector.getHost();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + connector.getLocalPort());
    }

    /** Stops accepting, lets the requests in progress finish (up to a few seconds), then closes every connection. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the HTTP listener", e);
        }
    }
}
