package dev.mlapi.core.users;

import java.time.Instant;
import java.util.Optional;

/**
 * A stored account. {@code tokenVersion} goes up on every password change; tokens carrying an
 * older version are refused.
 */
public record User(String id, String username, Optional<String> email, Role role, String passwordHash,
        Instant createdAt, long tokenVersion) {

    public User withPassword(String newHash) {
        return new User(id, username, email, role, newHash, createdAt, tokenVersion + 1);
    }
}
