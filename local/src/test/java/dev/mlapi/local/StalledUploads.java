package dev.mlapi.local;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** Slow clients: uploads that promise a body and stop sending. */
final class StalledUploads {

    private StalledUploads() {
    }

    /** Sends headers promising {@code Content-Length: 100000}, then 10 bytes, then nothing. */
    static Socket open(URI base, String path) throws IOException {
        Socket socket = new Socket(base.getHost(), base.getPort());
        socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n0123456789")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }
}
