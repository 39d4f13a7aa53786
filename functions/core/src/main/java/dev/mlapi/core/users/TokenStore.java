package dev.mlapi.core.users;

import java.time.Instant;

/** Port to the token-revocation table: revoked token ids, kept until the token would have expired. */
public interface TokenStore {

    void revoke(String tokenId, Instant tokenExpiresAt);

    boolean isRevoked(String tokenId);
}
