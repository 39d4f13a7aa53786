package dev.mlapi.imagestore;

/** A label the image classifier gave an image, with its probability. */
public record SuggestedTag(String name, double probability) {
}
