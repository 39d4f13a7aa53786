package dev.mlapi.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.util.Collections;
import java.util.Optional;

/** Where a server listens, probed from this machine. */
public final class Listeners {

    private Listeners() {
    }

    /** Reachable on 127.0.0.1, refused on this machine's other addresses. */
    public static void assertLoopbackOnly(URI endpoint) throws IOException {
        try (Socket loopback = new Socket()) {
            loopback.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), endpoint.getPort()), 2000);
            assertThat(loopback.isConnected()).isTrue();
        }
        Optional<InetAddress> external = externalAddress();
        assumeThat(external).as("this machine has a non-loopback IPv4 address to probe").isPresent();
        assertThatThrownBy(() -> {
            try (Socket other = new Socket()) {
                other.connect(new InetSocketAddress(external.get(), endpoint.getPort()), 2000);
            }
        }).as("port %d on %s", endpoint.getPort(), external.get()).isInstanceOf(IOException.class);
    }

    public static Optional<InetAddress> externalAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
