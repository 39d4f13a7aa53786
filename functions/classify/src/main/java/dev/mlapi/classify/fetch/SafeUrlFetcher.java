package dev.mlapi.classify.fetch;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.Unprocessable;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Fetches an image URL given by a caller without letting it reach anything but the public
 * internet (server-side request forgery).
 *
 * <p>Every hop — the URL and each redirect — is parsed, its host resolved once, every resolved
 * address checked against the {@link AddressPolicy}, and the connection made to that checked
 * address: nothing resolves the name a second time, so a DNS answer cannot change between check
 * and use. TLS still verifies the certificate against the host name (SNI set). Only http and
 * https, at most {@value #MAX_REDIRECTS} redirects, a size cap checked while reading, connect
 * and read timeouts and an overall deadline. No proxy, cookies or credentials are ever used.
 */
public final class SafeUrlFetcher {

    public static final int MAX_REDIRECTS = 3;
    public static final int DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
    private static final int MAX_URL_LENGTH = 2048;
    private static final int MAX_HEADER_BYTES = 32 * 1024;
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final String FIELD = "image_url";
    /** Less time than this left: no further connection attempt is started. */
    private static final long MIN_ATTEMPT_NANOS = 1_000_000;

    private final AddressPolicy policy;
    private final HostResolver resolver;
    private final int maxBytes;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Duration totalTimeout;
    private final SSLSocketFactory tls;

    public SafeUrlFetcher(AddressPolicy policy, HostResolver resolver, int maxBytes, Duration connectTimeout,
            Duration readTimeout, Duration totalTimeout) {
        this.policy = policy;
        this.resolver = resolver;
        this.maxBytes = maxBytes;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.totalTimeout = totalTimeout;
        this.tls = (SSLSocketFactory) SSLSocketFactory.getDefault();
    }

    /** 10 MB, 3 s to connect, 5 s between reads, 10 s in all. */
    public static SafeUrlFetcher create(boolean allowLoopback) {
        return new SafeUrlFetcher(new AddressPolicy(allowLoopback), HostResolver.system(), DEFAULT_MAX_BYTES,
                Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    /**
     * The body behind {@code url}: 400 for a URL that is malformed, not http(s) or points at a
     * refused address; 413 when larger than the cap; 422 when it cannot be fetched or answers
     * anything but 200.
     */
    public FetchedImage fetch(String url) {
        long deadline = System.nanoTime() + totalTimeout.toNanos();
        URI uri = parse(url);
        for (int hop = 0; ; hop++) {
            Target target = target(uri);
            Response response = exchange(target, uri, deadline);
            if (REDIRECTS.contains(response.status)) {
                String location = response.headers.get("location");
                if (location == null || location.isBlank()) {
                    throw new Unprocessable(FIELD + ": the server answered HTTP " + response.status
                            + " without a Location header");
                }
                if (hop == MAX_REDIRECTS) {
                    throw new Unprocessable(FIELD + ": more than " + MAX_REDIRECTS + " redirects");
                }
                uri = parse(resolveLocation(uri, location.trim()));
                continue;
            }
            if (response.status != 200) {
                throw new Unprocessable(FIELD + ": the server answered HTTP " + response.status + " instead of an image");
            }
            return new FetchedImage(response.body, response.headers.getOrDefault("content-type", ""), uri);
        }
    }

    private static URI parse(String url) {
        if (url == null || url.isBlank()) {
            throw InvalidInput.field(FIELD, "must be an http or https URL");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw InvalidInput.field(FIELD, "is longer than " + MAX_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw InvalidInput.field(FIELD, "is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw InvalidInput.field(FIELD, "only http and https URLs can be fetched");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw InvalidInput.field(FIELD, "the URL has no valid host name");
        }
        if (uri.getRawUserInfo() != null) {
            throw InvalidInput.field(FIELD, "URLs with credentials (user@host) are not allowed");
        }
        if (uri.getPort() > 65535) {
            throw InvalidInput.field(FIELD, "the port is out of range");
        }
        return uri;
    }

    private static String resolveLocation(URI base, String location) {
        try {
            return base.resolve(new URI(location)).toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new Unprocessable(FIELD + ": the server redirected to an invalid URL");
        }
    }

    /** Resolves the host once and checks every address it has; the connection uses only these. */
    private Target target(URI uri) {
        String host = uri.getHost();
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        String lookup;
        try {
            lookup = bare.contains(":") ? bare : IDN.toASCII(bare, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            throw InvalidInput.field(FIELD, "the host name is not valid");
        }
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(lookup);
        } catch (UnknownHostException e) {
            throw new Unprocessable(FIELD + ": the host '" + host + "' could not be resolved");
        }
        if (addresses.isEmpty()) {
            throw new Unprocessable(FIELD + ": the host '" + host + "' has no addresses");
        }
        for (InetAddress address : addresses) {
            Optional<String> refusal = policy.refusal(address);
            if (refusal.isPresent()) {
                throw InvalidInput.field(FIELD, "the host '" + host + "' resolves to a " + refusal.get()
                        + " address (" + address.getHostAddress() + "); only public addresses can be fetched");
            }
        }
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        int port = uri.getPort() != -1 ? uri.getPort() : https ? 443 : 80;
        return new Target(lookup, bare.contains(":"), addresses, port, https);
    }

    private Response exchange(Target target, URI uri, long deadline) {
        try (Socket socket = connect(target, uri, deadline)) {
            socket.setSoTimeout(timeoutMillis(readTimeout, deadline));
            Socket channel = target.https ? startTls(socket, target) : socket;
            OutputStream out = channel.getOutputStream();
            out.write(request(uri, target).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new DeadlineInputStream(new BufferedInputStream(channel.getInputStream()), socket,
                    readTimeout, deadline);
            return readResponse(in);
        } catch (DeadlineException e) {
            throw new Unprocessable(e.getMessage());
        } catch (SocketTimeoutException e) {
            throw new Unprocessable(FIELD + ": the server did not answer in time");
        } catch (ConnectException e) {
            throw new Unprocessable(FIELD + ": could not connect to '" + uri.getHost() + "'");
        } catch (SSLException e) {
            throw new Unprocessable(FIELD + ": the TLS connection failed: " + e.getMessage());
        } catch (IOException e) {
            throw new Unprocessable(FIELD + ": could not fetch the image: " + e.getMessage());
        }
    }

    /**
     * Tries the checked addresses in turn, each for the connect timeout or what is left of the
     * overall deadline, whichever is shorter, so a host with many unreachable addresses cannot
     * hold the request past its deadline.
     */
    private Socket connect(Target target, URI uri, long deadline) throws IOException {
        IOException last = null;
        int tried = 0;
        for (InetAddress address : target.addresses) {
            if (deadline - System.nanoTime() < MIN_ATTEMPT_NANOS) {
                throw new DeadlineException(FIELD + ": could not connect to '" + uri.getHost() + "' within the "
                        + totalTimeout.toSeconds() + " s deadline (tried " + tried + " of " + target.addresses.size()
                        + " addresses)");
            }
            tried++;
            Socket socket = new Socket(Proxy.NO_PROXY);
            try {
                socket.connect(new InetSocketAddress(address, target.port), timeoutMillis(connectTimeout, deadline));
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
            }
        }
        throw last;
    }

    /** {@code timeout} or the time left until {@code deadline}, whichever is shorter; at least 1 ms (0 means forever). */
    private static int timeoutMillis(Duration timeout, long deadline) {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        return (int) Math.min(timeout.toMillis(), left);
    }

    private Socket startTls(Socket socket, Target target) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.createSocket(socket, target.host, target.port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!target.ipLiteral && !target.host.matches("[0-9.]+")) {
            parameters.setServerNames(List.of(new SNIHostName(target.host)));
        }
        ssl.setSSLParameters(parameters);
        ssl.startHandshake();
        return ssl;
    }

    private static String request(URI uri, Target target) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String host = target.ipLiteral ? "[" + target.host + "]" : target.host;
        boolean defaultPort = target.port == (target.https ? 443 : 80);
        return "GET " + path + query + " HTTP/1.1\r\n"
                + "Host: " + host + (defaultPort ? "" : ":" + target.port) + "\r\n"
                + "User-Agent: mlapi-classify/1.0\r\n"
                + "Accept: image/*\r\n"
                + "Accept-Encoding: identity\r\n"
                + "Connection: close\r\n\r\n";
    }

    private Response readResponse(InputStream in) throws IOException {
        int[] headerBudget = {MAX_HEADER_BYTES};
        String statusLine = readLine(in, headerBudget);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x response");
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("malformed HTTP status line");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(in, headerBudget); !line.isEmpty(); line = readLine(in, headerBudget)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim());
            }
        }
        if (REDIRECTS.contains(status) || status != 200) {
            return new Response(status, headers, new byte[0]);
        }
        boolean chunked = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked");
        byte[] body = chunked ? readChunked(in, headerBudget) : readPlain(in, headers.get("content-length"));
        return new Response(status, headers, body);
    }

    private byte[] readPlain(InputStream in, String contentLength) throws IOException {
        long declared = -1;
        if (contentLength != null) {
            try {
                declared = Long.parseLong(contentLength.trim());
            } catch (NumberFormatException e) {
                throw new IOException("malformed Content-Length");
            }
            if (declared > maxBytes) {
                throw tooLarge();
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(declared > 0 ? (int) declared : 64 * 1024);
        copy(in, body, declared < 0 ? Long.MAX_VALUE : declared);
        if (declared >= 0 && body.size() < declared) {
            throw new IOException("the connection closed after " + body.size() + " of " + declared + " bytes");
        }
        return body.toByteArray();
    }

    private byte[] readChunked(InputStream in, int[] headerBudget) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        while (true) {
            String line = readLine(in, headerBudget);
            int semicolon = line.indexOf(';');
            long size;
            try {
                size = Long.parseLong((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size");
            }
            if (size < 0 || body.size() + size > maxBytes) {
                throw tooLarge();
            }
            if (size == 0) {
                return body.toByteArray(); // trailers, if any, are not needed
            }
            long before = body.size();
            copy(in, body, size);
            if (body.size() - before < size) {
                throw new IOException("the connection closed inside a chunk");
            }
            readLine(in, headerBudget);
        }
    }

    private void copy(InputStream in, ByteArrayOutputStream out, long limit) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        long remaining = limit;
        while (remaining > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                return;
            }
            if (out.size() + n > maxBytes) {
                throw tooLarge();
            }
            out.write(buffer, 0, n);
            remaining -= n;
        }
    }

    private PayloadTooLarge tooLarge() {
        return new PayloadTooLarge(FIELD + ": the image is larger than " + maxBytes / (1024 * 1024) + " MB");
    }

    private static String readLine(InputStream in, int[] budget) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the connection closed in the middle of the response headers");
            }
            if (--budget[0] < 0) {
                throw new IOException("the response headers are too large");
            }
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) c);
        }
    }

    private record Target(String host, boolean ipLiteral, List<InetAddress> addresses, int port, boolean https) {
    }

    private record Response(int status, Map<String, String> headers, byte[] body) {
    }

    /** The overall deadline passed before the next step could start. */
    private static final class DeadlineException extends SocketTimeoutException {
        DeadlineException(String message) {
            super(message);
        }
    }

    /**
     * Fails a slow drip of bytes that would otherwise keep every read under the read timeout, and
     * shortens each read's timeout to what is left of the deadline.
     */
    private static final class DeadlineInputStream extends InputStream {
        private final InputStream in;
        private final Socket socket;
        private final Duration readTimeout;
        private final long deadline;
        private int soTimeout = -1;

        DeadlineInputStream(InputStream in, Socket socket, Duration readTimeout, long deadline) {
            this.in = in;
            this.socket = socket;
            this.readTimeout = readTimeout;
            this.deadline = deadline;
        }

        @Override
        public int read() throws IOException {
            check();
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            check();
            return in.read(b, off, len);
        }

        private void check() throws IOException {
            if (System.nanoTime() > deadline) {
                throw new SocketTimeoutException("overall fetch deadline passed");
            }
            int timeout = timeoutMillis(readTimeout, deadline);
            if (timeout != soTimeout) {
                // changes only in the last read timeout before the deadline, so reads stay syscall-free
                socket.setSoTimeout(timeout);
                soTimeout = timeout;
            }
        }
    }
}
