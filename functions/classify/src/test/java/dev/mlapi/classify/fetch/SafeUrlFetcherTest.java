package dev.mlapi.classify.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import dev.mlapi.classify.LoopbackServer;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.Unprocessable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF-safe fetcher against an HTTP server on 127.0.0.1, and a resolver the test controls:
 * names that resolve to private or link-local addresses are refused before any connection, so
 * no traffic ever leaves loopback.
 */
class SafeUrlFetcherTest {

    static final int SMALL_LIMIT = 64 * 1024;
    static LoopbackServer server;

    @BeforeAll
    static void start() {
        server = LoopbackServer.start()
                .serve("/image.png", "image/png", new byte[] {1, 2, 3})
                .serve("/large", "image/jpeg", new byte[SMALL_LIMIT + 1])
                .handle("/large-chunked", exchange -> chunked(exchange, SMALL_LIMIT + 1))
                .handle("/chunked", exchange -> chunked(exchange, 3000))
                .handle("/slow", exchange -> {
                    sleep(1500);
                    LoopbackServer.respond(exchange, 200, "image/png", new byte[] {1});
                })
                .redirect("/to-image", 301, "/image.png")
                .redirect("/hop1", 302, "/hop2")
                .redirect("/hop2", 307, "/hop3")
                .redirect("/hop3", 308, "/image.png")
                .redirect("/hop0", 302, "/hop1")
                .redirect("/to-metadata", 302, "http://metadata.internal/latest/meta-data/")
                .redirect("/to-private-literal", 302, "http://10.1.2.3/x.png")
                .redirect("/to-ftp", 302, "ftp://example.com/x.png")
                .redirect("/to-nowhere", 302, "");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Resolves names from the map and IP literals as themselves; no DNS. */
    static HostResolver resolver(Map<String, String> names) {
        return host -> {
            String address = names.get(host);
            if (address != null) {
                return List.of(InetAddress.getByName(address));
            }
            if (host.matches("[0-9.]+") || host.contains(":")) {
                return List.of(InetAddress.getByName(host));
            }
            throw new UnknownHostException(host);
        };
    }

    static SafeUrlFetcher fetcher(boolean allowLoopback, Map<String, String> names) {
        return new SafeUrlFetcher(new AddressPolicy(allowLoopback), resolver(names), SMALL_LIMIT, Duration.ofSeconds(1),
                Duration.ofMillis(500), Duration.ofSeconds(5));
    }

    static final SafeUrlFetcher LOOPBACK = fetcher(true, Map.of(
            "images.test", "127.0.0.1",
            "metadata.internal", "169.254.169.254",
            "intranet.test", "10.20.30.40",
            "mixed.test", "192.168.0.10"));

    static void chunked(HttpExchange exchange, int size) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "image/jpeg");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            byte[] piece = new byte[1000];
            for (int sent = 0; sent < size; sent += piece.length) {
                out.write(piece, 0, Math.min(piece.length, size - sent));
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void fetch_whenLoopbackAllowed_returnsBodyAndContentType() {
        FetchedImage image = LOOPBACK.fetch(server.url("/image.png"));

        assertThat(image.body()).containsExactly(1, 2, 3);
        assertThat(image.contentType()).isEqualTo("image/png");
    }

    @Test
    void fetch_whenNameResolvesToLoopback_connectsToTheCheckedAddressWithTheNameAsHost() {
        FetchedImage image = LOOPBACK.fetch("http://images.test:" + server.port() + "/image.png");

        assertThat(image.body()).containsExactly(1, 2, 3);
    }

    @Test
    void fetch_whenChunked_reassemblesTheBody() {
        assertThat(LOOPBACK.fetch(server.url("/chunked")).body()).hasSize(3000);
    }

    @Test
    void fetch_whenRedirectedUpToThreeTimes_follows_andAFourthIsRefused() {
        assertThat(LOOPBACK.fetch(server.url("/to-image")).body()).containsExactly(1, 2, 3);
        assertThat(LOOPBACK.fetch(server.url("/hop1")).body()).containsExactly(1, 2, 3);
        assertThat(LOOPBACK.fetch(server.url("/hop1")).url().getPath()).isEqualTo("/image.png");
        assertThatThrownBy(() -> LOOPBACK.fetch(server.url("/hop0")))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("more than 3 redirects");
    }

    @Test
    void fetch_whenRedirectLeadsToMetadataService_refusesBeforeConnecting() {
        int before = server.requests();

        assertThatThrownBy(() -> LOOPBACK.fetch(server.url("/to-metadata")))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("link-local").hasMessageContaining("169.254.169.254");
        assertThatThrownBy(() -> LOOPBACK.fetch(server.url("/to-private-literal")))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("private");
        assertThatThrownBy(() -> LOOPBACK.fetch(server.url("/to-ftp")))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("http and https");
        assertThat(server.requests() - before).isEqualTo(3); // only the three redirects themselves
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://metadata.internal/latest/meta-data/iam", "http://intranet.test/cat.jpg",
            "https://mixed.test/x.png", "http://169.254.169.254/", "http://[fe80::1]/", "http://[::ffff:10.0.0.1]/",
            "http://[fd00::1]:8080/", "http://0.0.0.0/", "http://224.0.0.1/"})
    void fetch_whenHostResolvesToAForbiddenAddress_isRefused400WithoutTraffic(String url) {
        assertThatThrownBy(() -> LOOPBACK.fetch(url)).isInstanceOf(InvalidInput.class)
                .hasMessageContaining("only public addresses");
    }

