package dev.mlapi.core.requestlog;

import java.util.Optional;

/**
 * What a route handler adds to its request's history entry. Only these fields reach the log:
 * bodies, headers and query strings never do, so passwords and tokens cannot.
 */
public final class RequestLogFields {

    private String imageUrl;
    private Integer imageWidth;
    private Integer imageHeight;
    private String model;
    private String result;
    private String modelRole;
    private String inputCounts;

    public RequestLogFields imageUrl(String value) {
        this.imageUrl = value;
        return this;
    }

    public RequestLogFields imageSize(int width, int height) {
        this.imageWidth = width;
        this.imageHeight = height;
        return this;
    }

    /** The model that served the request, as {@code name:version}. */
    public RequestLogFields model(String value) {
        this.model = value;
        return this;
    }

    /**
     * The model version that served the request ({@code name:version}) and its role in the alias the
     * request named ({@code stable}, {@code canary}, {@code shadow}): what per-version figures count.
     */
    public RequestLogFields served(String value, String role) {
        this.model = value;
        this.modelRole = role;
        return this;
    }

    /** A short summary of the answer (e.g. the top label); cut to 1 KB. */
    public RequestLogFields result(String value) {
        this.result = value == null || value.length() <= 1024 ? value : value.substring(0, 1024);
        return this;
    }

    /**
     * How many of the request's rows fell in each bucket of the serving version's drift baseline
     * ({@code dev.mlapi.core.drift.InputCounts#encode()}): what the aggregator adds up per version and hour.
     */
    public RequestLogFields inputCounts(String value) {
        this.inputCounts = value;
        return this;
    }

    /** Forgets every field: the route's work is not to be logged (its caller turned out unauthenticated). */
    public void clear() {
        imageUrl = null;
        imageWidth = null;
        imageHeight = null;
        model = null;
        result = null;
        modelRole = null;
        inputCounts = null;
    }

    public Optional<String> imageUrl() {
        return Optional.ofNullable(imageUrl);
    }

    public Optional<Integer> imageWidth() {
        return Optional.ofNullable(imageWidth);
    }

    public Optional<Integer> imageHeight() {
        return Optional.ofNullable(imageHeight);
    }

    public Optional<String> model() {
        return Optional.ofNullable(model);
    }

    public Optional<String> modelRole() {
        return Optional.ofNullable(modelRole);
    }

    public Optional<String> inputCounts() {
        return Optional.ofNullable(inputCounts);
    }

    public Optional<String> result() {
        return Optional.ofNullable(result);
    }
}
