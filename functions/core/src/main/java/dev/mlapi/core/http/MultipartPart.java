package dev.mlapi.core.http;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** One part of a {@code multipart/form-data} body. */
public record MultipartPart(String name, Optional<String> filename, String contentType, byte[] data) {

    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    public boolean isFile() {
        return filename.isPresent();
    }
}
