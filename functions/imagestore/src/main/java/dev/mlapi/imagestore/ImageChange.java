package dev.mlapi.imagestore;

import java.util.List;
import java.util.Optional;

/**
 * A change to an image: its tags (replaced by these names, when given) and description (set when
 * given; an empty one removes it).
 */
public record ImageChange(Optional<List<String>> tags, Optional<String> description) {
}
