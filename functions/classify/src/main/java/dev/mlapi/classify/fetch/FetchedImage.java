package dev.mlapi.classify.fetch;

import java.net.URI;

/** The body of a successful fetch, the content type the server declared and the URL it finally came from. */
public record FetchedImage(byte[] body, String contentType, URI url) {
}
