package dev.mlapi.imagestore;

import java.util.List;
import java.util.Optional;

/** One page of tags in name order, and the cursor of the next page. */
public record TagList(List<TagView> items, Optional<String> nextCursor) {
}
