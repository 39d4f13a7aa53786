package dev.mlapi.core.compat;

import dev.mlapi.core.http.MultipartPart;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.Optional;

/** Writes {@code multipart/form-data} bodies, for adapters that pass a form on with a field added. */
public final class FormData {

    private final String boundary = "compat-" + UUID.randomUUID();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    public FormData parts(List<MultipartPart> parts) {
        parts.forEach(this::part);
        return this;
    }

    public FormData part(MultipartPart part) {
        StringBuilder head = new StringBuilder("--").append(boundary)
                .append("\r\nContent-Disposition: form-data; name=\"").append(part.name()).append('"');
        part.filename().ifPresent(name -> head.append("; filename=\"").append(name.replace("\"", "")).append('"'));
        head.append("\r\nContent-Type: ").append(part.contentType()).append("\r\n\r\n");
        body.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        body.writeBytes(part.data());
        body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public FormData field(String name, String value) {
        return part(new MultipartPart(name, Optional.empty(), "text/plain; charset=utf-8",
                value.getBytes(StandardCharsets.UTF_8)));
    }

    public String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    public byte[] bytes() {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        copy.writeBytes(body.toByteArray());
        copy.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return copy.toByteArray();
    }
}
