package dev.mlapi.core.auth;

import dev.mlapi.core.users.Role;
import java.time.Instant;

/** The authenticated caller, as proven by a verified, unrevoked token. */
public record Principal(String userId, String username, Role role, String tokenId, long tokenVersion,
        Instant expiresAt) {

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
