package dev.mlapi.core.users;

import java.util.Optional;

/**
 * Port for what verifying a token needs from storage, in one round trip: the token's user as
 * stored now, and whether the token has been revoked.
 */
public interface CredentialLookup {

    Credentials lookup(String username, String tokenId);

    /** The stored user (empty if deleted) and whether the token id is revoked. */
    record Credentials(Optional<User> user, boolean revoked) {
    }
}