    @Test
    void fetch_whenAnyOfSeveralAddressesIsForbidden_refuses() {
        HostResolver twoFaced = host -> List.of(InetAddress.getByName("8.8.8.8"), InetAddress.getByName("10.0.0.1"));
        SafeUrlFetcher fetcher = new SafeUrlFetcher(new AddressPolicy(false), twoFaced, SMALL_LIMIT,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));

        assertThatThrownBy(() -> fetcher.fetch("http://rebinding.test/")).isInstanceOf(InvalidInput.class)
                .hasMessageContaining("10.0.0.1");
    }

    @Test
    void fetch_whenLoopbackNotAllowed_refusesLoopback() {
        int before = server.requests();

        assertThatThrownBy(() -> fetcher(false, Map.of()).fetch(server.url("/image.png")))
                .isInstanceOf(InvalidInput.class).hasMessageContaining("loopback");
        assertThat(server.requests()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:///etc/passwd", "ftp://example.com/a.png", "gopher://x/", "jar:http://x/!/a",
            "//no-scheme/a.png", "http://", "http:///path", "not a url", "http://user:pw@images.test/a.png",
            "http://exa mple.com/"})
    void fetch_whenUrlIsNotPlainHttp_is400(String url) {
        assertThatThrownBy(() -> LOOPBACK.fetch(url)).isInstanceOf(InvalidInput.class)
                .extracting(e -> ((ApiException) e).errors().get(0).field()).isEqualTo("image_url");
    }

    @Test
    void fetch_whenLargerThanTheCap_is413_withOrWithoutContentLength() {
        assertThatThrownBy(() -> LOOPBACK.fetch(server.url("/large"))).isInstanceOf(PayloadTooLarge.class);
        assertThatThrownBy(() -> LOOPBACK.fetch(server.url("/large-chunked"))).isInstanceOf(PayloadTooLarge.class);
    }

    @Test
    void fetch_whenServerIsSlowerThanTheReadTimeout_is422() {
        assertThatThrownBy(() -> LOOPBACK.fetch(server.url("/slow")))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("in time");
    }

    @Test
    void fetch_whenNothingListens_orNameUnknown_orRedirectEmpty_is422() {
        assertThatThrownBy(() -> LOOPBACK.fetch("http://127.0.0.1:1/x.png"))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("could not connect");
        assertThatThrownBy(() -> LOOPBACK.fetch("http://unknown.test/x.png"))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("could not be resolved");
        assertThatThrownBy(() -> LOOPBACK.fetch(server.url("/to-nowhere")))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("Location");
        assertThatThrownBy(() -> LOOPBACK.fetch(server.url("/missing")))
                .isInstanceOf(Unprocessable.class).hasMessageContaining("HTTP 404");
    }

    @Test
    void fetch_whenHttpsToAPlainHttpServer_failsTheHandshakeAs422() {
        assertThatThrownBy(() -> LOOPBACK.fetch("https://127.0.0.1:" + server.port() + "/image.png"))
                .isInstanceOf(Unprocessable.class);
    }

    /**
     * A listener that never accepts, its backlog filled: the kernel drops further SYNs, so a
     * connection attempt hangs for its whole timeout, like an unroutable address on the internet.
     */
    @Test
    void fetch_whenEveryAddressBlackholesConnects_givesUpAtTheOverallDeadline() throws Exception {
        try (ServerSocket blackhole = new ServerSocket()) {
            blackhole.bind(new InetSocketAddress("127.0.0.1", 0), 1);
            List<Socket> backlog = new ArrayList<>();
            try {
                boolean full = false;
                for (int i = 0; i < 16 && !full; i++) {
                    Socket socket = new Socket();
                    try {
                        socket.connect(blackhole.getLocalSocketAddress(), 200);
                        backlog.add(socket);
                    } catch (SocketTimeoutException e) {
                        socket.close();
                        full = true;
                    }
                }
                Assumptions.assumeTrue(full, "this kernel accepts every connection to a full backlog; "
                        + "cannot blackhole a connect on loopback here");
                InetAddress loopback = InetAddress.getByName("127.0.0.1");
                HostResolver fiveAddresses = host -> List.of(loopback, loopback, loopback, loopback, loopback);
                // each connect alone may take 2 s, the whole fetch 1 s: five addresses must not take 10 s
                SafeUrlFetcher fetcher = new SafeUrlFetcher(new AddressPolicy(true), fiveAddresses, SMALL_LIMIT,
                        Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(1));

                assertThatThrownBy(() -> fetcher.fetch("http://unroutable.example:" + blackhole.getLocalPort() + "/x.png"))
                        .isInstanceOf(Unprocessable.class)
                        .hasMessageContaining("within the 1 s deadline")
                        .hasMessageNotContaining("tried 5 of 5");
            } finally {
                for (Socket socket : backlog) {
                    socket.close();
                }
            }
        }
    }
}
