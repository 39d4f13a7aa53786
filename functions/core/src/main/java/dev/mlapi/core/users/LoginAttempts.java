package dev.mlapi.core.users;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Port to the failed-login counters: how many logins failed per counter (a username, a source
 * address) within a fixed time window.
 */
public interface LoginAttempts {

    /** The failures counted in the windows starting at {@code windowStarts}, summed per counter; absent counters are 0. */
    Map<String, Long> failures(List<String> counters, List<Instant> windowStarts);

    /** Counts one more failure for each counter in the window starting at {@code windowStart}, kept until {@code expiresAt}. */
    void recordFailure(List<String> counters, Instant windowStart, Instant expiresAt);
}
