package dev.mlapi.classify.fetch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Which addresses a server-side fetch may connect to: public unicast only. Refused are loopback,
 * private (RFC 1918, IPv6 unique-local), link-local (incl. the cloud metadata service
 * 169.254.169.254), carrier-grade NAT, multicast, broadcast, unspecified, documentation,
 * benchmarking and reserved ranges, and IPv6 forms that embed an IPv4 address (mapped,
 * compatible, NAT64, 6to4) when the embedded address is refused.
 *
 * <p>{@code allowLoopback} (tests only) admits IPv4 127.0.0.0/8 and nothing else.
 */
public final class AddressPolicy {

    private final boolean allowLoopback;

    public AddressPolicy(boolean allowLoopback) {
        this.allowLoopback = allowLoopback;
    }

    /** Why {@code address} is refused, e.g. {@code "private"}; empty when it may be used. */
    public Optional<String> refusal(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            int ip = ipv4(bytes, 0);
            if (allowLoopback && in(ip, 0x7f000000, 8)) {
                return Optional.empty();
            }
            return ipv4Refusal(ip);
        }
        if (address instanceof Inet6Address && bytes.length == 16) {
            return ipv6Refusal(bytes);
        }
        return Optional.of("unknown address family");
    }

    private static Optional<String> ipv4Refusal(int ip) {
        if (in(ip, 0x00000000, 8)) {
            return Optional.of("unspecified (0.0.0.0/8)");
        }
        if (in(ip, 0x7f000000, 8)) {
            return Optional.of("loopback");
        }
        if (in(ip, 0x0a000000, 8) || in(ip, 0xac100000, 12) || in(ip, 0xc0a80000, 16)) {
            return Optional.of("private");
        }
        if (in(ip, 0x64400000, 10)) {
            return Optional.of("carrier-grade NAT (100.64.0.0/10)");
        }
        if (in(ip, 0xa9fe0000, 16)) {
            return Optional.of("link-local");
        }
        if (in(ip, 0xc0000000, 24) || in(ip, 0xc0000200, 24) || in(ip, 0xc6336400, 24) || in(ip, 0xcb007100, 24)
                || in(ip, 0xc0586300, 24) || in(ip, 0xc6120000, 15)) {
            return Optional.of("reserved for special use");
        }
        if (in(ip, 0xe0000000, 4)) {
            return Optional.of("multicast");
        }
        if (in(ip, 0xf0000000, 4)) {
            return Optional.of("reserved or broadcast");
        }
        return Optional.empty();
    }

    private static Optional<String> ipv6Refusal(byte[] b) {
        boolean firstTenZero = true;
        for (int i = 0; i < 10; i++) {
            firstTenZero &= b[i] == 0;
        }
        if (firstTenZero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return embedded("IPv4-mapped", ipv4(b, 12));
        }
        if (firstTenZero && b[10] == 0 && b[11] == 0) {
            int low = ipv4(b, 12);
            if (low == 0) {
                return Optional.of("unspecified (::)");
            }
            if (low == 1) {
                return Optional.of("loopback");
            }
            return embedded("IPv4-compatible", low);
        }
        int first16 = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
        int second16 = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        if (first16 == 0x0064 && second16 == 0xff9b) {
            boolean wellKnown = true;
            for (int i = 4; i < 12; i++) {
                wellKnown &= b[i] == 0;
            }
            return wellKnown ? embedded("NAT64", ipv4(b, 12)) : Optional.of("local-use NAT64");
        }
        if (first16 == 0x2002) {
            return embedded("6to4", ipv4(b, 2));
        }
        if (first16 == 0x2001 && second16 == 0x0000) {
            return Optional.of("Teredo tunnel");
        }
        if (first16 == 0x2001 && second16 == 0x0db8) {
            return Optional.of("documentation");
        }
        if ((b[0] & 0xfe) == 0xfc) {
            return Optional.of("private (unique local)");
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80) {
            return Optional.of("link-local");
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
            return Optional.of("site-local");
        }
        if ((b[0] & 0xff) == 0xff) {
            return Optional.of("multicast");
        }
        if ((b[0] & 0xe0) != 0x20) {
            return Optional.of("not global unicast");
        }
        return Optional.empty();
    }

    private static Optional<String> embedded(String form, int ipv4) {
        return ipv4Refusal(ipv4).map(reason -> form + " " + reason);
    }

    private static int ipv4(byte[] b, int offset) {
        return ((b[offset] & 0xff) << 24) | ((b[offset + 1] & 0xff) << 16) | ((b[offset + 2] & 0xff) << 8)
                | (b[offset + 3] & 0xff);
    }

    private static boolean in(int ip, int network, int prefix) {
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        return (ip & mask) == (network & mask);
    }
}
