package dev.mlapi.images;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.imagestore.ImageChange;
import dev.mlapi.imagestore.ImageQuery;
import dev.mlapi.imagestore.PresignedImageUploads.DeclaredFile;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Objects;

/** The JSON bodies and query strings of the image and tag routes, read and checked. */
final class ImageRequests {

    /** {@code POST /tags} and {@code PATCH /tags/{name}}. */
    record TagBody(String name) {
    }

    /** {@code PATCH /images/{id}}: each field optional; {@code description: ""} removes it. */
    record ChangeBody(List<String> tags, String description) {
    }

    /** {@code POST /images} as JSON: files to upload through presigned PUTs, with existing tags. */
    record PresignBody(List<DeclaredFile> files, List<String> tags) {
    }

    private ImageRequests() {
    }

    static PresignBody presign(ApiRequest request) {
        PresignBody body = request.json(PresignBody.class);
        if (body == null || body.files() == null) {
            throw InvalidInput.field("files", "is required: [{\"name\", \"size\", \"sha256\", \"content_type\"}]");
        }
        List<String> tags = body.tags() == null ? List.of() : body.tags();
        if (tags.stream().anyMatch(Objects::isNull)) {
            throw InvalidInput.field("tags", "must not contain null");
        }
        return new PresignBody(body.files(), tags);
    }

    static String tagName(ApiRequest request) {
        TagBody body = request.json(TagBody.class);
        if (body == null || body.name() == null) {
            throw InvalidInput.field("name", "is required");
        }
        return body.name();
    }

    static ImageChange change(ApiRequest request) {
        ChangeBody body = request.json(ChangeBody.class);
        if (body == null || (body.tags() == null && body.description() == null)) {
            throw new InvalidInput("send 'tags' (a list of existing tag names) and/or 'description'");
        }
        if (body.tags() != null && body.tags().contains(null)) {
            throw InvalidInput.field("tags", "must not contain null");
        }
        return new ImageChange(Optional.ofNullable(body.tags()), Optional.ofNullable(body.description()));
    }

    /** {@code GET /images?tag=a&tag=b&match=all|any&owner=&from=&to=&limit=&cursor=}. */
    static ImageQuery query(ApiRequest request) {
        // API Gateway joins repeated parameters with commas; tag names cannot contain one.
        List<String> tags = request.query("tag").map(v -> Arrays.stream(v.split(",")).toList()).orElse(List.of());
        String match = request.query("match").orElse("all");
        if (!match.equals("all") && !match.equals("any")) {
            throw InvalidInput.field("match", "must be 'all' or 'any'");
        }
        Optional<Instant> from = request.query("from").map(v -> instant("from", v));
        Optional<Instant> to = request.query("to").map(v -> instant("to", v));
        if (from.isPresent() && to.isPresent() && from.get().isAfter(to.get())) {
            throw InvalidInput.field("from", "must not be after 'to'");
        }
        return new ImageQuery(request.query("owner"), tags, match.equals("all"), from, to,
                request.queryInt("limit", ImageQuery.DEFAULT_LIMIT, 1, ImageQuery.MAX_LIMIT), request.query("cursor"));
    }

    private static Instant instant(String field, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw InvalidInput.field(field, "must be an ISO-8601 UTC timestamp such as 2026-12-01T18:00:00Z");
        }
    }
}
