package dev.mlapi.core.auth;

import java.time.Instant;

/** A freshly signed access token. */
public record IssuedToken(String token, String tokenId, Instant expiresAt, long expiresInSeconds) {
}
