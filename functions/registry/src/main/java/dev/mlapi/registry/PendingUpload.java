package dev.mlapi.registry;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A reserved version waiting for its files: one presigned PUT per file, valid until
 * {@code expiresAt}. The uploader must send each URL's {@code headers} exactly (they are signed;
 * the checksum header makes storage refuse bytes that differ from the declared sha256).
 */
public record PendingUpload(String name, int version, Instant expiresAt, List<UploadUrl> uploads) {

    public PendingUpload {
        uploads = List.copyOf(uploads);
    }

    /** Where and how to upload one file. */
    public record UploadUrl(String file, String method, URI url, Map<String, String> headers) {
        public UploadUrl {
            headers = Map.copyOf(headers);
        }
    }
}
