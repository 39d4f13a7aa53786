package dev.mlapi.classify;

import dev.mlapi.core.users.TokenStore;
import dev.mlapi.core.users.UserStore;
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

    private final UserStore users;
    private final TokenStore tokens;

    StoragePrimer(UserStore users, TokenStore tokens) {
        this.users = users;
        this.tokens = tokens;
    }

    void prime() {
        try {
            users.find(PROBE);
            tokens.isRevoked(PROBE);
        } catch (RuntimeException e) {
            LOG.info("storage not primed: {}", e.toString());
        }
    }
}
