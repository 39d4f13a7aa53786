package dev.mlapi.classify.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pure address classification: no address here is ever connected to. */
class AddressPolicyTest {

    static final AddressPolicy STRICT = new AddressPolicy(false);
    static final AddressPolicy LOOPBACK_ALLOWED = new AddressPolicy(true);

    /** Parses an IP literal without any DNS lookup; IPv6 keeps its 16 bytes even for mapped forms. */
    static InetAddress ip(String literal) throws UnknownHostException {
        InetAddress parsed = InetAddress.getByName(literal);
        if (literal.contains(":")) {
            byte[] bytes = ipv6Bytes(literal);
            return Inet6Address.getByAddress(null, bytes, -1);
        }
        return parsed;
    }

    private static byte[] ipv6Bytes(String literal) throws UnknownHostException {
        InetAddress parsed = InetAddress.getByName(literal);
        byte[] raw = parsed.getAddress();
        if (raw.length == 16) {
            return raw;
        }
        // Java turns ::ffff:a.b.c.d into an Inet4Address; rebuild the mapped 16 bytes.
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(raw, 0, mapped, 12, 4);
        return mapped;
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.0.9", "10.0.0.1", "10.255.255.255",
            "172.16.0.1", "172.31.255.254", "192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1",
            "100.127.255.254", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "192.0.0.8",
            "192.0.2.10", "198.51.100.7", "203.0.113.9", "198.18.0.1", "198.19.255.1",
            "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1", "::ffff:10.0.0.1",
            "::ffff:169.254.169.254", "::ffff:127.0.0.1", "::10.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
            "2002:a9fe:a9fe::1", "2002:0a00:0001::1", "2001:0:4136:e378::1", "2001:db8::1", "100::1"})
    void refusal_whenNotPublicUnicast_refuses(String literal) throws UnknownHostException {
        assertThat(STRICT.refusal(ip(literal))).as(literal).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255",
            "100.128.0.1", "169.253.255.255", "11.0.0.1", "223.255.255.254", "2606:4700::1111",
            "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "2002:0808:0808::1", "64:ff9b::808:808"})
    void refusal_whenPublicUnicast_allows(String literal) throws UnknownHostException {
        assertThat(STRICT.refusal(ip(literal))).as(literal).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3"})
    void refusal_whenLoopbackAllowed_admitsIpv4Loopback(String literal) throws UnknownHostException {
        assertThat(LOOPBACK_ALLOWED.refusal(ip(literal))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"::1", "::ffff:127.0.0.1", "10.0.0.1", "169.254.169.254", "0.0.0.0", "192.168.0.1", "fe80::1"})
    void refusal_whenLoopbackAllowed_stillRefusesEverythingElse(String literal) throws UnknownHostException {
        assertThat(LOOPBACK_ALLOWED.refusal(ip(literal))).as(literal).isPresent();
    }
}
