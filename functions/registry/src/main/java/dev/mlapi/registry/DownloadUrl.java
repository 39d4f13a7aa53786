package dev.mlapi.registry;

import java.net.URI;
import java.time.Instant;

/** A time-limited GET URL of one stored file. */
public record DownloadUrl(String file, URI url, Instant expiresAt) {
}
