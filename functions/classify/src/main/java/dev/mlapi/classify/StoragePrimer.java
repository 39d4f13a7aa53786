package dev.mlapi.classify;

import dev.mlapi.core.Wiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Touches the DynamoDB tables every request reads (users, revoked tokens) with lookups of a key
 * that does not exist, so the SDK client, its marshallers and a connection are ready before the
 * first request. Reads only: nothing appears in the request log or anywhere else. Never fails.
 */
final class StoragePrimer {

    private static final Logger LOG = LoggerFactory.getLogger(StoragePrimer.class);
    private static final String PROBE = "warm-up-probe";

    private final Wiring wiring;

    StoragePrimer(Wiring wiring) {
        this.wiring = wiring;
    }

    void prime() {
        try {
            wiring.userStore().find(PROBE);
            wiring.tokenStore().isRevoked(PROBE);
        } catch (RuntimeException e) {
            LOG.info("storage not primed: {}", e.toString());
        }
    }
}
