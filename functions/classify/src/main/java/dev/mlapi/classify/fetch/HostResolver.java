package dev.mlapi.classify.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Resolves a host name (or IP literal) to the addresses a connection may go to. */
@FunctionalInterface
public interface HostResolver {

    List<InetAddress> resolve(String host) throws UnknownHostException;

    /**
     * The JVM's resolver, asked afresh on every fetch: this code keeps no DNS answers of its own,
     * so nothing resolved before a SnapStart snapshot is reused after a restore.
     */
    static HostResolver system() {
        return host -> List.of(InetAddress.getAllByName(host));
    }
}
