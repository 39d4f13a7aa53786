package dev.mlapi.registry;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys under the registry's prefix that are not of its layout (a temporary file the local S3
 * server left behind when killed, an object someone put by hand): the registry ignores them and
 * reports each one once, so a listing that meets it on every request does not flood the log.
 */
final class StrayKeys {

    /** Beyond this many distinct keys, one last warning says that no more are reported. */
    static final int MAX_REPORTED = 10_000;
    private static final int MAX_KEY_CHARS = 300;
    private static final Logger LOG = LoggerFactory.getLogger(StrayKeys.class);

    private final String bucket;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean saturated = new AtomicBoolean();

    StrayKeys(String bucket) {
        this.bucket = bucket;
    }

    /** Logs a warning about {@code key} unless it was reported before. */
    void report(String key) {
        if (reported.size() >= MAX_REPORTED) {
            if (saturated.compareAndSet(false, true)) {
                LOG.warn("more than {} keys of s3://{} are not of the registry's layout; no longer reporting each",
                        MAX_REPORTED, bucket);
            }
            return;
        }
        if (reported.add(key)) {
            LOG.warn("ignoring s3://{}/{}: {}", bucket, printable(key), RegistryKeys.isPartialWrite(key)
                    ? "an interrupted write of the local S3 server (removed by the next clean-up)"
                    : "not a key of the registry's layout (docs/REGISTRY.md)");
        }
    }

    /** The keys reported so far. */
    Set<String> reported() {
        return Set.copyOf(reported);
    }

    /** Keys are anyone's bytes: no control characters into the log, and a bounded length. */
    private static String printable(String key) {
        StringBuilder out = new StringBuilder(Math.min(key.length(), MAX_KEY_CHARS + 1));
        for (int i = 0; i < key.length() && i < MAX_KEY_CHARS; i++) {
            char c = key.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return key.length() > MAX_KEY_CHARS ? out.append('…').toString() : out.toString();
    }
}
